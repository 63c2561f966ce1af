# scripts/class_config.py: the JupyterHub configuration that serves the
# golocks workbook to a class from one Linux machine (`make class`).
#
# It is an ordinary jupyterhub_config.py for Debian's JupyterHub 3.0.
# scripts/class.sh (what `make class` runs) passes its flags in the
# GOLOCKS_CLASS_* environment variables below and starts
#
#     jupyterhub -f scripts/class_config.py
#
# as root, in the hub's state folder. You can run that line yourself with
# the same variables, or copy this file and edit it: every setting is
# explained where it is made. What a class gets:
#
#   - each student is a local Linux user; they log in with their own
#     password (PAM), or, for a workshop, with one shared password;
#   - only members of one Unix group (the class) may log in;
#   - each student's own Jupyter server runs as that student, from their
#     home, with the "Go (golocks)" kernel installed system-wide;
#   - the first time it starts, their copy of the student workbook is made
#     in ~/golocks-workbook (a private folder); later starts only add
#     notebooks they lack, so their work is never overwritten;
#   - the hub listens on 127.0.0.1 unless told otherwise, and on any other
#     address only with TLS.

import hmac
import os
import pwd
import subprocess
import sys
import time

from jupyterhub.auth import LocalAuthenticator
from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (JupyterHub provides get_config)


def setting(name, default=""):
    """The GOLOCKS_CLASS_<name> environment variable, or default."""
    return os.environ.get("GOLOCKS_CLASS_" + name, default)


def fail(message):
    """Stop the hub before it starts, with one line saying why."""
    sys.exit("golocks class: " + message)


# ---------------------------------------------------------------------------
# Where the hub listens
# ---------------------------------------------------------------------------
# Students' browsers talk to the proxy (configurable-http-proxy, started by
# the hub) on IP:PORT. 127.0.0.1 means this machine only: put a web server
# that terminates TLS in front of it (nginx, Caddy, Apache), or give the hub
# a certificate and a public address (--ip, --ssl-cert, --ssl-key). Plain
# HTTP on the network would send every student's password in clear text,
# so it is refused.
ip = setting("IP", "127.0.0.1")
port = setting("PORT", "8000")
cert, key = setting("SSL_CERT"), setting("SSL_KEY")
loopback = ip in ("127.0.0.1", "localhost", "::1")
if bool(cert) != bool(key):
    fail("give both a TLS certificate and its key, or neither")
if not loopback and not cert:
    fail("serving on %s needs TLS: give a certificate and key (or serve on 127.0.0.1 behind a web server that does TLS)" % ip)
scheme = "https" if cert else "http"
host = "[%s]" % ip if ":" in ip else ip
c.JupyterHub.bind_url = "%s://%s:%s/" % (scheme, host, port)
if cert:
    c.JupyterHub.ssl_cert = cert
    c.JupyterHub.ssl_key = key

# The hub's own API (which the proxy and the students' servers call) and the
# proxy's API stay on this machine. The defaults are JupyterHub's own ports;
# the tests pick free ones.
c.JupyterHub.hub_bind_url = "http://127.0.0.1:%s" % setting("HUB_PORT", "8081")
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % setting("PROXY_API_PORT", "8001")
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]  # Debian's node-configurable-http-proxy
# Debian's proxy loads its modules (commander, http-proxy, ...) from the
# folders Debian's node searches. A node from elsewhere (NodeSource, nvm)
# installed as /usr/bin/node does not search them; the proxy, started with
# the hub's environment, finds them through NODE_PATH.
debian_node_modules = [d for d in ("/usr/share/nodejs", "/usr/lib/nodejs", "/usr/lib/%s-linux-gnu/nodejs" % os.uname().machine)
                       if os.path.isdir(d)]
os.environ["NODE_PATH"] = os.pathsep.join([p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p] + debian_node_modules)

# ---------------------------------------------------------------------------
# The hub's state: its database, cookie secret and pid files, all in one
# folder only root can read (class.sh makes it, mode 0700).
# ---------------------------------------------------------------------------
state = setting("STATE", "/var/lib/golocks-class")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")
# Stopping the hub stops the students' servers too (and their kernels):
# nothing of the class keeps running once the hub is gone.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# ---------------------------------------------------------------------------
# Who may log in
# ---------------------------------------------------------------------------
# The members of one Unix group, the class (`adduser alice golocks-class`);
# the instructors named in ADMINS may also use the hub's admin page (start
# and stop students' servers). Instructors who log in must be in the group
# too.
group = setting("GROUP", "golocks-class")
admins = {a for a in setting("ADMINS").split(",") if a}
mode = setting("AUTH", "pam")


class SharedPasswordAuthenticator(LocalAuthenticator):
    """One password for everybody, for a workshop: whoever knows it may log
    in as any existing member of the class group. Accounts are not created
    on the fly: the instructor makes them beforehand (they need no password
    of their own, `adduser --disabled-password`) and hands out the names.
    The password is read from a file only root can read, never from the
    command line (which every user of the machine can see)."""

    password_file = setting("PASSWORD_FILE")

    def _shared_password(self):
        with open(self.password_file, encoding="utf-8") as f:
            return f.read().strip()

    async def authenticate(self, handler, data):
        name = self.normalize_username(data.get("username", ""))
        given = data.get("password", "")
        if not hmac.compare_digest(given.encode(), self._shared_password().encode()):
            self.log.warning("shared-password login refused for %r: wrong password", name)
            return None
        try:
            pwd.getpwnam(name)
        except KeyError:
            self.log.warning("shared-password login refused for %r: no such user on this machine", name)
            return None
        return name  # check_allowed (the class group) still applies


if mode == "pam":
    # Each student's own Linux password, checked by PAM (the "login"
    # service, as at a console).
    c.JupyterHub.authenticator_class = "pam"
elif mode == "shared-password":
    if not SharedPasswordAuthenticator.password_file:
        fail("the shared-password mode needs a password file")
    c.JupyterHub.authenticator_class = SharedPasswordAuthenticator
else:
    fail("unknown authentication %r: pam or shared-password" % mode)
c.LocalAuthenticator.allowed_groups = {group}
c.LocalAuthenticator.create_system_users = False  # students are made by the instructor
c.Authenticator.admin_users = admins
# LocalAuthenticator lower-cases names; Linux names on a class machine are
# lower-case anyway.

# ---------------------------------------------------------------------------
# Each student's server
# ---------------------------------------------------------------------------
# LocalProcessSpawner (JupyterHub's default; ClassSpawner below only gives
# each server a log file of its own) starts `jupyterhub-singleuser`
# (Jupyter Notebook) as the student, in their home, on a free port of
# 127.0.0.1. It goes through class-singleuser, installed by class.sh, which
# runs as the student: it makes ~/golocks-workbook (mode 0700) and copies in
# the student notebooks it lacks, never one they already have, then starts
# the server with a umask of 077, so everything the student's notebooks
# write (counters, lock files, shared values) is theirs alone.
share = setting("SHARE", "/usr/local/share/golocks")
workbook = setting("WORKBOOK", "golocks-workbook")

# Each student's server writes its log, and the stderr of their kernels
# (which it passes on: a kernel's last words when it dies), to a file of
# their own in the hub's state folder, logs/NAME.log, readable by root
# only; the hub's own log stays the hub's. That is the first place to look
# when a student says their kernel died.
server_logs = os.path.join(state, "logs")


class ClassSpawner(LocalProcessSpawner):
    """JupyterHub's LocalProcessSpawner, with the server's output in
    logs/NAME.log (appended to: a later start adds to it)."""

    async def start(self):
        os.makedirs(server_logs, mode=0o700, exist_ok=True)
        path = os.path.join(server_logs, self.user.name + ".log")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab", buffering=0) as log:
            log.write(("==== %s: starting %s's server\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), self.user.name)).encode())
            # Popen hands the server this file as its stdout and stderr
            # (it keeps its own copy of the descriptor); ours closes here.
            self.popen_kwargs = dict(self.popen_kwargs, stdout=log, stderr=subprocess.STDOUT)
            return await super().start()


c.JupyterHub.spawner_class = ClassSpawner
c.Spawner.cmd = [os.path.join(share, "class-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/tree/" + workbook
c.Spawner.environment = {
    "GOLOCKS_CLASS_TEMPLATE": os.path.join(share, "workbook"),
    "GOLOCKS_CLASS_WORKBOOK": workbook,
}
if setting("JUPYTER_PATH"):
    # A kernel installed somewhere Jupyter does not look by default (the
    # tests' private prefix).
    c.Spawner.environment["JUPYTER_PATH"] = setting("JUPYTER_PATH")

# A class presses Run All together: on a small server many servers start at
# once and take longer to answer than JupyterHub's defaults allow.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

# Memory is what limits a class (`make bench` prints what a student costs
# on this machine): a kernel idle for an hour is shut down (its variables
# are lost, the notebook and its files are not), and a server with nothing
# running and nobody connected for two hours stops itself.
idle = setting("IDLE_KERNEL", "3600")
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=" + idle,
    "--MappingKernelManager.cull_interval=300",
    "--NotebookApp.shutdown_no_activity_timeout=" + setting("IDLE_SERVER", "7200"),
]
# LocalProcessSpawner sets no memory or CPU limits (c.Spawner.mem_limit is
# not enforced by it): size the machine with `make bench`'s figures.
