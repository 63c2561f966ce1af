// Package chart draws the workbook's pictures as PNG images, ready for a
// notebook cell:
//
//	b, err := chart.Counts("Two unlocked processes, five runs", got, 3000)
//	if err == nil {
//		display.PNG(b)
//	}
//
// and for a traced run of the locked counter:
//
//	spans, err := workbook.ReadTrace("trace.txt")
//	...
//	b, err := chart.Timeline("Lock per increment", spans)
//
// and for a traced run of the counter, read by read and write by write:
//
//	steps, err := workbook.ReadSteps("parallel.steps")
//	...
//	b, err := chart.Steps("No lock: a dozen steps", workbook.Zoom(steps, 12))
//
// and for a schedule the stepper ran, step by step:
//
//	b, err := chart.Trace("A read, B read, A write, B write", trace)
//
// There are seven pictures, one per question a student asks of the results:
//
//   - Counts: how far short of the expected total did each unlocked run fall?
//   - Timeline: which process held the lock (or wrote the file), and when?
//   - Steps: how exactly was an update lost in a run? Who read what, who
//     wrote over whom, who found the file empty and started again from 0?
//   - Trace: what did this schedule do, step by step, and what did the
//     file hold after each step? (package stepper)
//   - Bars: how long did each variant take, side by side?
//   - Timings: the same for variants that count, and which counted wrong?
//   - Events: in the paused-holder experiment (workbook.PausedHolder), who
//     held the Redis lock when, who paused, and which write was rejected?
//
// Every bar a picture draws is labelled: a count, a loss, a time, a step's
// read or write, a lock hold; a label that would not fit is drawn smaller,
// never left out, and never outside the plot. Rows of processes are
// labelled with their names and counts ("A (counts 1000)") wherever the
// data says them, and every axis says in words what it measures.
//
// Every picture is 640×320 pixels, drawn with gonum.org/v1/plot in the Go
// Regular font compiled into the binary, so it needs no system fonts (the
// kernel runs in a minimal container). The functions validate their input and return
// an error, never panic, because a panic in the notebook kernel loses the
// student's session; a failure inside the drawing library is recovered and
// returned as an error too.
package chart
