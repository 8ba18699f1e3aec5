"""Key-fetch storms and outages under concurrent load (real servers, 1,000 requests)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from fake_issuer import FakeIssuer, random_kid

from playground.backend import create_app
from playground.clock import Clock
from playground.servers import ServerThread


@pytest.fixture
def stack():
    issuer = FakeIssuer(Clock.frozen()).start()
    servers = []

    def backend(**settings) -> str:
        server = ServerThread(create_app(issuer.settings(**settings), clock=issuer.clock)).start()
        servers.append(server)
        return server.url

    yield issuer, backend
    for server in servers:
        server.stop()
    issuer.stop()


async def storm(url: str, tokens: list[str], connections: int = 50) -> list[tuple[int, dict]]:
    """GET /api/me once per token over keep-alive connections: (status, JSON body) per request.
    Raw asyncio streams, not an HTTP client library: 1,000 requests stay well under a few seconds."""
    host, port = url.removeprefix("http://").split(":")
    queue = list(tokens)
    results = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                token = queue.pop()
                writer.write(f"GET /api/me HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                results.append((int(head.split()[1]), json.loads(body)))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return results


def test_a_storm_of_random_kids_is_not_a_storm_of_fetches(stack):
    issuer, backend = stack
    issuer.delay = 0.2  # a slow issuer: many misses arrive while the first fetch is in flight
    # The fetch shares the backend's loop with 1,000 requests: on a loaded 2-core machine its whole
    # deadline (http_timeout) must cover that queueing; this test counts fetches, not deadlines.
    url = backend(http_timeout=10)
    tokens = [issuer.mint(header={"kid": random_kid()}) for _ in range(1000)]
    started = time.monotonic()
    responses = asyncio.run(storm(url, tokens))
    elapsed = time.monotonic() - started
    assert len(responses) == 1000
    assert {(status, body["reason"]) for status, body in responses} == {(401, "unknown_kid")}
    # One fetch per min_refetch_interval (5 s) at most, plus the first.
    assert issuer.fetches <= 2 + int(elapsed / 5), (issuer.fetches, elapsed)


def test_issuer_down_with_a_warm_cache_keeps_verifying_under_load(stack):
    issuer, backend = stack
    # max_stale far above the test's length: this is about the stale window, not its end.
    url = backend(jwks_cache_ttl=0.05, jwks_max_stale=600, jwks_min_refetch_interval=0.05, token_cache_size=0)
    assert httpx.get(url + "/api/me", headers={"Authorization": f"Bearer {issuer.mint()}"}).status_code == 200
    issuer.down = True
    time.sleep(0.1)
    tokens = [issuer.mint(user_id=f"user-{i}") for i in range(300)]
    responses = asyncio.run(storm(url, tokens))
    assert {status for status, _ in responses} == {200}
    deadline = time.monotonic() + 5
    while issuer.fetches < 2:  # refreshes were attempted (in the background), failed, and did not matter
        assert time.monotonic() < deadline, "no background refresh of the stale key set"
        time.sleep(0.01)


def test_concurrent_misses_share_one_fetch_even_without_rate_limit(stack):
    issuer, backend = stack
    issuer.delay = 0.3
    url = backend(jwks_min_refetch_interval=0)
    tokens = [issuer.mint(header={"kid": random_kid()}) for _ in range(200)]
    responses = asyncio.run(storm(url, tokens))
    assert {(status, body["reason"]) for status, body in responses} == {(401, "unknown_kid")}
    # 50 connections wait on each fetch together: without coalescing this would be 200 fetches.
    assert issuer.fetches <= 20, issuer.fetches
