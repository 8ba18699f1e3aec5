"""Real embedded issuers on 127.0.0.1 for the issuer tests, each with a freshly generated secret."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Callable, Iterator

import httpx
import pytest

from playground.clock import Clock
from playground.issuer import IssuerConfig, create_app
from playground.servers import ServerThread, free_port

DEMO_PASSWORD = "demo-" + secrets.token_urlsafe(12)
# Building an SSL context is most of the cost of an httpx.Client; these servers are plain http.
_TLS = ssl.create_default_context()


class Running:
    """One issuer server and an httpx client (with its own cookie jar) bound to its /api/auth."""

    def __init__(self, config: IssuerConfig, server: ServerThread) -> None:
        self.config = config
        self.server = server
        self.url = server.url
        self.app = server._server.config.app
        self.client = httpx.Client(base_url=f"{server.url}/api/auth", timeout=10, verify=_TLS)

    def fresh(self) -> Running:
        """The same server with a new client (a second browser, or the next test)."""
        return Running(self.config, self.server)

    def sign_in(self, email: str = "ada@example.com", password: str = DEMO_PASSWORD, **extra) -> httpx.Response:
        response = self.client.post("/sign-in/email", json={"email": email, "password": password, **extra})
        assert response.status_code == 200, response.text
        return response


def start(*, from_options: dict | None = None, **overrides) -> Running:
    port = overrides.pop("port", None) or free_port()
    base = overrides.pop("base_url", f"http://127.0.0.1:{port}")
    common = {
        "secret": overrides.pop("secret", secrets.token_urlsafe(32)),
        "clock": overrides.pop("clock", Clock.system()),
        "demo_password": overrides.pop("demo_password", DEMO_PASSWORD),
    }
    if from_options is not None:
        config = IssuerConfig.from_options(from_options, base_url=base, **common, **overrides)
    else:
        config = IssuerConfig(base_url=base, **common, **overrides)
    server = ServerThread(create_app(config), port=port, name="issuer").start()
    return Running(config, server)


@pytest.fixture
def start_issuer() -> Iterator[Callable[..., Running]]:
    """Start issuers with ``IssuerConfig`` overrides (or ``from_options=``); stopped after the test."""
    running: list[Running] = []

    def starter(**overrides) -> Running:
        running.append(start(**overrides))
        return running[-1]

    yield starter
    for item in running:
        item.client.close()
        item.server.stop()


@pytest.fixture(scope="module")
def default_issuer() -> Iterator[Running]:
    """One default-configured server per test module (starting one per test costs time)."""
    running = start()
    yield running
    running.client.close()
    running.server.stop()


@pytest.fixture
def issuer(default_issuer) -> Iterator[Running]:
    """The module's default server, with a client of this test's own."""
    running = default_issuer.fresh()
    yield running
    running.client.close()
