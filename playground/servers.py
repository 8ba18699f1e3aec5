"""Servers in threads: uvicorn on a loopback socket bound before the thread starts.

Each server is uvicorn in a daemon thread on a socket bound *before* the thread starts, so the
URL is known at once and a port clash fails immediately instead of inside the thread. Cells in
a notebook already run inside an event loop; a server thread with its own loop is what lets a
lesson call the servers with a plain ``httpx.Client`` or with top-level ``await`` — no
``nest_asyncio`` needed (that package is archived and breaks uvicorn on Python 3.12+).

Nothing here knows the playground's apps: any ASGI app can be served (the auth server, the
backend, a lesson's naive API, a test's fake issuer).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import uvicorn


class PlaygroundStartError(RuntimeError):
    """A server of the playground did not come up; the message says which and why."""


class ServerThread:
    """One ASGI app served by uvicorn on ``127.0.0.1`` in a daemon thread."""

    def __init__(self, app, *, port: int = 0, name: str = "server",
                 sock: socket.socket | None = None, lifespan: str = "on") -> None:
        self.name = name
        # An app that must know its own URL (the issuer's base URL) gets a socket bound beforehand.
        self._socket = sock if sock is not None else bind_loopback(port, name)
        self.host, self.port = self._socket.getsockname()[:2]
        # Quiet by design: a background thread's log lines would land in whichever notebook
        # cell happens to run, and nbval would see them as changed output.
        # lifespan="auto" serves apps that do not implement the lifespan protocol (any ASGI app).
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan=lifespan)
        self._server = _PromptServer(config)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._server.started

    def start(self, timeout: float = 60.0) -> ServerThread:
        """Serve in the background; return once uvicorn listens. ``timeout`` is generous: a thread
        starts in milliseconds, but a loaded machine (CI, tests in parallel) can stall it for seconds."""
        self._thread = threading.Thread(target=self._serve, name=f"playground-{self.name}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise PlaygroundStartError(f"{self.name} stopped while starting: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise PlaygroundStartError(f"{self.name} did not start within {timeout:.0f} s (is the machine "
                                          "overloaded? pass a longer timeout to start())")
            time.sleep(0.005)
        return self

    def _serve(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # surfaced by start(); a thread cannot raise into its caller
            self._error = exc

    def request_stop(self) -> None:
        """Ask the server to stop, without waiting (see ``stop_all``)."""
        self._server.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self._socket.close()


class _PromptServer(uvicorn.Server):
    """uvicorn's server, except that a stop request ends its main loop at once.

    uvicorn notices ``should_exit`` at its next tick, every 0.1 s: a wait on every stop, and tests,
    lessons and checker runs stop thousands of servers. Only the wait goes: what follows is
    uvicorn's own shutdown, unchanged (no new connections, open ones closed, requests in flight
    awaited, the lifespan shut down).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._woken = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        ticking = asyncio.ensure_future(super().main_loop())
        woken = asyncio.ensure_future(self._woken.wait())
        try:
            await asyncio.wait({ticking, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when this loop is cancelled: no task of it is left pending
            for task in (ticking, woken):
                task.cancel()
            await asyncio.gather(ticking, woken, return_exceptions=True)
        if not ticking.cancelled():
            ticking.result()  # uvicorn's own loop ended first: raise what it raised, if anything

    def wake(self) -> None:
        """``should_exit``, noticed now (from any thread). Set first: a loop not yet running sees
        it at its first tick."""
        self.should_exit = True
        loop, woken = self._loop, self._woken
        if loop is not None and woken is not None:
            with contextlib.suppress(RuntimeError):  # its loop is closed: the server already stopped
                loop.call_soon_threadsafe(woken.set)


def stop_all(servers) -> None:
    """Stop several servers together: each one's shutdown waits ~0.1 s for its connections to
    close, so all are asked first and then waited for (in reverse start order)."""
    servers = list(servers)
    for server in servers:
        server.request_stop()
    for server in reversed(servers):
        server.stop()


def bind_loopback(port: int = 0, name: str = "server") -> socket.socket:
    """A socket listening on ``127.0.0.1:port`` (0 picks a free port); fails at once if taken.

    It listens right away: with SO_REUSEADDR, two processes can both *bind* a port that nobody
    listens on yet, and the loser's server would then start without error (seen with uvloop)
    while its clients reach the winner. Only a listening socket makes the port truly taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise PlaygroundStartError(f"{name}: cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc
    return sock


def bind_preferred(port: int, name: str) -> socket.socket:
    """Bind ``port`` if it is free, else any free port.

    The deterministic playground prefers fixed ports because the issuer's URL is inside every
    token it signs (``iss``, ``aud``): same port, same bytes, same notebook output.
    """
    try:
        return bind_loopback(port, name)
    except PlaygroundStartError:
        return bind_loopback(0, name)


def free_port() -> int:
    """A port that was free a moment ago (for subprocesses that must bind it themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class KeepErrors:
    """Outermost ASGI layer: an unhandled exception of the app is kept in ``errors`` (the server
    log a lesson or a report shows) instead of uvicorn printing its traceback into whichever
    notebook cell or terminal is running. Starlette always re-raises after its 500 went out; when
    nothing was sent yet, this layer answers the 500 itself. Either way the client sees a 500.
    """

    def __init__(self, app, errors: list[str]) -> None:
        self.app = app
        self.errors = errors

    async def __call__(self, scope, receive, send) -> None:
        started = False

        async def watch(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            self.errors.append(f"{scope.get('method')} {scope.get('path')}: {type(exc).__name__}: {str(exc)[:200]}")
            if scope["type"] == "http" and not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
