# scripts/hub-podman_config.py: a JupyterHub configuration that serves the
# golocks workbook to a class with each student's server in a container of
# the instructors' image (`make image`), started with podman on this
# machine. `sudo make hub-podman` (scripts/image.mk) runs it; so can you:
#
#     cd /var/lib/golocks-hub && GOLOCKS_HUB_USERS=alice,bob \
#         GOLOCKS_HUB_PASSWORD_FILE=/root/class-password \
#         jupyterhub -f /path/to/golocks/scripts/hub-podman_config.py
#
# It is an ordinary jupyterhub_config.py for Debian's JupyterHub 3.0 (the
# image's jupyterhub-singleuser is Debian bookworm's, also 3.0: a hub and
# its servers should share a major version). It needs root: podman here
# runs containers as root (the student inside is uid 1000 all the same).
# Every setting is explained where it is made; the GOLOCKS_HUB_* environment
# variables below are its knobs. What a class gets:
#
#   - students log in with one shared password (a workshop: the names are
#     listed, they need no account on this machine), or with their own
#     Linux password (PAM) if they are members of a Unix group;
#   - each student's server is `podman run ... IMAGE jupyterhub-singleuser`:
#     uid 1000 gid 100, no capabilities, no new privileges, a read-only
#     root file system with a private /tmp, the hub's settings passed in
#     its environment (never on a command line);
#   - their work is a folder of this machine, STATE/work/NAME, mounted as
#     ~/work in the container: it outlives the container, so a student's
#     notebooks survive a stop, a restart of the hub and a new image; the
#     first start copies the workbook in (the image's golocks-start);
#   - stopping a server (the student's "Stop My Server", the admin page,
#     the REST API, the idle culler, or the hub stopping) stops its
#     container and removes it: no container or process is left;
#   - each server's log is kept in STATE/logs/NAME.log after its container
#     is gone, the first place to look when a student says their kernel
#     died;
#   - the hub listens on 127.0.0.1 unless told otherwise, and on any other
#     address only with TLS.
#
# The knobs (`make hub-podman` sets them from HUB_<NAME>, and IMAGE):
#   GOLOCKS_HUB_IMAGE        the image (default localhost/golocks:dev)
#   GOLOCKS_HUB_AUTH         shared-password (default) or pam
#   GOLOCKS_HUB_USERS        shared-password: the students' names, a,b,c
#   GOLOCKS_HUB_PASSWORD_FILE  shared-password: the password, mode 0600
#   GOLOCKS_HUB_GROUP        pam: the Unix group that may log in
#                            (default golocks-class)
#   GOLOCKS_HUB_ADMINS       names that may use the admin page, a,b
#   GOLOCKS_HUB_IP, GOLOCKS_HUB_PORT   where students connect
#                            (default 127.0.0.1:8000)
#   GOLOCKS_HUB_SSL_CERT, GOLOCKS_HUB_SSL_KEY   TLS (needed off loopback)
#   GOLOCKS_HUB_HUB_PORT, GOLOCKS_HUB_PROXY_API_PORT   the hub's and the
#                            proxy's APIs on 127.0.0.1 (default 8081, 8001)
#   GOLOCKS_HUB_STATE        the state folder (default /var/lib/golocks-hub)
#   GOLOCKS_HUB_REDIS_URL    a class Redis for Part 4 (default: none, each
#                            kernel starts its own in its container)
#   GOLOCKS_HUB_CONTAINER_PREFIX   container names (default golocks-hub)
#   GOLOCKS_HUB_IDLE_KERNEL, GOLOCKS_HUB_IDLE_SERVER   idle limits, seconds
#
# For Kubernetes (Zero to JupyterHub) see docs/hub.md instead: the same
# image, spawned by KubeSpawner.

import asyncio
import hmac
import os
import re
import shutil
import subprocess
import sys

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import Spawner
from jupyterhub.utils import random_port

c = get_config()  # noqa: F821 (JupyterHub provides get_config)


def setting(name, default=""):
    """The GOLOCKS_HUB_<name> environment variable, or default."""
    return os.environ.get("GOLOCKS_HUB_" + name, default)


def fail(message):
    """Stop the hub before it starts, with one line saying why."""
    sys.exit("golocks hub: " + message)


if os.geteuid() != 0:
    fail("needs root: podman runs the students' containers as root here (sudo make hub-podman)")
if not shutil.which("podman"):
    fail("needs podman (scripts/install-deps.sh image installs Debian's)")

# ---------------------------------------------------------------------------
# Where the hub listens (as in scripts/class_config.py)
# ---------------------------------------------------------------------------
# Students' browsers talk to the proxy (configurable-http-proxy) on
# IP:PORT; 127.0.0.1 means this machine only (put a web server that does
# TLS in front of it), any other address needs a certificate: plain HTTP on
# the network would send the passwords in clear text.
ip = setting("IP", "127.0.0.1")
port = setting("PORT", "8000")
cert, key = setting("SSL_CERT"), setting("SSL_KEY")
if bool(cert) != bool(key):
    fail("give both a TLS certificate and its key, or neither")
if ip not in ("127.0.0.1", "localhost", "::1") and not cert:
    fail("serving on %s needs TLS: give a certificate and key (or serve on 127.0.0.1 behind a web server that does TLS)" % ip)
scheme = "https" if cert else "http"
c.JupyterHub.bind_url = "%s://%s:%s/" % (scheme, "[%s]" % ip if ":" in ip else ip, port)
if cert:
    c.JupyterHub.ssl_cert = cert
    c.JupyterHub.ssl_key = key
# The hub's API (which the proxy and the students' servers call) and the
# proxy's API stay on 127.0.0.1; the containers reach the hub's there
# because they share this machine's network (below).
c.JupyterHub.hub_bind_url = "http://127.0.0.1:%s" % setting("HUB_PORT", "8081")
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % setting("PROXY_API_PORT", "8001")
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]  # Debian's node-configurable-http-proxy
debian_node_modules = [d for d in ("/usr/share/nodejs", "/usr/lib/nodejs", "/usr/lib/%s-linux-gnu/nodejs" % os.uname().machine)
                       if os.path.isdir(d)]
os.environ["NODE_PATH"] = os.pathsep.join([p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p] + debian_node_modules)

# ---------------------------------------------------------------------------
# The hub's state: database, cookie secret, pid files, the students' work
# folders and their servers' logs, in one folder only root can enter.
# ---------------------------------------------------------------------------
state = os.path.abspath(setting("STATE", "/var/lib/golocks-hub"))
os.makedirs(state, mode=0o700, exist_ok=True)
os.chmod(state, 0o700)
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")
# Stopping the hub stops (and removes) every student's container.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# ---------------------------------------------------------------------------
# Who may log in
# ---------------------------------------------------------------------------
# Names become container and folder names: lower-case letters, digits, -
# and _, starting with a letter.
c.Authenticator.username_pattern = r"^[a-z][a-z0-9_-]{0,31}$"
c.Authenticator.admin_users = {a for a in setting("ADMINS").split(",") if a}
mode = setting("AUTH", "shared-password")


class SharedPasswordAuthenticator(Authenticator):
    """One password for the listed students (GOLOCKS_HUB_USERS), read from a
    file only root can read (GOLOCKS_HUB_PASSWORD_FILE), never from a
    command line. The students need no account on this machine: their
    servers run in containers, as the image's uid 1000."""

    password_file = setting("PASSWORD_FILE")

    async def authenticate(self, handler, data):
        with open(self.password_file, encoding="utf-8") as f:
            want = f.read().strip()
        if not hmac.compare_digest(data.get("password", "").encode(), want.encode()):
            self.log.warning("login refused for %r: wrong password", data.get("username"))
            return None
        return data.get("username", "")  # allowed_users still applies


if mode == "shared-password":
    pw = setting("PASSWORD_FILE")
    if not pw:
        fail("shared-password logins need GOLOCKS_HUB_PASSWORD_FILE, a file holding the password, readable by root only")
    if not os.path.isfile(pw):
        fail("no such password file: %s" % pw)
    if os.stat(pw).st_mode & 0o077:
        fail("%s can be read by others: chmod 600 %s" % (pw, pw))
    with open(pw, encoding="utf-8") as f:
        if len(f.read().strip()) < 8:
            fail("the shared password in %s is shorter than 8 characters" % pw)
    users = {u for u in setting("USERS").split(",") if u}
    if not users:
        fail("shared-password logins need the students' names: GOLOCKS_HUB_USERS=alice,bob")
    bad = sorted(u for u in users if not re.match(c.Authenticator.username_pattern, u))
    if bad:
        fail("not a student name (lower-case letters, digits, - and _): %s" % ", ".join(bad))
    c.JupyterHub.authenticator_class = SharedPasswordAuthenticator
    c.Authenticator.allowed_users = users | c.Authenticator.admin_users
elif mode == "pam":
    # Their own Linux passwords; the members of one Unix group may log in.
    c.JupyterHub.authenticator_class = "pam"
    c.LocalAuthenticator.allowed_groups = {setting("GROUP", "golocks-class")}
    c.LocalAuthenticator.create_system_users = False
else:
    fail("unknown authentication %r: shared-password or pam" % mode)

# ---------------------------------------------------------------------------
# Each student's server: a container of the image
# ---------------------------------------------------------------------------
# Containers are named PREFIX-NAME and labelled golocks.hub=PREFIX, so two
# hubs on one machine (a class and a test) never touch each other's.
prefix = setting("CONTAINER_PREFIX", "golocks-hub")
if not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", prefix):
    fail("GOLOCKS_HUB_CONTAINER_PREFIX=%r: letters, digits, _ . and - only" % prefix)
image = setting("IMAGE", "localhost/golocks:dev")
# The image is built on this machine (`make image`): no registry is asked.
if subprocess.run(["podman", "image", "exists", image]).returncode != 0:
    fail("podman has no image %s: build it (make image IMAGE=%s) or name another (GOLOCKS_HUB_IMAGE)" % (image, image))
work_root = os.path.join(state, "work")
log_root = os.path.join(state, "logs")
# podman commands (inspect, stop, rm) get this long before the hub gives
# up on them; a stop gives the server this grace period before the kill.
PODMAN_TIMEOUT = 60
STOP_GRACE = 10


class PodmanSpawner(Spawner):
    """Starts a student's server as `podman run --detach ... IMAGE
    jupyterhub-singleuser`, polls it with `podman inspect`, and stops it
    with `podman stop` and `podman rm`: a container per student, removed
    when the server stops.

    Networking: --network host. The container shares this machine's
    network, so the server listens on 127.0.0.1 at the port the hub picked
    (as a LocalProcessSpawner's server does), the proxy reaches it there,
    and it reaches the hub's API on 127.0.0.1; nothing listens beyond this
    machine. It is the simplest choice that works here without more setup:
    on podman's bridge the hub's API would have to listen on the bridge's
    address, which exists only once a container runs, or on every address.
    What it costs: the containers share the loopback interface with the
    host and each other, so a student's code can open connections to
    127.0.0.1 ports; every server there asks for the hub's token, and the
    workbook's private Redis servers listen on a Unix socket in the
    container's own /tmp with a password, not on a port."""

    def container_name(self):
        return "%s-%s" % (prefix, self.user.name)

    async def podman(self, *args, env=None, check=True, timeout=PODMAN_TIMEOUT):
        """Runs podman with args; returns (exit status, output). Bounded by
        timeout; with check, a failure raises with podman's own words."""
        proc = await asyncio.create_subprocess_exec(
            "podman", *args, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise RuntimeError("podman %s: no answer in %d s" % (args[0], timeout))
        text = out.decode(errors="replace").strip()
        if check and proc.returncode != 0:
            raise RuntimeError("podman %s: %s" % (" ".join(args[:2]), text[-2000:]))
        return proc.returncode, text

    async def start(self):
        name = self.container_name()
        # A container of an earlier server that was not removed (the hub
        # was killed): it goes, its work folder stays.
        await self.podman("rm", "--force", "--time", "0", name, check=False)

        # The student's work folder: theirs (uid 1000 gid 100 in the
        # container), private to them on this machine. Made once, never
        # emptied.
        work = os.path.join(work_root, self.user.name)
        os.makedirs(work_root, mode=0o700, exist_ok=True)
        if not os.path.isdir(work):
            os.mkdir(work, 0o700)
            os.chown(work, 1000, 100)
        os.makedirs(log_root, mode=0o700, exist_ok=True)

        # A fresh port each start: the server listens there on 127.0.0.1
        # (--network host). The flags beat the image's own settings
        # (0.0.0.0:8888), which suit `podman run -p` but not a shared
        # network.
        self.port = random_port()
        env = self.get_env()
        cmd = ["podman", "run", "--detach", "--name", name,
               "--label", "golocks.hub=" + prefix, "--label", "golocks.hub.user=" + self.user.name,
               "--network", "host",
               # Locked down as scripts/image_test.go runs it.
               "--user", "1000:100", "--cap-drop=ALL", "--security-opt", "no-new-privileges",
               "--read-only", "--tmpfs", "/tmp:rw,exec,mode=1777",
               "--volume", "%s:/home/jovyan/work" % work,
               # The server's log outlives the container.
               "--log-driver", "k8s-file", "--log-opt", "path=%s" % os.path.join(log_root, self.user.name + ".log"),
               "--stop-timeout", str(STOP_GRACE)]
        if self.mem_limit:
            cmd += ["--memory", str(self.mem_limit)]
        # The hub's settings (JUPYTERHUB_API_TOKEN, JUPYTERHUB_API_URL,
        # JUPYTERHUB_SERVICE_PREFIX, ...): named here, their values taken
        # from podman's own environment, so the token is on no command line.
        for k in sorted(env):
            cmd += ["--env", k]
        # The image's entry point (tini, then golocks-start: the workbook
        # into ~/work) runs the hub's single-user server.
        cmd += [image, "jupyterhub-singleuser", "--ip=127.0.0.1", "--port=%d" % self.port] + self.get_args()
        self.log.info("starting %s's server: %s", self.user.name, " ".join(cmd))
        podman_env = dict(os.environ)
        podman_env.update(env)
        await self.podman(*cmd[1:], env=podman_env)
        return ("127.0.0.1", self.port)

    async def poll(self):
        """None while the container runs; else its exit status (0 when it
        is gone)."""
        status, out = await self.podman("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}",
                                        self.container_name(), check=False)
        if status != 0:
            return 0  # no such container
        running, _, code = out.partition(" ")
        if running == "true":
            return None
        try:
            return int(code)
        except ValueError:
            return 1

    async def stop(self, now=False):
        name = self.container_name()
        # The image's stop signal reaches tini, which ends the server and
        # its kernels; after the grace period podman kills what is left.
        await self.podman("stop", "--time", "0" if now else str(STOP_GRACE), name, check=False,
                          timeout=PODMAN_TIMEOUT + STOP_GRACE)
        await self.podman("rm", "--force", "--time", "0", name, check=False)


c.JupyterHub.spawner_class = PodmanSpawner
# Only the hub's own settings go into the container: not this machine's
# PATH, LANG and the like (the image has its own).
c.Spawner.env_keep = []
c.Spawner.default_url = "/tree"
if setting("REDIS_URL"):
    # A class Redis for Part 4 (README, "For instructors"): every student's
    # kernels use it instead of a private one.
    c.Spawner.environment = {"REDIS_URL": setting("REDIS_URL")}
# A class starting together: pulling nothing, a container starts in
# seconds, but many at once on a small machine take longer.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
# As in the class: an idle kernel is shut down after an hour, an idle
# server stops itself after two (its container goes; its work stays).
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=" + setting("IDLE_KERNEL", "3600"),
    "--MappingKernelManager.cull_interval=300",
    "--NotebookApp.shutdown_no_activity_timeout=" + setting("IDLE_SERVER", "7200"),
]
