#!/usr/bin/env bash
# kernel/build.sh: build and install the golocks Jupyter kernel.
#
# One recipe for `make kernel` / `make install-kernel` (kernel/kernel.mk) and
# for a container build stage:
#
#   kernel/build.sh build     # -> build/kernel/golocks/ (a kernelspec folder)
#   kernel/build.sh install   # copy it into a Jupyter data dir (see below)
#   kernel/build.sh vet       # go vet the kernel's code as last built
#
# The kernel is gophernotes (a Go kernel for Jupyter built on the gomacro
# interpreter) with our packages compiled in, so it needs no Go toolchain at
# run time. Steps of `build`, all driven by the versions pinned in the root
# go.mod / go.sum (nothing is resolved at @latest):
#   1. copy the pinned gophernotes and gomacro modules out of the module
#      cache into a GOPATH-shaped tree under build/kernel/ (gomacro finds
#      the folder it writes bindings to through GOPATH: see kernel/genbind);
#   2. patch them: kernel/patches/gomacro/*.patch and
#      kernel/patches/gophernotes/*.patch, in order, each one concern with
#      its why at the top, then add our own files, kernel/overlay/gophernotes/*.go,
#      to the gophernotes copy (see apply_patches and kernel/README.md);
#   3. give the copy the root module's build list, plus our module and the
#      patched gomacro by path;
#   4. run kernel/genbind: gomacro "import _b" bindings for every package
#      listed in kernel/bindings.txt, for github.com/gofrs/flock, and fresh tables for the
#      standard-library packages listed in KERNEL_STD (gomacro's own stop at
#      Go 1.18: no atomic.Int64, errors.Join, sync.OnceFunc, ...);
#   5. build the kernel (static, CGO_ENABLED=0, -trimpath) and the golocks
#      terminal tool next to it, and write the kernelspec (kernel.json, logos
#      and kernel.css: how Go code reads in Notebook, see that file). The
#      kernel's binary is also the process pool's worker
#      (`golocks-kernel worker`, $GOLOCKS_WORKER): it interprets a notebook
#      function's declarations, and has every bound package compiled in.
#   6. vet the kernel's own code (the overlay files in the patched copy):
#      what go vet reports fails the build.
#
# Environment (all optional):
#   KERNEL_BUILD         build folder (default: <repo>/build/kernel)
#   KERNEL_NAME          kernelspec name (default: golocks)
#   KERNEL_DISPLAY_NAME  name shown in Jupyter (default: "Go (golocks)")
#   KERNEL_STD           standard-library packages to re-bind
#   KERNEL_RACE=1        build the kernel, its worker and the golocks tool
#                        with Go's race detector (cgo: needs a C compiler),
#                        to hunt data races in the kernel: `make race-kernel`
#                        (kernel/README.md, "Data races"). Never for students:
#                        it is several times slower and bigger.
#   install only: PREFIX (installs to PREFIX/share/jupyter/kernels/NAME, as
#   `jupyter kernelspec install --prefix` does), else JUPYTER_DATA_DIR, else
#   `jupyter --data-dir`, else ~/.local/share/jupyter (the user's Jupyter).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KERNEL_BUILD:-$ROOT/build/kernel}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
NAME=${KERNEL_NAME:-golocks}
DISPLAY_NAME=${KERNEL_DISPLAY_NAME:-Go (golocks)}
STD=${KERNEL_STD:-sync/atomic sync errors context time strings os math/rand/v2}
RACE=${KERNEL_RACE:-}

GOPHERNOTES=github.com/gopherdata/gophernotes
GOMACRO=github.com/cosmos72/gomacro
GOPATH_TREE=$BUILD/gopath
SRC=$GOPATH_TREE/src/$GOPHERNOTES
GOMACRO_SRC=$GOPATH_TREE/src/$GOMACRO
PATCHES=$ROOT/kernel/patches
OVERLAY=$ROOT/kernel/overlay
SPEC=$BUILD/$NAME           # the built kernelspec folder
BIN=$SPEC/bin               # the kernel (also the pool's worker) and the golocks tool

# bound_packages prints the import paths listed in kernel/bindings.txt.
bound_packages() {
	local line
	[ -f "$ROOT/kernel/bindings.txt" ] || die "kernel/bindings.txt is missing"
	sed -e 's/#.*//' -e 's/[[:space:]]//g' "$ROOT/kernel/bindings.txt" | while read -r line; do
		[ -n "$line" ] && echo "$MODULE/$line"
	done
	return 0
}

say() { printf 'kernel: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# copy_module MODULE DEST copies the version of MODULE that the root go.mod
# selects out of the module cache (go mod download checks it against the
# root go.sum) into DEST, writable.
copy_module() {
	local mod=$1 dest=$2 version dir
	version=$(go list -m -f '{{.Version}}' "$mod")
	dir=$(go mod download -json "$mod@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[ -d "$dir" ] || die "$mod $version not in the module cache"
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	cp -R "$dir" "$dest"
	chmod -R u+w "$dest"
}

# apply_patches NAME DIR MODULE applies kernel/patches/NAME/*.patch to DIR,
# the copy of MODULE, in the order of their names, with git apply: no fuzz, so a patch whose context
# moved (a new pinned version) fails instead of landing in the wrong place.
# The text before each patch's first `diff --git` is its why, which git
# apply ignores. GIT_CEILING_DIRECTORIES keeps git from taking this
# checkout for the repository to patch (build/ lives inside it).
apply_patches() {
	local name=$1 dir=$2 p
	command -v git >/dev/null || die "no git on PATH: the kernel build applies its patches with git apply"
	for p in "$PATCHES/$name"/*.patch; do
		[ -e "$p" ] || continue
		(cd "$dir" && GIT_CEILING_DIRECTORIES=$(dirname "$dir") git apply --whitespace=nowarn "$p") ||
			die "patch ${p#"$ROOT"/} no longer applies to $name $(go list -m -f '{{.Version}}' "$3"): update it (kernel/README.md, \"Patches\")"
	done
}

# overlay copies our own files into the gophernotes copy: whole files, no
# patching, reached through hooks the patches add.
overlay() {
	local f
	for f in "$OVERLAY/gophernotes"/*.go; do
		[ -e "$f" ] || continue
		[ ! -e "$SRC/$(basename "$f")" ] || die "overlay ${f#"$ROOT"/} would replace a gophernotes file"
		cp "$f" "$SRC/"
	done
}

# pin_copy makes the gophernotes copy require our module, resolved to this
# checkout. Our go.mod lists every module we build with (Go >= 1.17 go.mod
# files list indirect ones too), including gophernotes and the gomacro and
# zmq4 versions that work on Go 1.26, so the copy's module graph selects the
# same versions as the root go.mod and go.sum: one set of pins.
pin_copy() {
	local args=(-go="$(cd "$ROOT" && go list -m -f '{{.GoVersion}}')"
		-require="$MODULE@v0.0.0-00010101000000-000000000000" -replace="$MODULE=$ROOT")
	# gomacro runs `go get PKG` (that is PKG@upgrade) before it loads a
	# package. Replacing each other module we bind with its root version
	# makes that a no-op, offline (GOPROXY=off below) or when a newer
	# release exists.
	local m
	for m in $(cd "$ROOT" && go list -f '{{with .Module}}{{.Path}}@{{.Version}}{{end}}' $EXTERNAL | sort -u); do
		args+=(-replace="${m%@*}=$m")
	done
	# The patched gomacro, at the version the root go.sum pins.
	args+=(-replace="$GOMACRO=$GOMACRO_SRC")
	(cd "$SRC" && go mod edit "${args[@]}")
	sort -u "$ROOT/go.sum" "$SRC/go.sum" -o "$SRC/go.sum"
}

# write_kernel_json DIR FILE writes the kernel.json of a kernelspec folder
# DIR (kernel/kernelspec, built next to genbind: encoding/json writes it
# and, on install, reads the built one back).
write_kernel_json() { # dir-holding-bin dest-file
	local race=()
	[ -z "$RACE" ] || race=(-race)
	"$BUILD/kernelspec" -dir "$1" -name "$DISPLAY_NAME" -gophernotes "$GP_VERSION" "${race[@]}" -o "$2"
}

build() {
	command -v go >/dev/null || die "no go on PATH: building the kernel needs the Go toolchain"
	cd "$ROOT"
	MODULE=$(go list -m)
	# The root module pins gophernotes (kernel/tools.go) and the gomacro and
	# zmq4 versions it runs with; make sure all of it is in the module cache.
	go mod download
	GP_VERSION=$(go list -m -f '{{.Version}}' $GOPHERNOTES)

	# Packages compiled into the kernel: the explicit list in
	# kernel/bindings.txt (what ships to students), the lock library, and
	# fresh std tables.
	local ours
	ours=$(bound_packages)
	EXTERNAL=github.com/gofrs/flock
	say "gophernotes $GP_VERSION, packages: $(echo $ours) $EXTERNAL; std: $STD"

	rm -rf "$SPEC"
	mkdir -p "$BIN"
	copy_module $GOMACRO "$GOMACRO_SRC"
	copy_module $GOPHERNOTES "$SRC"
	# gophernotes' own tests test the unpatched kernel: nothing runs them,
	# and they would only get in the way of vetting ours (see vet).
	rm -f "$SRC"/*_test.go
	apply_patches gomacro "$GOMACRO_SRC" $GOMACRO
	apply_patches gophernotes "$SRC" $GOPHERNOTES
	overlay
	pin_copy

	say "generating bindings and docs"
	go build -o "$BUILD/genbind" ./kernel/genbind
	go build -o "$BUILD/kernelspec" ./kernel/kernelspec
	# The docs inspect_request shows (golocks_inspect.go embeds them).
	go run ./kernel/gendoc -std -o "$SRC/golocks_docs.json.gz" $ours $EXTERNAL
	# GOPROXY=off: from here on nothing is fetched; everything comes from
	# the module cache as the root go.sum pinned it.
	(cd "$SRC/imports" && GOPROXY=off GOFLAGS=-mod=mod "$BUILD/genbind" -gopath "$GOPATH_TREE" $ours $EXTERNAL $STD)

	# A student's kernel is static (no cgo) and stripped; a race-detector
	# build needs cgo and keeps its symbols, which its reports name.
	local cgo=0 flags=(-trimpath -ldflags=-s)
	if [ -n "$RACE" ]; then
		cgo=1 flags=(-trimpath -race)
	fi
	say "building the kernel${RACE:+ with the race detector}"
	# The overlay files carry the build tag golocks_kernel (so that the
	# repository's own `go build ./...` leaves them alone).
	(cd "$SRC" && CGO_ENABLED=$cgo GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" \
		go build "${flags[@]}" -tags golocks_kernel -o "$BIN/golocks-kernel" .)
	say "building the golocks command"
	CGO_ENABLED=$cgo go build "${flags[@]}" -o "$BIN/golocks" ./cmd/golocks

	vet

	cp "$SRC/kernel/logo-64x64.png" "$SRC/kernel/logo-32x32.png" "$ROOT/kernel/kernel.css" "$SPEC/"
	write_kernel_json "$SPEC" "$SPEC/kernel.json"
	say "built kernelspec $SPEC"
}

# vet runs go vet on the assembled kernel: our overlay files and the
# patched gophernotes they compile with, which the repository's own
# `go vet ./...` never sees (they carry the build tag golocks_kernel and
# compile only inside the copy). Whatever it reports fails the build, so
# kernel.json is not written and the next make retries; `make lint-kernel`
# runs it again on the last build.
vet() {
	[ -f "$SRC/golocks.go" ] || die "no assembled kernel to vet in $SRC: run 'make kernel' first"
	say "vetting the kernel's code"
	(cd "$SRC" && GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" go vet -tags golocks_kernel .) ||
		die "go vet found problems in the kernel's code (kernel/overlay/gophernotes, kernel/patches/gophernotes): fix them"
}

install() {
	[ -x "$BIN/golocks-kernel" ] || die "not built yet: run 'make kernel' (or $0 build) first"
	local data
	if [ -n "${PREFIX:-}" ]; then
		data=$PREFIX/share/jupyter
	elif [ -n "${JUPYTER_DATA_DIR:-}" ]; then
		data=$JUPYTER_DATA_DIR
	elif command -v jupyter >/dev/null; then
		data=$(jupyter --data-dir)
	else
		data=${XDG_DATA_HOME:-$HOME/.local/share}/jupyter
	fi
	local dest=$data/kernels/$NAME
	# Copy next to the destination, then swap it in: a kernel still running
	# from the old folder keeps its binary, and a failed copy leaves the old
	# install alone. kernel.json points into the installed folder, so the
	# install does not depend on build/ staying around.
	mkdir -p "$data/kernels"
	tmp=$(mktemp -d "$data/kernels/.$NAME.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT # a half-copied folder must not stay behind
	cp -R "$SPEC/." "$tmp/"
	[ -x "$BUILD/kernelspec" ] || die "not built yet: run 'make kernel' (or $0 build) first"
	"$BUILD/kernelspec" -dir "$dest" -from "$SPEC/kernel.json" -o "$tmp/kernel.json"
	chmod 755 "$tmp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	say "installed kernelspec $dest (remove it with: jupyter kernelspec uninstall $NAME)"
}

# One build or install at a time per build folder: `go test ./...` may run
# the kernel and notebook tests, each wanting the kernel, at once.
lock() {
	if command -v flock >/dev/null; then
		exec 9>"$BUILD/.lock"
		flock 9
	fi
}

# Sourced (kernel/build_test.go tries its functions), it only defines them.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

case "${1:-}" in
build) lock; build ;;
vet) lock; vet ;;
install) lock; install ;;
*) echo "usage: $0 build|install|vet" >&2; exit 2 ;;
esac
