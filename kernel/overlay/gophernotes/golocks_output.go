//go:build golocks_kernel

package main

// The end of a cell never kills or hangs the kernel.
//
// gophernotes rendered a cell's result (calling the student's HTML(),
// String()... methods) outside any recover, so a method that panics took
// the kernel down; and it waited without bound for the cell's stdout and
// stderr pipes to drain, so a process the cell started with the cell's
// os.Stdout (exec.Command with cmd.Stdout = os.Stdout) and left running
// hung the kernel until that process ended.

import (
	"log"
	"sync"
	"time"

	"github.com/cosmos72/gomacro/xreflect"
)

// outputDrain bounds the wait for a cell's output after it ended. Output
// that comes later still reaches the cell: the copying goroutines keep
// forwarding it until every writer is gone.
const outputDrain = 2 * time.Second

// waitOutput waits for the goroutines forwarding a cell's stdout and stderr
// to finish, for at most outputDrain.
func waitOutput(writers *sync.WaitGroup) {
	done := make(chan struct{})
	go func() {
		writers.Wait()
		close(done)
	}()
	t := time.NewTimer(outputDrain)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		log.Print("golocks: the cell's output is still open (a process it started?): not waiting for it")
	}
}

// renderResults is autoRenderResults, with a panic in the student's
// rendering methods returned as the cell's error.
func (kernel *Kernel) renderResults(vals []interface{}, types []xreflect.Type) (data Data, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newCellError(stageRun, r)
		}
	}()
	return kernel.autoRenderResults(vals, types), nil
}
