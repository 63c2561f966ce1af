#!/usr/bin/env bash
# scripts/image.sh: build the instructors' image (the root Dockerfile) with
# docker or podman, whichever is installed: `make image` runs it.
#
#   scripts/image.sh            build the image (tag: $IMAGE, default golocks:dev)
#   scripts/image.sh base       only make the local base images (below)
#   scripts/image.sh --help
#
# With docker, or with BASE=pinned, the Dockerfile's own pinned base images
# are pulled from their registry as usual.
#
# With podman and BASE=local (podman's default here), no registry is used:
# this machine reaches no container registry, so the two base images the
# Dockerfile pins are stood in by local builds of the same contents and the
# build runs with --pull=never. These stand-ins are the only thing that
# differs from a build from the registry; the Dockerfile is the same one:
#   - localhost/golocks-base/debian:bookworm-slim: Debian bookworm from
#     Debian's archive with mmdebstrap (minbase, ca-certificates, no docs,
#     no apt lists), from the mirrors and suites of this machine's own apt
#     sources (/etc/apt/sources.list.d/*.sources), in place of
#     docker.io/library/debian:bookworm-*-slim;
#   - localhost/golocks-base/golang:<go version>-bookworm: that image plus
#     what the official golang:bookworm image adds for building (gcc,
#     libc6-dev, make, pkg-config, git) and this machine's Go toolchain
#     ($(go env GOROOT)) copied to /usr/local/go, as the official image
#     installs Go's release tarball, in place of docker.io/library/golang.
# They are passed to the build as the Dockerfile's DEBIAN and GOLANG
# arguments. One more difference, the network: this machine reaches the Go
# module proxy only through an HTTPS proxy whose certificate authority the
# images do not trust, so the build stage's `go mod download` reads the
# modules go.sum pins from this machine's module cache instead (downloaded
# first with `go mod download`, mounted read-only into the build, and named
# by GOPROXY=file://...; go.sum still checks every one).
# The stand-ins stay in podman's storage, and the Debian root file system's
# tarball in $IMAGE_CACHE, so later runs make neither again (mmdebstrap
# takes a few minutes; `podman rmi -af` removes the stand-ins too).
#
# Environment (all optional):
#   ENGINE        docker or podman (default: docker if its engine answers,
#                 else podman)
#   IMAGE         the tag to build (default: golocks:dev)
#   BASE          local or pinned (see above; default: local with podman)
#   SOLUTIONS=1   also ship the solution copies, in solutions/
#   IMAGE_CACHE   where the base tarball is kept
#                 (default: ${XDG_CACHE_HOME:-~/.cache}/golocks/image)
#   BUILDFLAGS    more flags for `build` (e.g. --no-cache)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
cmd=${1:-build}
case $cmd in
  build | base) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

ENGINE=${ENGINE:-}
if [ -z "$ENGINE" ]; then
  # A docker client without a reachable engine does not count.
  if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then ENGINE=docker
  elif command -v podman >/dev/null; then ENGINE=podman
  else die "neither a docker engine nor podman is installed (Debian: apt-get install podman; scripts/install-deps.sh image)"
  fi
fi
command -v "$ENGINE" >/dev/null || die "ENGINE=$ENGINE is not installed"
IMAGE=${IMAGE:-golocks:dev}
BASE=${BASE:-}
[ -n "$BASE" ] || { [ "$ENGINE" = podman ] && BASE=local || BASE=pinned; }
case $BASE in local | pinned) ;; *) die "BASE=$BASE: local or pinned" ;; esac
IMAGE_CACHE=${IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/golocks/image}

DEBIAN_STANDIN=localhost/golocks-base/debian:bookworm-slim

# apt_mirrors prints this machine's Debian apt sources for bookworm as
# one-line "deb URI SUITE COMPONENTS" entries, for mmdebstrap. Only deb822
# files (*.sources) and only bookworm suites: other vendors' repositories
# are not Debian's archive.
apt_mirrors() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no")
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
            if (s[j] ~ /^bookworm/) print "deb " u[i] " " s[j] " " comps
        types = uris = comps = ""; enabled = ""; nu = ns = 0
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "") }
      key == "types" { types = $0 }
      key == "uris" { uris = $0; nu = split($0, u, " ") }
      key == "suites" { ns = split($0, s, " ") }
      key == "components" { comps = $0 }
      key == "enabled" { enabled = tolower($0) }
      END { flush() }' "$f"
  done
}

# debian_standin makes DEBIAN_STANDIN unless podman has it: from the cached
# tarball, else with mmdebstrap.
debian_standin() {
  if podman image exists "$DEBIAN_STANDIN"; then return; fi
  local tar=$IMAGE_CACHE/debian-bookworm-slim.tar
  if [ ! -s "$tar" ]; then
    command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/install-deps.sh image)"
    local mirrors
    mirrors=$(apt_mirrors)
    [ -n "$mirrors" ] || die "no Debian bookworm apt source in /etc/apt/sources.list.d/*.sources for mmdebstrap"
    say "making the Debian bookworm base with mmdebstrap from: $(echo "$mirrors" | awk '{print $2, $3}' | paste -sd, -)"
    mkdir -p "$IMAGE_CACHE"
    local start=$SECONDS part=${tar%.tar}.part.tar # mmdebstrap goes by the name's ending
    # As the official slim image: no documentation, no apt lists.
    mmdebstrap --quiet --variant=minbase --include=ca-certificates \
      --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
      bookworm "$part" - <<<"$mirrors" || { rm -f "$part"; die "mmdebstrap failed"; }
    mv "$part" "$tar"
    say "base tarball: $(du -h "$tar" | cut -f1) in $((SECONDS - start)) s ($tar)"
  fi
  podman import --quiet --change 'CMD ["bash"]' "$tar" "$DEBIAN_STANDIN" >/dev/null
  say "imported $DEBIAN_STANDIN"
}

# golang_standin makes the Go build image from DEBIAN_STANDIN and this
# machine's Go toolchain, unless podman has it; prints its name.
golang_standin() {
  command -v go >/dev/null || die "no go on PATH: the Go base image is made from this machine's Go toolchain"
  local goroot version name
  goroot=$(go env GOROOT)
  version=$(go env GOVERSION)
  version=${version#go}
  name=localhost/golocks-base/golang:$version-bookworm
  if ! podman image exists "$name"; then
    say "making $name from $goroot"
    local dir
    dir=$(mktemp -d)
    cat >"$dir/Containerfile" <<EOF
FROM $DEBIAN_STANDIN
RUN apt-get update -qq && \\
    apt-get install -y -qq --no-install-recommends gcc libc6-dev make pkg-config git >/dev/null && \\
    rm -rf /var/lib/apt/lists/*
ENV GOLANG_VERSION=$version GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY . /usr/local/go
WORKDIR /go
EOF
    podman build --pull=never --quiet -f "$dir/Containerfile" -t "$name" "$goroot" >/dev/null ||
      { rm -rf "$dir"; die "building $name failed"; }
    rm -rf "$dir"
  fi
  echo "$name"
}

args=()
if [ "$BASE" = local ]; then
  [ "$ENGINE" = podman ] || die "BASE=local needs podman (the stand-ins are made with podman)"
  debian_standin
  golang=$(golang_standin)
  args+=(--pull=never --build-arg "DEBIAN=$DEBIAN_STANDIN" --build-arg "GOLANG=$golang")
  (cd "$ROOT" && go mod download) || die "go mod download failed"
  modcache=$(cd "$ROOT" && go env GOMODCACHE)
  args+=(--volume "$modcache/cache/download:/run/golocks-goproxy:ro" --build-arg GOPROXY=file:///run/golocks-goproxy)
fi
[ "$cmd" = base ] && exit 0

# podman keeps HEALTHCHECK only in Docker's image format; --jobs 2 lets
# the final stage install its packages while the build stage compiles
# (BuildKit does that by itself).
[ "$ENGINE" = podman ] && args+=(--format docker --jobs 2)
[ -z "${SOLUTIONS:-}" ] || args+=(--build-arg "SOLUTIONS=$SOLUTIONS")
version=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)
args+=(--build-arg "VERSION=$version")
start=$SECONDS
# shellcheck disable=SC2086 # BUILDFLAGS is a list of flags
"$ENGINE" build ${BUILDFLAGS:-} "${args[@]}" -t "$IMAGE" "$ROOT"
say "built $IMAGE in $((SECONDS - start)) s"
