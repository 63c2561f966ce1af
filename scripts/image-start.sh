#!/bin/sh
# golocks-start: the image's entry point (the Dockerfile copies this file to
# /usr/local/bin/golocks-start; tini runs it as its child).
#
#   golocks-start [COMMAND ARGS...]   default: jupyter notebook
#   golocks-start --health            the HEALTHCHECK: exit 0 if the server answers
#
# Before running COMMAND (jupyter notebook, or the hub's
# jupyterhub-singleuser) it gives the student their workbook: the
# notebooks of $GOLOCKS_WORKBOOK that ~/work lacks are copied in, so a
# fresh volume gets the workbook and a student's saved notebooks are never
# replaced (delete one to start that part afresh). With a read-only home
# (a read-only root file system and a volume on ~/work only), Jupyter's
# data and user config folders move to /tmp. The server's settings (port 8888 on all of the
# container's addresses, ~/work, a token) are in /etc/jupyter.
set -eu

export JUPYTER_RUNTIME_DIR="${JUPYTER_RUNTIME_DIR:-/tmp/jupyter-runtime}"

if [ "${1:-}" = --health ]; then
	# The server's own record of where it serves (port, base URL: under a
	# hub both differ from the defaults).
	exec python3 - <<'EOF'
import glob, json, os, sys, urllib.request
for f in glob.glob(os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "nbserver-*.json")):
    try:
        info = json.load(open(f))
        urllib.request.urlopen("http://127.0.0.1:%d%sapi" % (info["port"], info["base_url"]), timeout=4)
        sys.exit(0)
    except Exception as err:
        print(f, err, file=sys.stderr)
sys.exit(1)
EOF
fi

work="$HOME/work"
mkdir -p "$work" 2>/dev/null || true
if [ -w "$work" ]; then
	for nb in "$GOLOCKS_WORKBOOK"/*.ipynb; do
		[ -e "$nb" ] || continue
		[ -e "$work/${nb##*/}" ] || cp "$nb" "$work/"
	done
	if [ -d "$GOLOCKS_WORKBOOK/solutions" ] && [ ! -e "$work/solutions" ]; then
		cp -R "$GOLOCKS_WORKBOOK/solutions" "$work/solutions"
	fi
else
	echo "golocks-start: $work is not writable: the student's work would not be saved (mount a volume there)" >&2
fi
if ! [ -w "$HOME" ]; then
	export JUPYTER_DATA_DIR="${JUPYTER_DATA_DIR:-/tmp/jupyter-data}"
	export JUPYTER_CONFIG_DIR="${JUPYTER_CONFIG_DIR:-/tmp/jupyter-config}"
fi

[ $# -gt 0 ] || set -- jupyter notebook
exec "$@"
