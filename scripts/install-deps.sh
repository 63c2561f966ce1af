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
# `install-deps.sh test` adds what running the tests needs on a bare
# machine: make, a C compiler for the race detector (cgo), the class's
# packages (the tests serve a class through a real JupyterHub), Jupyter's
# conformance suite for kernels (kernel/protocol_test.go), and Debian's
# Chromium for the browser test (scripts/browser_test.go drives it headless;
# nothing downloads a browser of its own).
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
case "${1:-}" in
  "") ;;
  class) packages+=("${class[@]}") ;;
  test) packages+=(make gcc libc6-dev "${class[@]}" python3-jupyter-kernel-test chromium) ;;
  *) echo "usage: $0 [class|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "golocks needs: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
