package pool

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"time"
)

// leftWait bounds how long a call's goroutines may take to end after it
// returned before they count as left behind.
const leftWait = 20 * time.Millisecond

// goroutineIDs returns the ids of this process's goroutines, as
// runtime.Stack lists them (the runtime's own are left out). Ids are never
// reused, so a goroutine missing from an earlier set started after it.
//
// Why ids and not runtime.NumGoroutine: a count before and after a call
// says nothing when one of the worker's own goroutines (the one that read
// the pool's last message) ends while the call runs, and one the call
// started goes on: the count is the same, and what the call left behind
// went unseen.
//
// It runs before and after every call Again may repeat: a worker has a
// handful of goroutines, whose stacks fit the first buffer.
func goroutineIDs() map[uint64]bool {
	buf := make([]byte, 8<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	ids := make(map[uint64]bool)
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		// A block opens "goroutine 7 [chan receive]:" and, unless it is
		// the main goroutine, ends "created by f in goroutine 1".
		id, ok := bytes.CutPrefix(block, []byte("goroutine "))
		if !ok {
			continue
		}
		id, _, _ = bytes.Cut(id, []byte(" "))
		n, err := strconv.ParseUint(string(id), 10, 64)
		if err != nil || bytes.Contains(block, []byte("\ncreated by runtime.")) {
			continue // the runtime's own helper (finalizers, cleanups)
		}
		ids[n] = true
	}
	return ids
}

// leftBehind says what a call left running that a fresh process would not
// have: the goroutines not in before (goroutineIDs when it started) that
// still run ("" if none). Goroutines that are ending get leftWait to end.
func leftBehind(before map[uint64]bool) string {
	deadline := time.Now().Add(leftWait)
	for {
		n := 0
		for id := range goroutineIDs() {
			if !before[id] {
				n++
			}
		}
		if n == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("%d goroutine(s) it started still run", n)
		}
		time.Sleep(time.Millisecond)
	}
}
