package redislock_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/pkg/redislock"
)

// One Lock per process; every process names the same key on the same
// server.
func ExampleNew() {
	srv, err := redisserver.Start() // or the class's server: redisserver.Connect()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rdb.Close()

	l := redislock.New(rdb, "counter-lock")
	if err := l.Lock(); err != nil { // waits at most DefaultTimeout
		fmt.Println(err)
		return
	}
	fmt.Println("locked, fencing token", l.Token())
	// ... read and rewrite the shared counter ...
	if err := l.Unlock(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("unlocked")
	err = l.Unlock() // a second Unlock is an error, not a crash
	fmt.Println("second Unlock:", errors.Is(err, redislock.ErrNotLocked))
	// Output:
	// locked, fencing token 1
	// unlocked
	// second Unlock: true
}

// A holder that pauses past its TTL loses the lock without knowing it.
// Its late write carries an old fencing token, and the fenced value
// refuses it: the next holder's read recorded a newer one.
func ExampleFenced() {
	srv, err := redisserver.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rdb.Close()
	counter := redislock.NewFenced(rdb, "counter")

	a := redislock.New(rdb, "counter-lock")
	a.SetTTL(50 * time.Millisecond)
	if err := a.Lock(); err != nil {
		fmt.Println(err)
		return
	}
	n, _ := counter.Read(a.Token())    // "" : never written
	time.Sleep(100 * time.Millisecond) // a GC pause, a slow network...

	b := redislock.New(rdb, "counter-lock") // the lock has expired: b gets it
	if err := b.Lock(); err != nil {
		fmt.Println(err)
		return
	}
	m, _ := counter.Read(b.Token())
	fmt.Printf("b read %q, writes: %v\n", m, counter.Write(b.Token(), "1"))
	b.Unlock()

	err = counter.Write(a.Token(), "1") // a wakes up and writes what it read + 1
	fmt.Printf("a read %q, writes: %v\n", n, err)
	fmt.Println("a unlocks:", a.Unlock())
	// Output:
	// b read "", writes: <nil>
	// a read "", writes: fenced counter: write with token 1 rejected: token 2 already seen
	// a unlocks: unlock counter-lock: lock expired before it was released
}
