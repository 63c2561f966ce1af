package pool_test

import (
	"fmt"
	"sync/atomic"

	"github.com/golocks/golocks/pkg/pool"
)

// Two goroutines share a counter, as two processes share the workbook's file;
// an atomic add keeps every update.
func ExamplePool_MapFunc() {
	var total atomic.Int64
	err := pool.New(2).MapFunc(func(n int) error {
		for i := 0; i < n; i++ {
			total.Add(1)
		}
		return nil
	}, []int{1000, 2000})
	fmt.Println(total.Load(), err)
	// Output: 3000 <nil>
}

// The workbook's Pool(processes=2).map(partial(work, filename=...), [1000, 2000]):
// two golocks worker processes race on one file.
func ExamplePool_Map() {
	err := pool.New(2).Map("work", []int{1000, 2000}, "parallel.txt")
	if err != nil {
		fmt.Println(err)
	}
}
