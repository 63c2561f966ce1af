//go:build tools

// This file only pins gophernotes in go.mod and go.sum, so the kernel's
// version is a visible, checksummed dependency of this module like any
// other (with the gomacro and zmq4 versions it runs with on Go 1.26, also
// required in go.mod). Nothing compiles it: the build tag is never set, and
// gophernotes is a program, which Go cannot import. kernel/build.sh copies
// this exact version out of the module cache, patches it, adds our bindings
// and builds it. We do not use go.mod's `tool` directive: `go tool
// gophernotes` would run the unpatched v0.7.5 without our packages, which
// crashes at start on Go 1.26 — easy to mistake for the real kernel.
package kernel

import _ "github.com/gopherdata/gophernotes"
