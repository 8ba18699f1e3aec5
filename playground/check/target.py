"""The backend under test: ``--app module:attr`` in a child process, an app object in a thread, or
a server already running.

``--app module:attr`` (the CLI, or ``check.run(app="m:a")``) runs in a child process
(``app_process.py``) started only *after* the issuer runs, with the filled ``--env`` values in its
environment, because apps read ``BETTER_AUTH_URL`` and friends at import time. Whatever the app
does there (hang, exit, crash) cannot take the checker down, and no signal is ever armed in the
checker's own process: ``check.run`` is safe inside a team's pytest. The child serves on a
loopback socket bound here and handed down, so a child that died is restarted on the same port.

App objects and ``app_factory`` callables from the Python API cannot be sent to another process:
they are served by uvicorn in a thread of this process, and the environment is set here meanwhile.

WSGI apps (Flask, Django) are served through ``a2wsgi.WSGIMiddleware`` either way.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playground.servers import KeepErrors, PlaygroundStartError, ServerThread, bind_loopback, stop_all

from . import app_process as child
from .config import UsageError

#: How many times a child that died while serving is started again before the run gives up.
MAX_RESTARTS = 5
#: Seconds a child process may take to start Python and uvicorn, before the app's import begins.
PROCESS_START_TIMEOUT = 30.0


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards (the Python API must not leak them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parse_spec(spec: str) -> tuple[str, str]:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--app takes module:attr (e.g. myapp.main:app), not {spec!r}")
    return module_name, attr


@contextmanager
def serve(app: Any, errors: list[str], *, timeout: float = 60.0, stop_with: Any = None) -> Iterator[str]:
    """Serve an app object in a thread of this process on a free loopback port, its crashes
    recorded in ``errors``; yields its base URL. ``stop_with`` (the run's issuer) is stopped at the
    end too, however it comes, together with the app: their shutdowns overlap."""
    servers = [] if stop_with is None else [stop_with]
    try:
        try:
            servers.append(ServerThread(KeepErrors(child.as_asgi(app), errors), name="app under test",
                                        lifespan="auto").start(timeout=timeout))
        except PlaygroundStartError as exc:
            raise UsageError(f"the app did not start: {exc}") from None
        yield servers[-1].url
    finally:
        stop_all(servers)


class AppProcess:
    """``--app module:attr`` served by a child process (``app_process.py``) on a loopback port.

    The app's stdout and stderr go to ``log_path``; each unhandled exception is also one line of
    ``errors`` (read with ``app_errors()``). ``revive()`` tells whether the child died, and
    starts it again on the same port. ``stop()`` ends it: SIGTERM, then SIGKILL, by its PID.
    """

    def __init__(self, spec: str, *, factory: bool, env: Mapping[str, str], start_timeout: float,
                 log_path: str) -> None:
        parse_spec(spec)
        self.spec = spec
        self.factory = factory
        self.env = dict(env)
        self.start_timeout = start_timeout
        self.log_path = log_path
        self.restarts = 0
        self._socket = bind_loopback(0, "app under test")
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        folder = tempfile.mkdtemp(prefix="playground-check-")
        self._errors_path = os.path.join(folder, "errors.log")
        Path(self._errors_path).touch()
        self._process: subprocess.Popen | None = None
        self._stop_requested = False

    def start(self) -> AppProcess:
        read_fd, write_fd = os.pipe()
        # By path (see app_process.py): sys.path[0] stays '' (the current directory), not this folder.
        run_child = f"import runpy; runpy.run_path({child.__file__!r}, run_name='__main__')"
        command = [sys.executable, "-c", run_child, self.spec, "--listen-fd", str(self._socket.fileno()),
                   "--status-fd", str(write_fd), "--errors", self._errors_path]
        if self.factory:
            command.append("--factory")
        with open(self.log_path, "ab") as log:
            try:
                self._process = subprocess.Popen(command, env=self._child_environment(), stdin=subprocess.DEVNULL,
                                                 stdout=log, stderr=subprocess.STDOUT,
                                                 pass_fds=(self._socket.fileno(), write_fd))
            finally:
                os.close(write_fd)
        self._await_ready(read_fd)
        return self

    def _child_environment(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        # The directories this process imports from that the child would not (the current
        # directory, a test runner's rootdir), then this package's own: the app imports as today.
        import playground

        package_root = str(Path(playground.__file__).resolve().parent.parent)
        base = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        extra = [p or os.getcwd() for p in sys.path
                 if not any(os.path.realpath(p or ".").startswith(b) for b in base)]
        paths = [os.getcwd(), *env.get("PYTHONPATH", "").split(os.pathsep), *extra, package_root]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if p))
        env["PYTHONUNBUFFERED"] = "1"  # the log file shows what happened up to a crash
        return env

    def _await_ready(self, read_fd: int) -> None:
        """Read the child's status lines from ``read_fd`` (closed here) until ``ready``; each phase gets
        ``start_timeout``."""
        # Unbuffered: a buffered reader may take two lines ("phase ...", "ready") in one read and keep
        # the second where select() cannot see it, and the start would wait out its timeout.
        with os.fdopen(read_fd, "rb", buffering=0) as status:
            self._read_status(status)

    def _read_status(self, status) -> None:
        # Python's own start-up is the checker's overhead, not the app's: it gets its own budget.
        what = "starting the app's process"
        deadline = time.monotonic() + max(self.start_timeout, PROCESS_START_TIMEOUT)
        while True:
            remaining = deadline - time.monotonic()
            readable, _, _ = select.select([status], [], [], max(0.0, remaining))
            if not readable:
                self.stop()
                raise UsageError(f"--app {self.spec}: {what} did not finish within {self.start_timeout:g} s (does it "
                                 "wait for a network service, a lock or input? --start-timeout gives it longer)"
                                 + self._log_hint(tail=True))
            line = status.readline().decode("utf-8", "replace")
            if not line:  # the child is gone without a word: os._exit, a signal
                raise UsageError(f"--app {self.spec}: the app's process {self._death()} while {what}"
                                 + self._log_hint(tail=True))
            kind, _, rest = line.strip().partition(" ")
            if kind == "ready":
                return
            if kind == "error":
                self.stop()
                raise UsageError(rest + self._log_hint())
            what, deadline = rest, time.monotonic() + self.start_timeout

    def _death(self) -> str:
        assert self._process is not None
        try:
            code = self._process.wait(timeout=self.start_timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            return "closed its status pipe"
        if code < 0:
            try:
                return f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"

    def _log_hint(self, tail: bool = False) -> str:
        text = f" (the app's log: {self.log_path})"
        if tail:
            lines = [line.strip() for line in self.log_tail(3) if line.strip()]
            if lines:
                text = f"; the app's log ({self.log_path}) ends: " + " | ".join(lines)
        return text

    def log_tail(self, count: int) -> list[str]:
        return log_tail(self.log_path, count)

    def revive(self) -> str | None:
        """If the child died, why (and it is started again on the same port); else None."""
        if self._process is None:
            return None
        try:  # its connections close a moment before its exit status is there to read
            self._process.wait(timeout=0.3)
        except subprocess.TimeoutExpired:
            return None
        cause = f"the app's process {self._death()}"
        if self.restarts >= MAX_RESTARTS:
            return None
        self.restarts += 1
        self.start()
        return cause

    def app_errors(self) -> list[str]:
        try:
            return Path(self._errors_path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []

    def request_stop(self) -> None:
        """SIGTERM, without waiting for the exit (see ``playground.servers.stop_all``)."""
        if self._process is not None and self._process.poll() is None and not self._stop_requested:
            self._stop_requested = True
            self._process.terminate()

    def stop(self) -> None:
        self.request_stop()
        process, self._process = self._process, None
        self._stop_requested = False
        if process is not None and process.poll() is None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        self.stop()
        self._socket.close()
        folder = os.path.dirname(self._errors_path)
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def log_tail(path: str, count: int) -> list[str]:
    """The last ``count`` lines of the app's log (of its last 4 KB)."""
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 4096))
            return log.read().decode("utf-8", "replace").splitlines()[-count:]
    except OSError:
        return []


@contextmanager
def app_process(spec: str, *, factory: bool, env: Mapping[str, str], start_timeout: float,
                log_path: str, stop_with: Any = None) -> Iterator[AppProcess]:
    """An ``AppProcess`` started and always reaped (also on KeyboardInterrupt); ``stop_with`` is
    stopped at the end too, together with it (see ``serve``)."""
    process = None
    try:
        process = AppProcess(spec, factory=factory, env=env, start_timeout=start_timeout, log_path=log_path)
        process.start()
        yield process
    finally:
        try:
            stop_all(server for server in (stop_with, process) if server is not None)
        finally:
            if process is not None:
                process.close()
