"""The backend under test: an ASGI app imported and served here, or a server already running.

``--app module:attr`` is imported only *after* the issuer runs and ``--env`` is set, because
apps read ``BETTER_AUTH_URL`` and friends at import time. It is then served by uvicorn on a
loopback port in a thread of this process, so every case is a real HTTP request (headers,
status lines, CORS) and the app's lifespan runs as in production.
"""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from playground.servers import KeepErrors, PlaygroundStartError, ServerThread

from .config import UsageError


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


class _Expired(BaseException):
    """Raised by the alarm into the import it interrupts (a BaseException: the app's own
    ``except Exception`` around its set-up must not swallow it)."""


def within(seconds: float, what: str, work: Callable[[], Any]) -> Any:
    """``work()`` in this thread, interrupted after ``seconds`` (a ``UsageError``) so that an import
    that waits on a database, a lock or ``input()`` does not leave a checker that never returns.

    In this thread, not a helper thread: apps install signal handlers and look up the event loop
    while they are imported, which only works in the main thread. The deadline is a SIGALRM, which
    Python delivers to the main thread only. ``work()`` runs without one off the main thread, off
    POSIX, and when someone else's alarm is already set (pytest-timeout's, say), which it must not
    cancel.
    """
    if (threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer")
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        return work()
    armed = True

    def expire(signum, frame):
        if armed:  # an alarm already on its way when work() returned is ignored
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        # Again every half second: an import that swallows one alarm still meets the next.
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
        try:
            return work()
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise UsageError(f"{what} did not finish within {seconds:g} s (does it wait at import time for a "
                         "network service, a lock or input? --start-timeout gives it longer)") from None
    finally:
        signal.signal(signal.SIGALRM, previous)


def import_app(spec: str, *, factory: bool = False, timeout: float = 60.0) -> Any:
    """The ASGI app named by ``module:attr`` (from the current directory or ``PYTHONPATH``);
    with ``factory``, what calling ``attr()`` returns (uvicorn's ``--factory``). Importing and
    building it may take ``timeout`` seconds each."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--app takes module:attr (e.g. myapp.main:app), not {spec!r}")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    # Imported afresh on every run: a module imported by an earlier run read that run's environment.
    if module_name.split(".")[0] != "playground":
        for name in [n for n in sys.modules if n == module_name or n.startswith(module_name + ".")]:
            del sys.modules[name]
    try:
        module = within(timeout, f"--app {spec}: importing {module_name}", lambda: importlib.import_module(module_name))
    except UsageError:
        raise
    except (Exception, SystemExit) as exc:  # anything the app's import raises is the user's setup problem
        raise UsageError(f"--app {spec}: importing {module_name} failed: {type(exc).__name__}: {exc}") from None
    try:
        app = getattr(module, attr)
    except AttributeError:
        raise UsageError(f"--app {spec}: module {module_name} has no attribute {attr!r}") from None
    if factory:
        try:
            app = within(timeout, f"--app {spec} --factory: calling {attr}()", app)
        except UsageError:
            raise
        except (Exception, SystemExit) as exc:
            raise UsageError(f"--app {spec} --factory: calling {attr}() failed: {type(exc).__name__}: {exc}") from None
    if not callable(app):
        raise UsageError(f"--app {spec}: {attr} is not an ASGI app (not callable)")
    if not factory and inspect.isfunction(app) and len(inspect.signature(app).parameters) == 0:
        raise UsageError(f"--app {spec}: {attr}() takes no arguments, so it is an app factory, not an app: "
                         "add --factory")
    return app


@contextmanager
def serve(app: Any, errors: list[str], *, timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` on a free loopback port, its crashes recorded in ``errors``; yields its base URL."""
    try:
        server = ServerThread(KeepErrors(app, errors), name="app under test", lifespan="auto").start(timeout=timeout)
    except PlaygroundStartError as exc:
        raise UsageError(f"the app did not start: {exc}") from None
    try:
        yield server.url
    finally:
        server.stop()
