"""Calls to Better Auth are bounded in bytes and in total time (playground/backend/upstream.py).

Each hostile upstream is a real loopback HTTP server written at the socket level, so it can do
what no framework would: stream 64 MiB, declare a huge Content-Length, or trickle a byte at a
time — slowly enough that a per-read timeout never fires, for far longer than the deadline.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

from playground.backend import create_app

HUGE = 64 * 1024 * 1024
CHUNK = 64 * 1024


class HostileUpstream:
    """Answers every request on a loopback port with ``respond(connection)``; counts bytes sent."""

    def __init__(self, respond: Callable[[HostileUpstream, socket.socket], None]) -> None:
        self._respond = respond
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.sent = 0
        self.requests = 0
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                data = connection.recv(4096)
                if not data:
                    return
                request += data
            self.requests += 1
            try:
                self._respond(self, connection)
            except OSError:
                pass  # the client hung up: what a bounded reader does
            finally:
                self.done.set()

    def send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self._listener.close()


def endless_body(server: HostileUpstream, connection: socket.socket) -> None:
    server.send(connection, b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
    while server.sent < HUGE:
        server.send(connection, chunk)
    server.send(connection, b"0\r\n\r\n")


def declared_huge(server: HostileUpstream, connection: socket.socket) -> None:
    server.send(connection, b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % HUGE)
    server.send(connection, b'{"keys": [')
    connection.settimeout(10)
    connection.recv(1)  # never sends the rest; returns when the client hangs up


def trickle(server: HostileUpstream, connection: socket.socket) -> None:
    server.send(connection, b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n")
    for _ in range(400):  # 400 bytes over 20 s: each read well within a 1 s read timeout
        server.send(connection, b" ")
        time.sleep(0.05)


def gzipped(server: HostileUpstream, connection: socket.socket) -> None:
    import gzip

    body = gzip.compress(b'{"keys": []}' + b" " * 10_000_000)  # ~10 KB that expand to 10 MB
    server.send(connection, b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
                b"content-length: %d\r\n\r\n" % len(body) + body)


@pytest.fixture
def upstream():
    servers = []

    def start(respond) -> HostileUpstream:
        server = HostileUpstream(respond)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def backend_for(upstream_server, issuer, serve, **settings):
    # The backend believes the hostile server is Better Auth: JWKS and get-session both go there.
    from playground.backend import BackendSettings

    return serve(create_app(BackendSettings(better_auth_url=upstream_server.url, http_timeout=1, **settings),
                            clock=issuer.clock))


@pytest.mark.parametrize("respond, cause", [(endless_body, "larger than"), (declared_huge, "larger than"),
                                            (trickle, "within 1 s"), (gzipped, "compressed")])
def test_jwks_fetch_is_bounded(upstream, issuer, serve, respond, cause, caplog):
    server = upstream(respond)
    api = backend_for(server, issuer, serve)
    started = time.monotonic()
    response = api.get("/api/me", headers=bearer(issuer.mint()))
    elapsed = time.monotonic() - started
    assert (response.status_code, response.json()["reason"]) == (503, "jwks_unavailable")
    assert cause in caplog.text  # for the operator; the client is told only that auth is unavailable
    assert response.json()["detail"] == "authentication is temporarily unavailable"
    assert elapsed < 3.0, elapsed  # the 1 s deadline, plus a loaded machine's slack; 20 s unbounded
    server.done.wait(timeout=10)
    assert server.sent < HUGE // 4, server.sent  # abandoned at the cap, not read to the end


@pytest.mark.parametrize("respond, cause", [(endless_body, "larger than"), (declared_huge, "larger than"),
                                            (trickle, "within 1 s"), (gzipped, "compressed")])
def test_get_session_is_bounded(upstream, issuer, serve, respond, cause, caplog):
    server = upstream(respond)
    api = backend_for(server, issuer, serve)
    started = time.monotonic()
    response = api.get("/api/session/me", headers=bearer("a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"))
    elapsed = time.monotonic() - started
    assert (response.status_code, response.json()["reason"]) == (503, "session_service_unavailable")
    assert cause in caplog.text  # for the operator; the client is told only that auth is unavailable
    assert response.json()["detail"] == "authentication is temporarily unavailable"
    assert elapsed < 3.0, elapsed
    server.done.wait(timeout=10)
    assert server.sent < HUGE // 4, server.sent


def test_requests_waiting_on_a_trickling_fetch_are_released_by_the_deadline(upstream, issuer, serve):
    # Concurrent misses share one fetch; all of them get their answer when its deadline passes.
    import concurrent.futures

    server = upstream(trickle)
    api = backend_for(server, issuer, serve)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: api.get("/api/me", headers=bearer(issuer.mint())), range(8)))
    assert {r.json()["reason"] for r in responses} == {"jwks_unavailable"}
    assert time.monotonic() - started < 3.5
    assert server.requests == 1
