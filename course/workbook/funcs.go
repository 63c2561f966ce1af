package workbook

import (
	"reflect"
	"runtime"
)

// RunCounter is c.Run(maxCount) with the count first, the shape a pool's Map
// calls: each worker process runs the same Counter, with its own count.
//
//	pool.New(2).Map(workbook.RunCounter, []int{1000, 2000}, workbook.Counter{File: "parallel.txt", LockFile: "counter.lock"})
func RunCounter(maxCount int, c Counter) error {
	return c.Run(maxCount)
}

// Funcs returns the workbook's functions that a pool may call in a worker
// process, keyed by their qualified names as the Go runtime knows them
// ("github.com/golocks/golocks/course/workbook.Work", what pool.FuncName gives
// and a pool sends). The golocks binary serves them:
// pool.Serve(pool.FindIn(workbook.Funcs())). The map is new at each call.
func Funcs() map[string]any {
	funcs := map[string]any{}
	for _, f := range []any{
		Work,
		WorkLocked,
		WorkLockedPerIncrement,
		WorkSafe,
		RunCounter,
		IncrementShared,
		RedisWork,
		RunRedisCounter,
	} {
		funcs[runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()] = f
	}
	return funcs
}
