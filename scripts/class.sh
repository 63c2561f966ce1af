#!/usr/bin/env bash
# scripts/class.sh (`make class`): serve the workbook to a whole class from
# this Linux machine with Debian's JupyterHub. Run it as root:
#
#   sudo make class                       # or: sudo scripts/class.sh [flags]
#   sudo make class CLASSFLAGS='--ip 0.0.0.0 --port 443 --ssl-cert c.pem --ssl-key k.pem'
#
# 1. install (skipped with --no-install): JupyterHub and its proxy from
#    Debian's packages (scripts/install-deps.sh class); the golocks kernel,
#    built and installed system-wide (PREFIX/share/jupyter/kernels/golocks);
#    the student workbook and the script that starts each student's server
#    (PREFIX/share/golocks/);
# 2. serve: jupyterhub with scripts/class_config.py, which explains every
#    setting, its state (database, cookie secret) in --state, in the
#    foreground. Ctrl-C stops the hub and every student's server.
#
# Flags:
#   --ip IP               where students connect (default 127.0.0.1: this
#                         machine only, e.g. behind a web server doing TLS);
#                         any other address needs --ssl-cert and --ssl-key
#   --port N              (default 8000)
#   --ssl-cert F --ssl-key F   serve HTTPS with this certificate
#   --group G             the students' Unix group: its members may log in
#                         (default golocks-class)
#   --admin NAME          an instructor who may use the admin page (repeat)
#   --auth pam|shared-password
#                         students' own Linux passwords (default), or one
#                         password for all members of the group, read from
#                         --password-file (a workshop)
#   --password-file F     the shared password; a file only root can read
#   --prefix DIR          where to install (default /usr/local)
#   --state DIR           the hub's state (default /var/lib/golocks-class)
#   --hub-port N, --proxy-api-port N   the hub's and the proxy's own APIs,
#                         on 127.0.0.1 (defaults 8081, 8001)
#   --no-install          serve what is already installed under --prefix
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'golocks class: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

ip=127.0.0.1 port=8000 cert= key= group=golocks-class admins= auth=pam password_file=
prefix=/usr/local state=/var/lib/golocks-class hub_port=8081 proxy_api_port=8001 install=1
while [ $# -gt 0 ]; do
	case $1 in
	--ip | --port | --ssl-cert | --ssl-key | --group | --admin | --auth | --password-file | --prefix | --state | --hub-port | --proxy-api-port)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--ip) ip=$2 ;;
		--port) port=$2 ;;
		--ssl-cert) cert=$2 ;;
		--ssl-key) key=$2 ;;
		--group) group=$2 ;;
		--admin) admins=${admins:+$admins,}$2 ;;
		--auth) auth=$2 ;;
		--password-file) password_file=$2 ;;
		--prefix) prefix=$2 ;;
		--state) state=$2 ;;
		--hub-port) hub_port=$2 ;;
		--proxy-api-port) proxy_api_port=$2 ;;
		esac
		shift 2
		;;
	--no-install) install= && shift ;;
	-h | --help) usage ;;
	*) die "unknown flag $1 (see $0 --help)" ;;
	esac
done

# ---- check everything before installing or starting anything ----
[ "$(id -u)" -eq 0 ] || die "needs root: the hub checks passwords and starts each student's server as that student (sudo make class)"
for p in "$port" "$hub_port" "$proxy_api_port"; do
	case $p in '' | *[!0-9]*) die "a port must be a number, got '$p'" ;; esac
	[ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "no such port: $p"
done
[ -n "$ip" ] || die "--ip is empty"
case $ip in 127.0.0.1 | localhost | ::1) loopback=1 ;; *) loopback= ;; esac
if [ -n "$cert$key" ]; then
	[ -n "$cert" ] && [ -n "$key" ] || die "give both --ssl-cert and --ssl-key"
	[ -r "$cert" ] || die "cannot read the certificate $cert"
	[ -r "$key" ] || die "cannot read the key $key"
	cert=$(realpath "$cert") key=$(realpath "$key")
elif [ -z "$loopback" ]; then
	die "serving on $ip needs TLS: --ssl-cert and --ssl-key (plain HTTP would send the class's passwords in clear text), or serve on 127.0.0.1 behind a web server that does TLS"
fi
case $auth in
pam) [ -z "$password_file" ] || die "--password-file goes with --auth shared-password" ;;
shared-password)
	[ -n "$password_file" ] || die "--auth shared-password needs --password-file (a file holding the password, readable by root only)"
	[ -f "$password_file" ] || die "no such file: $password_file"
	case $(stat -c %a "$password_file") in
	0 | *00) ;;
	*) die "$password_file can be read by others: chmod 600 $password_file" ;;
	esac
	[ "$(tr -d '[:space:]' <"$password_file" | wc -c)" -ge 8 ] || die "the shared password in $password_file is shorter than 8 characters"
	password_file=$(realpath "$password_file")
	;;
*) die "--auth must be pam or shared-password, not '$auth'" ;;
esac
getent group "$group" >/dev/null ||
	die "no group '$group': make it and put the students in it (groupadd $group; adduser alice $group), or name another with --group"
members=$(getent group "$group" | cut -d: -f4)
[ -n "$members" ] || say "warning: group '$group' has no members yet: nobody can log in (adduser alice $group)"

share=$prefix/share/golocks
# ---- install ----
if [ -n "$install" ]; then
	"$ROOT/scripts/install-deps.sh" class
	command -v go >/dev/null || die "needs Go 1.26 on PATH to build the kernel (https://go.dev/dl/), or --no-install with a kernel already installed"
	make -s --no-print-directory -C "$ROOT" install-kernel PREFIX="$prefix"
	# The workbook and the start script: copied next to their place, then
	# swapped in, so a server starting meanwhile sees the old or the new.
	mkdir -p "$share"
	tmp=$(mktemp -d "$share/.workbook.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	cp "$ROOT"/notebooks/student/*.ipynb "$tmp/"
	chmod 755 "$tmp" && chmod 644 "$tmp"/*.ipynb
	rm -rf "$share/workbook" && mv "$tmp" "$share/workbook"
	install -m 755 "$ROOT/scripts/class-singleuser.sh" "$share/class-singleuser"
	say "installed the kernel under $prefix/share/jupyter and the student workbook in $share/workbook"
fi
[ -x "$share/class-singleuser" ] && [ -d "$share/workbook" ] ||
	die "nothing installed under $prefix yet: run without --no-install"
command -v jupyterhub >/dev/null && command -v configurable-http-proxy >/dev/null ||
	die "needs JupyterHub and its proxy: scripts/install-deps.sh class (Debian's jupyterhub, node-configurable-http-proxy)"

# ---- serve ----
mkdir -p "$state" && chmod 700 "$state"
export GOLOCKS_CLASS_IP=$ip GOLOCKS_CLASS_PORT=$port GOLOCKS_CLASS_SSL_CERT=$cert GOLOCKS_CLASS_SSL_KEY=$key \
	GOLOCKS_CLASS_GROUP=$group GOLOCKS_CLASS_ADMINS=$admins GOLOCKS_CLASS_AUTH=$auth \
	GOLOCKS_CLASS_PASSWORD_FILE=$password_file GOLOCKS_CLASS_STATE=$state GOLOCKS_CLASS_SHARE=$share \
	GOLOCKS_CLASS_JUPYTER_PATH=$prefix/share/jupyter \
	GOLOCKS_CLASS_HUB_PORT=$hub_port GOLOCKS_CLASS_PROXY_API_PORT=$proxy_api_port
scheme=http && [ -z "$cert" ] || scheme=https
say "serving the workbook on $scheme://$ip:$port to the members of '$group' ($auth); Ctrl-C stops the hub and every student's server"
cd "$state"
exec jupyterhub -f "$ROOT/scripts/class_config.py"
