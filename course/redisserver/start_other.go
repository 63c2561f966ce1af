//go:build !unix

package redisserver

import (
	"errors"
	"os/exec"
)

// startChild: a private server listens on a Unix socket, which this system
// does not offer to redis-server; use REDIS_URL.
func startChild(cmd *exec.Cmd) (<-chan error, error) {
	return nil, errors.New("a private redis-server needs a Unix system; set REDIS_URL to a server to use")
}

func sweepStale() {}
