//go:build race

package workbook

// raceBuild is true in a -race build: the racy mode of Goroutines is refused
// there, because the race detector would report it (rightly) and fail the
// program.
const raceBuild = true

// racyIncrement is never called in a -race build.
func racyIncrement(p *int64) { *p++ }
