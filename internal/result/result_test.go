package result

import (
	"bytes"
	"testing"
	"time"
)

// What golocks prints, the bench reads back unchanged.
func TestPrintParse(t *testing.T) {
	r := New(3000, 2911, 1234567891*time.Nanosecond)
	if r.Lost != 89 || r.Elapsed != 1.234568 {
		t.Fatalf("New = %+v: want lost 89, elapsed rounded to the µs", r)
	}
	var out bytes.Buffer
	out.WriteString("File read error, starting to count from 0; error: ...\n")
	r.Print(&out, true)
	got, err := Parse(out.Bytes())
	if err != nil || got != r {
		t.Fatalf("Parse(%q) = %+v, %v; want %+v", out.String(), got, err, r)
	}
	if _, err := Parse([]byte(`{"expected":2,"got":1,"lost":0,"elapsed_s":1}`)); err == nil {
		t.Error("a result whose lost is not expected - got parsed")
	}
}
