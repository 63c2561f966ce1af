package pool

import "context"

// A goroutineJob is one MapFunc call, in a goroutine of this process. It is
// ready at once; the start line holds it until the whole first round is.
type goroutineJob struct {
	c *call
}

func (j *goroutineJob) prepare(context.Context) error { return nil }

// signal does nothing: a goroutine goes when the start line opens.
func (j *goroutineJob) signal() {}

// run makes the call in the job's own goroutine. It cannot be stopped: when
// the run ends first, schedule reports it as still running and leaves it.
func (j *goroutineJob) run(context.Context) error { return invoke(j.c.fn, j.c.args) }

func (j *goroutineJob) abandon()     {}
func (j *goroutineJob) pid() int     { return 0 }
func (j *goroutineJob) text() string { return j.c.text }
