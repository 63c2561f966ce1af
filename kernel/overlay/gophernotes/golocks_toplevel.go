//go:build golocks_kernel

package main

// The notebook's top-level variables stay where goroutines find them.
//
// gomacro keeps the variables a notebook declares at its top level in two
// slices of its top-level Env: Ints (integers, floats and booleans, stored
// in place) and Vals (everything else, as references). Before evaluating
// each cell, PrepareEnv lengthens them for the variables the cell declares,
// and when their capacity is short it copies them to larger ones. A
// goroutine an earlier cell started (`go func() { for { count++ } }()`)
// reads and writes those variables meanwhile, through the same slices: the
// lengthening races with it (Go's race detector reports it), and a copy
// loses what the goroutine writes to the old array after it was copied.
//
// So the kernel gives the top level room for topLevelRoom variables of
// each kind before any cell runs, at their full length, and marks its Ints
// as pinned (IntAddressTaken: gomacro then never moves them, and declares
// the integers beyond their capacity in Vals instead). The slices are then
// never written again, until a notebook has declared more than
// topLevelRoom variables that are not integers (every declaration counts,
// a cell run again declares its variables again).

import (
	"sync/atomic"

	interp "github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/xreflect"
)

// topLevelRoom is how many top-level variables of each kind a notebook
// holds before gomacro must grow its slices: a few hundred bytes of memory
// per hundred.
const topLevelRoom = 4096

// reserveTopLevel gives the interpreter's top level its room, on the
// goroutine that evaluates cells, before any cell runs.
func reserveTopLevel(ir *interp.Interp) {
	env := ir.PrepareEnv()
	if len(env.Vals) < topLevelRoom {
		vals := make([]xreflect.Value, topLevelRoom)
		copy(vals, env.Vals)
		env.Vals = vals
	}
	if len(env.Ints) < topLevelRoom {
		ints := make([]uint64, topLevelRoom)
		copy(ints, env.Ints)
		env.Ints = ints
	}
	// Pinned: PrepareEnv sets the compiler's IntBindMax to their capacity.
	atomic.StoreUint32(&env.IntAddressTaken, 1)
	ir.PrepareEnv()
}
