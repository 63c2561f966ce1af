package redisserver_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/course/redisserver"
)

// recorder is a go-redis logger that keeps what it is asked to print.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Printf(_ context.Context, format string, v ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, v...))
}

// stderrLogger prints as go-redis's default logger does, through package log.
type stderrLogger struct{}

func (stderrLogger) Printf(_ context.Context, format string, v ...any) {
	log.Printf(format, v...)
}

// Dial leaves go-redis's process-wide logger as the program set it, and an
// unreachable server is Dial's error alone: go-redis is not asked to
// connect (and so to log a failed connection) to a server that cannot be
// reached.
func TestDialLeavesTheLoggerAlone(t *testing.T) {
	rec := &recorder{}
	redis.SetLogger(rec)
	t.Cleanup(func() { redis.SetLogger(stderrLogger{}) }) // as go-redis's default: log's, to stderr
	_, err := redisserver.Dial("unix://" + filepath.Join(t.TempDir(), "no.sock"))
	if err == nil {
		t.Fatal("Dial of a socket nobody listens on: no error")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.lines) != 0 {
		t.Errorf("Dial's failure (%v) also logged through go-redis: %q", err, rec.lines)
	}
}
