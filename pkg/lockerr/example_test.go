package lockerr_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/golocks/golocks/pkg/lockerr"
)

// A lock package returns a *TimeoutError when a wait reaches its bound:
// errors.Is tells it from other failures, errors.As reads who held the lock.
func ExampleTimeoutError() {
	var err error = &lockerr.TimeoutError{
		Lock: "/tmp/tmp_lock", Waited: 10 * time.Second,
		HolderPID: 1234, HolderName: "golocks",
	}
	err = fmt.Errorf("counter: %w", err)

	fmt.Println(errors.Is(err, lockerr.ErrTimeout))
	var te *lockerr.TimeoutError
	if errors.As(err, &te) {
		fmt.Println("holder:", te.HolderPID)
	}
	fmt.Println(err)
	// Output:
	// true
	// holder: 1234
	// counter: lock /tmp/tmp_lock: timed out after 10s; held by pid 1234 (golocks)
}
