package pool

import (
	"strings"
	"testing"
)

// A call's description, which errors carry, never shows a URL's password.
func TestDescribeHidesPasswords(t *testing.T) {
	type server struct{ URL, Key string }
	got := describe("f", []any{10, "redis://:sekrit@127.0.0.1:6379", server{URL: "unix://user:sekrit@/tmp/s.sock", Key: "k"}})
	if strings.Contains(got, "sekrit") || !strings.Contains(got, `"redis://:xxxxx@127.0.0.1:6379"`) || !strings.Contains(got, `{"URL":"unix://user:xxxxx@/tmp/s.sock"`) {
		t.Errorf("describe = %s", got)
	}
	if got := describe("work", []any{1000, "parallel.txt"}); got != `work(1000, "parallel.txt")` {
		t.Errorf("describe = %s", got)
	}
}
