"""The child process that serves ``--app module:attr`` for the checker (``target.AppProcess``).

Run as a file (``python -c 'runpy.run_path(...)' SPEC [--factory] --listen-fd N --status-fd N
--errors FILE``), not as ``-m playground.check.app_process``: the app's process imports nothing
of the playground (whose package would import the issuer and the checker) and finds only the
app's own modules first on ``sys.path``. So this file needs nothing but the standard library and
uvicorn (and a2wsgi, for a WSGI app).

The import, the factory call and uvicorn all run in this process's main thread (apps install
signal handlers and look up the event loop while they are imported), so whatever the app does
(hang, ``sys.exit``, ``os._exit``, a segfault) stays here. It talks to the checker through the
status pipe, one line per step: ``phase <what it is doing>``, then ``ready`` or ``error <why>``.
It serves on the listening socket the checker bound and passed down: a restarted child serves on
the same port. Its stdout and stderr are the app's log file. It exits when the checker is gone.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import uvicorn


class AppImportError(Exception):
    """The app module could not be imported or built (told to the checker in one line)."""


def build_app(spec: str, *, factory: bool = False, phase: Callable[[str], None] = lambda what: None) -> Any:
    """The app named by ``module:attr`` (from the current directory or ``PYTHONPATH``); with
    ``factory``, what calling ``attr()`` returns (uvicorn's ``--factory``). ``phase`` is told what
    is about to run, so that whoever waits can say what hung."""
    module_name, _, attr = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    phase(f"importing {module_name}")
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # anything the app's import raises is the user's setup problem
        traceback.print_exc()  # into the app's log
        raise AppImportError(f"--app {spec}: importing {module_name} failed: {type(exc).__name__}: {exc}") from None
    try:
        app = getattr(module, attr)
    except AttributeError:
        raise AppImportError(f"--app {spec}: module {module_name} has no attribute {attr!r}") from None
    if factory:
        phase(f"calling {attr}()")
        try:
            app = app()
        except (Exception, SystemExit) as exc:
            traceback.print_exc()
            raise AppImportError(f"--app {spec} --factory: calling {attr}() failed: "
                                 f"{type(exc).__name__}: {exc}") from None
    if not callable(app):
        raise AppImportError(f"--app {spec}: {attr} is not an ASGI or WSGI app (not callable)")
    if not factory and inspect.isfunction(app) and len(inspect.signature(app).parameters) == 0:
        raise AppImportError(f"--app {spec}: {attr}() takes no arguments, so it is an app factory, not an app: "
                             "add --factory")
    return app


def is_wsgi(app: Any) -> bool:
    """Flask (``wsgi_app``), Django's ``WSGIHandler``, or any callable ``(environ, start_response)``;
    an ASGI app takes ``(scope, receive, send)``."""
    if hasattr(app, "wsgi_app") or type(app).__name__ == "WSGIHandler":
        return True
    try:
        parameters = inspect.signature(app).parameters
    except (TypeError, ValueError):
        return False
    return len(parameters) == 2 and not inspect.iscoroutinefunction(app) and \
        not inspect.iscoroutinefunction(type(app).__call__)


def as_asgi(app: Any) -> Any:
    """A WSGI app wrapped to be served by uvicorn; an ASGI app as it is."""
    if is_wsgi(app):
        from a2wsgi import WSGIMiddleware

        return WSGIMiddleware(app)
    return app


class LogErrors:
    """Each unhandled exception of the app as one line in the errors file (the checker groups
    crashes by them), then re-raised: uvicorn logs the traceback to the app's log and answers 500."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope, receive, send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            with open(self.path, "a", encoding="utf-8") as errors:
                errors.write(f"{scope.get('method')} {scope.get('path')}: {type(exc).__name__}: "
                             f"{' '.join(str(exc).split())[:200]}\n")
            raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="playground/check/app_process.py")
    parser.add_argument("spec")
    parser.add_argument("--factory", action="store_true")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--status-fd", type=int, required=True)
    parser.add_argument("--errors", required=True)
    args = parser.parse_args(argv)
    status = os.fdopen(args.status_fd, "w", buffering=1, encoding="utf-8")

    def tell(line: str) -> None:
        status.write(" ".join(line.split()) + "\n")

    parent = os.getppid()
    try:
        app = build_app(args.spec, factory=args.factory, phase=lambda what: tell(f"phase {what}"))
    except AppImportError as exc:
        tell(f"error {exc}")
        return 1
    tell("phase starting it (its lifespan start-up)")
    sock = socket.socket(fileno=args.listen_fd)
    config = uvicorn.Config(LogErrors(as_asgi(app), args.errors), lifespan="auto", log_level="info")
    server = uvicorn.Server(config)
    threading.Thread(target=_report_ready, args=(server, tell), daemon=True).start()
    threading.Thread(target=_exit_with_parent, args=(server, parent), daemon=True).start()
    server.run(sockets=[sock])
    return 0


def _report_ready(server: uvicorn.Server, tell) -> None:
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.01)
    tell("ready")


def _exit_with_parent(server: uvicorn.Server, parent: int) -> None:
    """A checker killed without cleaning up (SIGKILL) must not leave its app serving forever."""
    while os.getppid() == parent:
        time.sleep(0.5)
    server.should_exit = True
    time.sleep(5)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
