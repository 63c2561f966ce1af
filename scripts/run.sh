#!/usr/bin/env bash
# scripts/run.sh (`make run`): the workbook in Jupyter, one command.
#
#   1. Jupyter Notebook from the distribution's packages: installed with
#      scripts/install-deps.sh when missing and we are root, otherwise one
#      line saying what to install;
#   2. the golocks kernel built and installed for this user
#      (make install-kernel: seconds when nothing changed);
#   3. `jupyter notebook` on your own copy of the workbook, WORKBOOK
#      (default ~/golocks-workbook), bound to 127.0.0.1 with token
#      authentication, no browser. It prints the URL to open, with its
#      ?token=. The copy is made from the student copy, notebooks/student/,
#      the first time; later runs add only notebooks you don't have, so your
#      answers survive `git pull` and `make notebooks`, and the repository's
#      tracked files are never edited by a student's work.
#
# Environment: PORT (default 8888; a busy port is an error, not a silent move
# to another one), NOTEBOOKS (the copy to start from, e.g. notebooks/solution),
# WORKBOOK (where your copy lives), JUPYTER_DATA_DIR and friends as Jupyter
# reads them.
# Ctrl-C stops the server and its kernels: it is exec'd, so the signal
# reaches it, and -y answers its "Shutdown this notebook server?" prompt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${PORT:-8888}
NOTEBOOKS=${NOTEBOOKS:-$ROOT/notebooks/student}
WORKBOOK=${WORKBOOK:-$HOME/golocks-workbook}

say() { printf 'golocks: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

case $PORT in '' | *[!0-9]*) die "PORT must be a number, got '$PORT'" ;; esac

command -v go >/dev/null ||
	die "needs Go 1.26 on PATH to build the kernel: https://go.dev/dl/"
# Jupyter: the server is what we need; install-deps.sh installs it (and the
# test tools) from Debian's packages as root, or prints the apt-get line.
if ! jupyter notebook --version >/dev/null 2>&1; then
	if command -v dpkg-query >/dev/null; then
		"$ROOT/scripts/install-deps.sh"
	fi
	jupyter notebook --version >/dev/null 2>&1 ||
		die "needs Jupyter Notebook, the \`jupyter notebook\` command (Debian and Ubuntu: sudo apt-get install --no-install-recommends jupyter-notebook)"
fi

make -s --no-print-directory -C "$ROOT" install-kernel

[ -d "$NOTEBOOKS" ] || die "no such folder: $NOTEBOOKS"
mkdir -p "$WORKBOOK" || die "cannot create the workbook folder $WORKBOOK (set WORKBOOK=)"
for nb in "$NOTEBOOKS"/*.ipynb; do
	[ -e "$nb" ] || die "no notebooks in $NOTEBOOKS"
	if [ -e "$WORKBOOK/${nb##*/}" ]; then
		cmp -s "$nb" "$WORKBOOK/${nb##*/}" || say "keeping your ${nb##*/} (delete it to start that part afresh)"
	else
		cp "$nb" "$WORKBOOK/"
	fi
done
NOTEBOOKS=$(cd "$WORKBOOK" && pwd)

args=(--no-browser --ip=127.0.0.1 --port="$PORT" --port-retries=0 --notebook-dir="$NOTEBOOKS" -y)
[ "$(id -u)" -ne 0 ] || args+=(--allow-root)

say "Jupyter on http://127.0.0.1:$PORT serving $NOTEBOOKS"
say "open the http://127.0.0.1:$PORT/?token=... URL it prints below; Ctrl-C stops it"
exec jupyter notebook "${args[@]}"
