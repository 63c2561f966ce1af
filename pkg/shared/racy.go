//go:build !race

package shared

// raceBuild is false: this is a normal build, where the racy mode of
// Goroutines runs.
const raceBuild = false

// racyIncrement is x++ through a pointer: load *p, add 1, store it back,
// steps another goroutine can come between. It is kept out of line so that
// the compiler cannot merge the increments of a loop into one register and
// one store at the end: every call really loads and stores, as the lesson
// needs. On amd64 it compiles (go build -gcflags=-S) to one INCQ (AX): a
// single instruction, yet not atomic, because without a LOCK prefix the core
// reads the cache line, adds, and writes it back, and another core's
// increment in between is overwritten. (atomic.AddInt64 is LOCK XADDQ.)
//
//go:noinline
func racyIncrement(p *int64) { *p++ }
