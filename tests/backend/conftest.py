"""Fixtures: a fake Better Auth JWKS server and the backend app, both on real loopback servers."""

from __future__ import annotations

import httpx
import pytest
from fake_issuer import FakeIssuer

from playground.backend import create_app
from playground.clock import Clock
from playground.servers import ServerThread


@pytest.fixture
def clock() -> Clock:
    return Clock.frozen()


@pytest.fixture
def issuer(clock):
    fake = FakeIssuer(clock).start()
    yield fake
    fake.stop()


@pytest.fixture
def serve():
    """serve(app) -> httpx.Client on a real loopback server; stopped after the test."""
    servers, clients = [], []

    def start(app) -> httpx.Client:
        server = ServerThread(app, name="backend").start()
        servers.append(server)
        client = httpx.Client(base_url=server.url, timeout=10)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


@pytest.fixture
def api(issuer, clock, serve) -> httpx.Client:
    """The backend with default settings for the fake issuer (CORS for one front-end origin)."""
    return serve(create_app(issuer.settings(cors_origins=["http://localhost:5173"]), clock=clock))
