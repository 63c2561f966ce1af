package grade

import "errors"

// All runs no check itself: it gathers the results of several, so that a
// test cell reports every failure at once, one per line, rather than only
// the first. It returns nil if every check passed.
//
//	err := grade.All(
//		grade.Count("parallel.txt", 3000),
//		grade.Count("goroutines.txt", 3000),
//	)
func All(checks ...error) error {
	return errors.Join(checks...)
}
