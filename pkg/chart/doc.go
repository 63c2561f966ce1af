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
// There are four pictures, one per question a student asks of the results:
//
//   - Counts: how far short of the expected total did each unlocked run fall?
//   - Timeline: which process held the lock (or wrote the file), and when?
//   - Bars: how long did each variant take, side by side?
//   - Events: in the paused-holder experiment (workbook.PausedHolder), who
//     held the Redis lock when, who paused, and which write was rejected?
//
// Every picture is 640×320 pixels, drawn with gonum.org/v1/plot in the Go
// Regular font compiled into the binary, so it needs no system fonts (the
// kernel runs in a minimal container). The functions validate their input and return
// an error, never panic, because a panic in the notebook kernel loses the
// student's session; a failure inside the drawing library is recovered and
// returned as an error too.
package chart
