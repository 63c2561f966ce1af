package chart_test

import (
	"fmt"
	"image/color"
	"testing"
	"time"

	"github.com/golocks/golocks/course/chart"
	"github.com/golocks/golocks/course/workbook"
)

// pausedEvents is a fenced paused-holder run as workbook.PausedHolder
// records it.
func pausedEvents() []workbook.Event {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return []workbook.Event{
		{Who: "A", What: workbook.EventHold, Start: at(0), End: at(200), Label: "token 1: read 0; then its TTL runs out"},
		{Who: "B", What: workbook.EventHold, Start: at(205), End: at(256), Label: "token 2: 0→1"},
		{Who: "B", What: workbook.EventHold, Start: at(256), End: at(307), Label: "token 3: 1→2"},
		{Who: "B", What: workbook.EventHold, Start: at(307), End: at(358), Label: "token 4: 2→3"},
		{Who: "A", What: workbook.EventPause, Start: at(0), End: at(400), Label: "paused 400ms, past its TTL"},
		{Who: "A", What: workbook.EventRejected, Start: at(400), End: at(400).Add(80 * time.Microsecond), Label: "token 1: write 1 rejected (token 4 seen)"},
		{Who: "A", What: workbook.EventHold, Start: at(401), End: at(452), Label: "token 5: 3→4"},
	}
}

// has reports whether img has a pixel of exactly colour c.
func has(t *testing.T, b []byte, c color.Color) bool {
	img := decode(t, b, nil)
	r0, g0, b0, _ := c.RGBA()
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r == r0 && g == g0 && bb == b0 {
				return true
			}
		}
	}
	return false
}

func TestEvents(t *testing.T) {
	b, err := chart.Events("Paused holder, fenced", pausedEvents())
	img := decode(t, b, err)
	if n := colours(img); n < 10 {
		t.Errorf("only %d colours: the picture looks empty", n)
	}
	red := color.RGBA{0xE1, 0x57, 0x59, 0xFF}
	if !has(t, b, red) {
		t.Error("no red mark for the rejected write")
	}
	// A landed write is green instead.
	ev := pausedEvents()[:6]
	ev[5].What, ev[5].Label = workbook.EventWrite, "token 1: wrote 1 over 3"
	b, err = chart.Events("Paused holder, no fencing", ev)
	decode(t, b, err)
	if has(t, b, red) || !has(t, b, color.RGBA{0x59, 0xA1, 0x4F, 0xFF}) {
		t.Error("want a green mark for the landed write and no red")
	}
	// One event, of no length, at the very start.
	b, err = chart.Events("", []workbook.Event{{Who: "A", What: workbook.EventWrite, Start: t0, End: t0, Label: "w"}})
	decode(t, b, err)
}

func TestEventsBadInput(t *testing.T) {
	_, err := chart.Events("t", nil)
	wantErr(t, "no events", err, "no events")
	bad := func(change func(e *workbook.Event)) error {
		ev := pausedEvents()
		change(&ev[2])
		_, err := chart.Events("t", ev)
		return err
	}
	wantErr(t, "no start", bad(func(e *workbook.Event) { e.Start = time.Time{} }), "no start")
	wantErr(t, "no end", bad(func(e *workbook.Event) { e.End = time.Time{} }), "no end")
	wantErr(t, "backwards", bad(func(e *workbook.Event) { e.End = e.Start.Add(-time.Second) }), "ends before it starts")
	wantErr(t, "unknown kind", bad(func(e *workbook.Event) { e.What = "nap" }), `unknown kind "nap"`)
	var many []workbook.Event
	for i := range 17 {
		many = append(many, workbook.Event{Who: fmt.Sprint(i), What: workbook.EventHold, Start: t0, End: t0.Add(time.Second)})
	}
	_, err = chart.Events("t", many)
	wantErr(t, "17 rows", err, "at most 16")
}
