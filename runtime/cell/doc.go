// Package cell connects the golocks library to the notebook kernel that runs
// it, if there is one. Two things cross that line:
//
//   - The running cell's context. The kernel cancels it when the student
//     presses interrupt (with cause ErrInterrupted), and every wait in
//     golocks also ends when it is done: a lock, a pool of worker processes
//     (which are killed), a Redis round trip. So an interrupted cell stops
//     even while it is inside compiled library code, which the interpreter
//     itself cannot stop.
//   - The notebook's own functions. A process pool given a func value asks
//     which top-level notebook function it is and which declarations define
//     it, so that a worker process can interpret them and call it: the
//     student's own code runs in the racing processes.
//
// Outside a kernel (a test, the golocks command, any Go program) nothing is
// installed: Context returns a context that is never done, and Lookup finds
// no notebook functions. Library code calls Context and Lookup; only the
// kernel calls Install.
package cell
