#!/usr/bin/env bash
# Installs what `make test` and `make run` need beyond Go: Jupyter's client
# side and server from Debian's packages (PyPI is not used), redis-server
# for the workbook's Part 4 (its notebook, `golocks redis` and their tests
# start private servers of it), and python3-fasteners and python3-redis for
# the workbook's Python reference and the Redis bench (make bench).
# Used by .ci/run, `make run` and the Dockerfile alike, so there is one list.
#
# `install-deps.sh class` adds what serving a class needs (`make class`):
# Debian's JupyterHub and its proxy, configurable-http-proxy.
# `install-deps.sh image` adds what building the instructors' image with
# podman needs (`make image`, scripts/image.sh): Debian's podman with runc,
# netavark and their helpers, and mmdebstrap, which makes the Debian base
# image from Debian's archive when no registry is reachable.
# `install-deps.sh test` adds what running the tests needs on a bare
# machine: make, a C compiler for the race detector (cgo), the class's
# packages (the tests serve a class through a real JupyterHub), Jupyter's
# conformance suite for kernels (kernel/protocol_test.go), Debian's
# Chromium for the browser test (scripts/browser_test.go drives it headless;
# nothing downloads a browser of its own), and the image's packages
# (scripts/image_test.go builds and runs the image), with the settings its
# containers need on a machine like CI's (see podman_settings).
#
# As root it installs with apt-get; otherwise it prints the one command to
# run and fails if something is missing.
set -euo pipefail

packages=(
  jupyter-nbconvert python3-nbclient jupyter-client python3-nbformat
  jupyter-notebook python3-websocket python3-fasteners
  redis-server python3-redis
)
class=(jupyterhub node-configurable-http-proxy)
image=(podman buildah runc netavark aardvark-dns iptables catatonit uidmap slirp4netns fuse-overlayfs mmdebstrap)
case "${1:-}" in
  "") ;;
  class) packages+=("${class[@]}") ;;
  image) packages+=("${image[@]}") ;;
  test) packages+=(make gcc libc6-dev "${class[@]}" python3-jupyter-kernel-test chromium "${image[@]}") ;;
  *) echo "usage: $0 [class|image|test]" >&2; exit 2 ;;
esac

# podman_settings writes the settings without which every `podman run`
# fails on a machine like CI's (a VM without systemd, cgroup v1 and v2
# mounted together, hard limits below podman's defaults) in a drop-in file
# of their own, so containers.conf and its other settings stay as they are:
# the runtime runc (crun refuses hybrid cgroups: "cgroups in hybrid mode
# not supported"), cgroups managed by podman itself (no systemd), and
# containers' default ulimits at or below this machine's hard limits
# (podman's defaults fail with "setrlimit RLIMIT_NOFILE: Operation not
# permitted"). Run for `test`, as root, each time: the limits are this
# machine's.
podman_settings() {
  local nofile nproc dir=/etc/containers/containers.conf.d
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" != unlimited ] || nofile=1048576
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  mkdir -p "$dir"
  printf '%s\n' \
    "# Written by golocks' scripts/install-deps.sh test: see podman_settings there." \
    "[containers]" \
    "default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]" \
    "" \
    "[engine]" \
    "runtime = \"runc\"" \
    "cgroup_manager = \"cgroupfs\"" \
    "" \
    "[network]" \
    "network_backend = \"netavark\"" >"$dir/50-golocks.conf.tmp"
  mv "$dir/50-golocks.conf.tmp" "$dir/50-golocks.conf"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" != test ] || [ "$(id -u)" -ne 0 ] || podman_settings
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "${1:-}" != test ] || podman_settings
else
  echo "golocks needs: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
