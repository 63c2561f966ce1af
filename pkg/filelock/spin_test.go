package filelock

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A long blocking wait halves the spin, down to none; a short one restores
// it.
func TestAdaptSpin(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "lock"))
	if l.spin != maxSpin {
		t.Fatalf("a new Lock spins %v, want %v", l.spin, maxSpin)
	}
	l.adaptSpin(time.Millisecond)
	if l.spin != maxSpin/2 {
		t.Errorf("after a long wait: spin %v, want %v", l.spin, maxSpin/2)
	}
	for range 64 {
		l.adaptSpin(time.Second)
	}
	if l.spin != 0 {
		t.Errorf("after many long waits: spin %v, want 0", l.spin)
	}
	l.adaptSpin(20 * time.Microsecond)
	if l.spin != maxSpin {
		t.Errorf("after a short wait: spin %v, want %v", l.spin, maxSpin)
	}
}

// spinFile never spins past the caller's bound or its own budget. A lock
// file in a missing folder makes every try an error, so an error says it
// tried and none says it did not.
func TestSpinFileBounds(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "missing", "lock"))
	l.spin = time.Hour // a budget no scheduling delay can exhaust
	start := time.Now()
	if ok, err := l.spinFile(nil, start, time.Minute); ok || err == nil {
		t.Errorf("spin within its bounds = %v, %v; want a try, and its error", ok, err)
	}
	if ok, err := l.spinFile(nil, start, 0); ok || err != nil {
		t.Errorf("spin with a zero timeout = %v, %v; want no try", ok, err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), start)
	defer cancel()
	if ok, err := l.spinFile(ctx, start, 0); ok || err != nil {
		t.Errorf("spin past the context's deadline = %v, %v; want no try", ok, err)
	}
	l.spin = maxSpin
	if ok, err := l.spinFile(nil, start.Add(-time.Second), time.Minute); ok || err != nil {
		t.Errorf("spin after its budget = %v, %v; want no try", ok, err)
	}
	l.spin = 0
	if ok, err := l.spinFile(nil, time.Now(), time.Minute); ok || err != nil {
		t.Errorf("spin of 0 = %v, %v; want no try", ok, err)
	}
}
