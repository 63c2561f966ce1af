package workbook_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/golocks/golocks/course/workbook"
)

// Each span says which Run made it (its maxCount) and ReadTrace names the
// processes, so a timeline can label its rows "A (counts 3)"; a trace
// without counts still reads.
func TestReadTraceCounts(t *testing.T) {
	file, lock := files(t)
	trace := filepath.Join(filepath.Dir(file), "trace.txt")
	captureStdout(t, func() {
		if err := (workbook.Counter{File: file, LockFile: lock, Around: workbook.AroundIncrement, Trace: trace}).Run(3); err != nil {
			t.Fatal(err)
		}
	})
	spans, err := workbook.ReadTrace(trace)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	for _, s := range spans {
		if s.Count != 3 || s.Who != "A" {
			t.Errorf("span %+v: want count 3, who A", s)
		}
	}

	old := filepath.Join(t.TempDir(), "old.txt")
	os.WriteFile(old, []byte("22 300 400\n11 100 200\n"), 0o644)
	spans, err = workbook.ReadTrace(old)
	if err != nil {
		t.Fatal(err)
	}
	if spans[0].Who != "B" || spans[1].Who != "A" || spans[0].Count != 0 {
		t.Errorf("old trace: %+v; want B (began later), then A, no count", spans)
	}
	os.WriteFile(old, []byte("11 100 200 -1\n"), 0o644)
	if _, err := workbook.ReadTrace(old); err == nil {
		t.Error("a negative count: no error")
	}
}
