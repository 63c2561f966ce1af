package cell_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golocks/golocks/runtime/cell"
)

// A wait in library code ends at its own bound or when the cell is
// interrupted, whichever comes first. Outside a kernel only the bound
// applies.
func ExampleContext() {
	ctx, cancel := context.WithTimeout(cell.Context(), 10*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), cell.ErrInterrupted) {
		fmt.Println("interrupted")
	} else {
		fmt.Println(ctx.Err())
	}
	// Output: context deadline exceeded
}
