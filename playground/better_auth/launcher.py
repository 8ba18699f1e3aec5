"""Run the real Better Auth (``node server.mjs`` in this folder) as a managed subprocess.

The process gets its own process group, so stopping it never touches anything else; its output
goes to a temporary log file (never to the notebook or the test output), and ``start`` fails at
once with a message that says what to do when Node, ``node_modules`` or the server is the problem.

    with RealBetterAuth(secret=..., demo_password=...) as ba:
        httpx.get(ba.url + "/api/auth/jwks")
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from playground.servers import PlaygroundStartError, free_port
from playground.tls import client_tls

#: The Node project: package.json, the lockfile, auth.config.mjs, server.mjs.
PROJECT_DIR = Path(__file__).resolve().parent
#: Points the launcher at another copy of that project, e.g. one with a newer better-auth
#: installed (``make conformance-latest``); read at each start, so a test can set it.
DIR_VARIABLE = "PLAYGROUND_BETTER_AUTH_DIR"
#: ``base_url="auto"``: the server's own ``http://127.0.0.1:PORT``.
AUTO = "auto"

#: better-auth 1.7 needs Node 20 or newer (Debian 12's own nodejs is 18).
MINIMUM_NODE = 20
INSTALL_NODE = (
    f"install Node.js {MINIMUM_NODE} or newer (https://nodejs.org; Debian 12's nodejs is 18, too old: with any npm, "
    f"`npm install --prefix ~/.local/node{MINIMUM_NODE} node@{MINIMUM_NODE}` and put "
    f"~/.local/node{MINIMUM_NODE}/node_modules/node/bin first on PATH, as .ci/run does)"
)
INSTALL_MODULES = "run `make test` or `npm ci --prefix playground/better_auth` to install better-auth from the lockfile"
#: A checkout has the Makefile two folders up; an installed copy (pip install of the workbook)
#: carries the Node project's files but not its node_modules, so its command names the folder.
IN_CHECKOUT = (PROJECT_DIR.parents[1] / "Makefile").is_file()


def install_modules_hint() -> str:
    """The one command that installs better-auth where this copy of the workbook looks for it."""
    if IN_CHECKOUT:
        return INSTALL_MODULES
    return f"run `npm ci --prefix {shlex.quote(str(PROJECT_DIR))}` (Node 20+) to install better-auth from the lockfile"


class RealBetterAuthError(PlaygroundStartError):
    """The real Better Auth could not be started; the message says why and what to do."""


class _PortTaken(Exception):
    """Node could not bind the port (EADDRINUSE)."""


def project_dir() -> Path:
    """The Node project to run: ``$PLAYGROUND_BETTER_AUTH_DIR`` when set, else this folder."""
    override = os.environ.get(DIR_VARIABLE)
    return Path(override).resolve() if override else PROJECT_DIR


def node_available() -> str | None:
    """``None`` when the real Better Auth can run here, else the reason it cannot (for skip messages)."""
    node = shutil.which("node")
    if node is None:
        return f"node is not on PATH: {INSTALL_NODE}, then {install_modules_hint()}"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`node --version` failed ({exc}): {INSTALL_NODE}, then {install_modules_hint()}"
    major = version.lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < MINIMUM_NODE:
        return (f"node {version or '(unknown version)'} is too old for better-auth 1.7: {INSTALL_NODE}, "
                f"then {install_modules_hint()}")
    modules = project_dir() / "node_modules"
    if not (modules / "better-auth" / "package.json").is_file():
        return f"{modules} has no better-auth: {install_modules_hint()}"
    return None


def installed_version() -> str | None:
    """The better-auth version in node_modules (the lockfile pins it), or None when not installed."""
    try:
        manifest = json.loads((project_dir() / "node_modules" / "better-auth" / "package.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest.get("version")


class RealBetterAuth:
    """One ``node server.mjs`` on ``127.0.0.1``.

    - ``port``: 0 picks a free port now, so ``url`` is known before ``start``.
    - ``base_url``: ``"auto"`` (default) = ``url``; ``None`` leaves ``BETTER_AUTH_URL`` unset
      (Better Auth then trusts the Host header: the lesson on why to set it); any other string is
      passed as ``BETTER_AUTH_URL``.
    - ``options``: the playground's JSON option overrides (``PLAYGROUND_BA_OPTIONS``, see options.mjs).
    - ``teaching_controls``: expose ``/__playground/state``, ``/keys/rotate``, ``/tokens`` and
      ``/clock/shift`` (501: Node's clock cannot be shifted), answering only to ``controls_token``
      (``Authorization: Bearer``; random when not given, read it back from ``controls_token``).
    - ``trusted_origins``: ``BETTER_AUTH_TRUSTED_ORIGINS``.
    - ``env``: extra environment variables for the process (they win over the ones above).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        secret: str,
        demo_password: str | None = None,
        base_url: str | None = AUTO,
        options: dict | None = None,
        teaching_controls: bool = False,
        controls_token: str | None = None,
        trusted_origins: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        if not secret:
            raise ValueError("secret is required (generate one: secrets.token_urlsafe(32))")
        self._auto_port = not port
        self._base_url_choice = base_url
        self.demo_password = demo_password
        self.options = options or {}
        self.controls_token = (controls_token or secrets.token_urlsafe(32)) if teaching_controls else None
        self._settings = (secret, demo_password, trusted_origins, env)
        self._use_port(port or free_port())
        self._process: subprocess.Popen | None = None
        self._log = None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = self.url if self._base_url_choice == AUTO else self._base_url_choice
        self._env = self._environment(*self._settings)

    def _environment(self, secret, demo_password, trusted_origins, extra) -> dict[str, str]:
        # NODE_ENV is passed through untouched: Better Auth changes behaviour with it (in
        # "development" a session's ipAddress falls back to 127.0.0.1; in "production" a missing
        # secret is fatal), and the embedded issuer follows the unset case.
        environment = {
            key: value
            for key, value in os.environ.items()
            # The parent's Better Auth settings must not leak in: this instance is configured here.
            if not key.startswith(("BETTER_AUTH_", "PLAYGROUND_")) and key not in ("AUTH_SECRET", "BASE_URL", "PORT")
        }
        environment.update(
            PORT=str(self.port),
            BETTER_AUTH_SECRET=secret,
            BETTER_AUTH_TELEMETRY="0",
            PLAYGROUND_BA_OPTIONS=json.dumps(self.options),
        )
        if self.controls_token:
            environment["PLAYGROUND_CONTROLS_TOKEN"] = self.controls_token
        if self.base_url is not None:
            environment["BETTER_AUTH_URL"] = self.base_url
        if demo_password:
            environment["PLAYGROUND_DEMO_PASSWORD"] = demo_password
        if trusted_origins:
            environment["BETTER_AUTH_TRUSTED_ORIGINS"] = ",".join(trusted_origins)
        environment.update(extra or {})
        return environment

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 120.0) -> RealBetterAuth:
        """Start Node and wait until it answers. ``timeout`` is generous: Node usually starts in about
        a second, but on a loaded machine (CI, tests in parallel) it has taken many times that."""
        if self._process is not None:
            raise RealBetterAuthError("this RealBetterAuth was already started")
        reason = node_available()
        if reason:
            raise RealBetterAuthError(f"cannot start the real Better Auth: {reason}")
        deadline = time.monotonic() + timeout
        for attempt in range(3):
            try:
                self._spawn_and_wait(deadline)
                return self
            except _PortTaken:
                # free_port() chose a port that another process bound before Node did (a busy
                # machine): pick another one; an explicitly requested port is not second-guessed.
                if not self._auto_port or attempt == 2:
                    raise RealBetterAuthError(
                        f"the real Better Auth cannot listen on port {self.port}: it is in use") from None
                self._use_port(free_port())
        raise AssertionError("unreachable")

    def _spawn_and_wait(self, deadline: float) -> None:
        self._log = tempfile.NamedTemporaryFile(prefix="better-auth-", suffix=".log", delete=False)
        # A file, not a pipe: nobody drains a pipe while the server runs, and a full pipe would
        # freeze Node mid-request.
        self._process = subprocess.Popen(
            [shutil.which("node"), "server.mjs"],
            cwd=project_dir(),
            # The pid of the process that starts it, now (not when this object was built, which may
            # have been in another process): server.mjs exits once this process is gone.
            env=self._env | {"PLAYGROUND_LAUNCHER_PID": str(os.getpid())},
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: signals to us do not reach it, and back
        )
        # First our own process must say it listens (so a stranger on the port cannot pass for
        # it), then Better Auth must answer.
        self._wait_for(deadline, lambda: self._announced_url() == self.url, "announce that it listens")
        with httpx.Client(timeout=1.0, verify=client_tls()) as client:  # the process's TLS context: see playground.tls
            self._wait_for(deadline, lambda: self._answers_ok(client), "answer GET /api/auth/ok")

    def _announced_url(self) -> str | None:
        for line in self.logs().splitlines():
            if line.startswith('{"listening"'):
                return json.loads(line)["listening"]
        return None

    def _answers_ok(self, client: httpx.Client) -> bool:
        try:
            return client.get(f"{self.url}/api/auth/ok").status_code == 200
        except httpx.TransportError:
            return False

    def _wait_for(self, deadline: float, ready, what: str) -> None:
        while not ready():
            code = self._process.poll()
            if code is not None:
                log = self.logs()
                self._process = None
                self._close_log()
                if "EADDRINUSE" in log:
                    raise _PortTaken()
                raise RealBetterAuthError(f"the real Better Auth exited with code {code} while starting:\n{log}")
            if time.monotonic() > deadline:
                log = self.logs()
                self.stop()
                raise RealBetterAuthError(f"the real Better Auth did not {what} within the start timeout "
                                          f"(is the machine overloaded? pass a longer timeout to start()):\n{log}")
            time.sleep(0.02)

    def logs(self) -> str:
        """Everything the server printed so far (Better Auth's warnings included)."""
        if self._log is None:
            return ""
        try:
            return Path(self._log.name).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # By PID (the group is the one start() made for this process alone).
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    def __enter__(self) -> RealBetterAuth:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"RealBetterAuth({self.url}, {state}, better-auth {installed_version()})"
