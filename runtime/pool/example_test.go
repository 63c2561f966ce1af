package pool_test

import (
	"fmt"
	"os"
	"sync/atomic"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// Two goroutines share a counter, as two processes share the workbook's file;
// an atomic add keeps every update.
func ExamplePool_MapFunc() {
	var total atomic.Int64
	add := func(n int, step int64) {
		for i := 0; i < n; i++ {
			total.Add(step)
		}
	}
	err := pool.New(2).MapFunc(add, []int{1000, 2000}, int64(1))
	fmt.Println(total.Load(), err)
	// Output: 3000 <nil>
}

// The workbook's Pool(processes=2).map(partial(work, filename=...), [1000, 2000]):
// workbook.Work(1000, "parallel.txt") and workbook.Work(2000, "parallel.txt")
// race in two golocks worker processes.
func ExamplePool_Map() {
	err := pool.New(2).Map(workbook.Work, []int{1000, 2000}, "parallel.txt")
	if err != nil {
		fmt.Println(err)
	}
	n, err := workbook.ReadCount("parallel.txt")
	fmt.Println(n, err) // less than 3000: updates were lost
}

// Different functions in one run, and what became of each call.
func ExamplePool_Run() {
	results, err := pool.New(2).Run(
		pool.Task{Func: workbook.WorkLocked, Args: []any{1000, "parallel.txt", "counter.lock"}},
		pool.Task{Func: workbook.Work, Args: []any{2000, "parallel.txt"}},
	)
	for _, r := range results {
		fmt.Println(r.Call, "in pid", r.PID, "took", r.Elapsed, r.Err)
	}
	fmt.Println(err)
}

// A worker program's main: serve one call of the functions it has compiled
// in. The golocks binary's `golocks worker` is exactly this.
func ExampleServe() {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(pool.Serve(pool.FindIn(workbook.Funcs())))
	}
}
