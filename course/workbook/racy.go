//go:build !race

package workbook

// raceBuild is false: this is a normal build, where the racy mode of
// Goroutines runs.
const raceBuild = false

// racyIncrement is x++ spelled out as its three steps: load *p, add 1,
// store it back, with room for another goroutine between the load and the
// store. Written as `*p++`, the compiler would emit one instruction on amd64
// (INCQ (AX)): still not atomic, since without a LOCK prefix the core reads
// the cache line, adds and writes it back, but the window is so short that
// two cores rarely hit it and the lesson shows nothing. Loading through a
// function the compiler may not inline keeps the steps apart, as they are
// in the interpreter and on most other processors. (atomic.AddInt64 is
// LOCK XADDQ: one step no other core can come between.)
//
//go:noinline
func racyIncrement(p *int64) {
	v := load(p)
	*p = v + 1
}

//go:noinline
func load(p *int64) int64 { return *p }
