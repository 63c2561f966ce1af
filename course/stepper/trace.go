package stepper

// This file is the contract between the stepper (which runs processes and
// records what each step did), the pictures (course/chart draws a Trace)
// and the terminal tool (`golocks steps --json` prints one). Nothing here
// runs a process.

// An Op is what one step did to the counter file or to its lock file. A
// step is one operation of the seed's code as a student reads it, made of
// the system calls listed beside each Op (package gate holds a process at
// each of them; the stepper groups them):
const (
	// Read: the process looked at the counter: its stat (os.Stat) and the
	// read of its contents (os.ReadFile, File.Read), together. A read that
	// found no number (no file, an empty file) has Reset set.
	Read Op = "read"

	// Truncate: the process emptied the counter, to rewrite it: an open
	// with O_TRUNC (os.Create, os.WriteFile) or ftruncate. A read between
	// a process's truncate and its write finds an empty file.
	Truncate Op = "truncate"

	// Write: the process wrote its new number into the counter.
	Write Op = "write"

	// Lock and Unlock: the process took, or let go of, the lock on the lock
	// file (flock LOCK_EX / LOCK_UN, or the close that drops it).
	Lock   Op = "lock"
	Unlock Op = "unlock"

	// End: the process's function returned (Err says how); a lock it still
	// held is let go then.
	End Op = "end"
)

// Op names one kind of step; see the constants.
type Op string

// A Step is one operation of one process, as it happened, and the state it
// left behind.
type Step struct {
	Proc  string `json:"proc"`  // the process: "A", "B", ...
	Op    Op     `json:"op"`    // what it did
	Value int    `json:"value"` // a Read: the number read (0 after a Reset); a Write: the number written
	Reset string `json:"reset,omitempty"`

	// File is the counter file's content after the step, as text without
	// its newline: "" for an empty file, "(no file)" when there is none.
	File string `json:"file"`

	// Lock is who holds the lock after the step ("" nobody), Waiting who
	// waits for it.
	Lock    string   `json:"lock,omitempty"`
	Waiting []string `json:"waiting,omitempty"`

	// Lost marks a Write whose increment is missing from the final count
	// (see Trace.CountLost). LostTo says, for people, what wiped it out.
	Lost   bool   `json:"lost"`
	LostTo string `json:"lost_to,omitempty"`

	// Err is an End's error, "" when the function returned nil.
	Err string `json:"error,omitempty"`
}

// A Trace is one run of a schedule: every step in the order the schedule
// let them happen, and the count it came to.
type Trace struct {
	Procs    []string `json:"procs"`    // "A", "B", ...
	Counts   []int    `json:"counts"`   // each process's maxCount
	Schedule string   `json:"schedule"` // the schedule, as the stepper read it (long form)
	Start    int      `json:"start"`    // the number the counter held before the run (0 for no file)
	Expected int      `json:"expected"` // Start plus every increment
	Final    int      `json:"final"`    // the number the counter held after the run
	Lost     int      `json:"lost"`     // Expected - Final; equals the Steps marked Lost
	Steps    []Step   `json:"steps"`

	// Note says what the stepper did beyond the schedule: "the schedule
	// ended before B did: finished in order A, B". Added by the stepper.
	Note string `json:"note,omitempty"`
}
