package stepper

// CountLost sets t.Lost: the increments made that the final count lacks.
//
// Temporary (lost_stub.go): the chart branch brings the real CountLost in
// lost.go, which also marks each lost Write; this file goes at the merge.
func (t *Trace) CountLost() {
	t.Lost = t.Expected - t.Final
}
