package redisserver_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/reexec"
)

// Cross-process tests re-run this test binary in a helper role (see
// internal/reexec): TestMain runs the role instead of the tests.
func TestMain(m *testing.M) {
	reexec.Main(runHelper)
	os.Exit(m.Run())
}

func runHelper(role string, args []string) int {
	switch role {
	case "serve": // start a server from a thread that then exits; report; wait
		started := make(chan *redisserver.Server)
		go func() {
			// The caller's goroutine locks its thread and ends without
			// unlocking it, so the runtime ends the thread: the server
			// must outlive it.
			runtime.LockOSThread()
			s, err := redisserver.Start()
			if err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				os.Exit(1)
			}
			started <- s
		}()
		s := <-started
		// Churn threads for a while, then check the server still answers.
		for range 50 {
			done := make(chan bool)
			go func() { runtime.LockOSThread(); done <- true }()
			<-done
		}
		time.Sleep(50 * time.Millisecond)
		c, err := redisserver.Dial(s.URL())
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper: the server died with its starting thread:", err)
			return 1
		}
		if err := c.Ping(context.Background()).Err(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		fmt.Println("serving", s.PID())
		time.Sleep(time.Minute) // bounded, in case the test dies first
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper role %q\n", role)
	return 2
}
