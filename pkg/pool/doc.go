// Package pool runs work in several real OS processes, or goroutines, the way
// Python's multiprocessing.Pool does, and waits for all of it.
//
// The workbook's second exercise is
//
//	with multiprocessing.Pool(processes=2) as p:
//	    p.map(functools.partial(work, filename="parallel.txt"), [1000, 2000])
//
// Go cannot fork a running program into a copy of itself, so a process pool
// starts a worker binary (golocks, from cmd/golocks) once per task and tells
// it by name which compiled task to run:
//
//	err := pool.New(2).Map("work", []int{1000, 2000}, "parallel.txt")
//
// Each child's standard output and error are copied into the caller's, line
// by line, as they are written, so messages from two workers interleave the
// way they do in the seed notebook. Every wait is bounded: a task still
// running when the pool's timeout expires is killed and reported.
//
// MapFunc is the same shape with goroutines in this process, for any Go
// function, including one a student typed into a notebook cell.
package pool
