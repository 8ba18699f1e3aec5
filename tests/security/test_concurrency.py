"""Key-fetch storms and outages under concurrent load (real servers, 1,000 requests)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fake_issuer import FakeIssuer, random_kid

from playground.backend import create_app
from playground.clock import Clock
from playground.runtime import ServerThread


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


async def storm(url: str, tokens: list[str], concurrency: int = 50) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(token):
            async with gate:
                return await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})

        return await asyncio.gather(*(one(t) for t in tokens))


def test_a_storm_of_random_kids_is_not_a_storm_of_fetches(stack):
    issuer, backend = stack
    issuer.delay = 0.2  # a slow issuer: many misses arrive while the first fetch is in flight
    url = backend()
    tokens = [issuer.mint(header={"kid": random_kid()}) for _ in range(1000)]
    started = time.monotonic()
    responses = asyncio.run(storm(url, tokens))
    elapsed = time.monotonic() - started
    assert {r.status_code for r in responses} == {401}
    assert {r.json()["reason"] for r in responses} == {"unknown_kid"}
    # One fetch per min_refetch_interval (5 s) at most, plus the first.
    assert issuer.fetches <= 2 + int(elapsed / 5), (issuer.fetches, elapsed)


def test_issuer_down_with_a_warm_cache_keeps_verifying_under_load(stack):
    issuer, backend = stack
    url = backend(jwks_cache_ttl=0.05, jwks_min_refetch_interval=0.05, token_cache_size=0)
    assert httpx.get(url + "/api/me", headers={"Authorization": f"Bearer {issuer.mint()}"}).status_code == 200
    issuer.down = True
    time.sleep(0.1)
    tokens = [issuer.mint(user_id=f"user-{i}") for i in range(300)]
    responses = asyncio.run(storm(url, tokens))
    assert {r.status_code for r in responses} == {200}
    assert issuer.fetches >= 2  # refreshes were attempted, failed, and did not matter
