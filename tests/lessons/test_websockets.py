"""Lesson 11's WebSocket routes on the reference backend (playground.lessons.websockets), with a
real WebSocket client against real servers: a single-use ticket and the ``bearer`` subprotocol
open a socket for the token's user; a spent, expired or missing credential and ``?access_token=``
get the backend's 401 before any socket is accepted."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from playground.auth_server import start_auth_server
from playground.backend import BackendSettings, create_app
from playground.backend.errors import InvalidTokenError, MissingCredentialsError
from playground.backend.user import User
from playground.clock import Clock
from playground.lessons.websockets import TicketBook, add_websocket_routes, bearer_from_subprotocols
from playground.servers import ServerThread

ISSUERS = ["embedded", pytest.param("better-auth", marks=pytest.mark.node)]
GRACE = User(id="u1", email="grace@example.com")


def test_a_ticket_opens_once():
    book = TicketBook()
    ticket = book.issue(GRACE)
    assert book.redeem(ticket) == GRACE
    with pytest.raises(InvalidTokenError) as spent:
        book.redeem(ticket)
    assert spent.value.reason == "invalid_session"


def test_a_ticket_expires_after_its_ttl_and_expired_ones_are_forgotten():
    ticks = Clock.frozen(0)
    book = TicketBook(ttl=30, monotonic=ticks.now)
    early, late = book.issue(GRACE), book.issue(GRACE)
    ticks.shift(29.9)
    assert book.redeem(early) == GRACE
    ticks.shift(0.1)
    with pytest.raises(InvalidTokenError) as expired:
        book.redeem(late)
    assert expired.value.reason == "expired"
    ticks.shift(100)
    book.issue(GRACE)
    assert len(book._tickets) == 1  # the expired ticket is gone, only the new one is kept


@pytest.mark.parametrize("offered", [[], ["bearer"], ["jwt", "x.y.z"], ["bearer", "x.y.z", "extra"]])
def test_the_subprotocol_must_be_bearer_then_the_token(offered):
    with pytest.raises(MissingCredentialsError):
        bearer_from_subprotocols(offered)
    assert bearer_from_subprotocols(["bearer", "x.y.z"]) == "x.y.z"


@pytest.fixture(scope="module", params=ISSUERS)
def backend(request):
    with start_auth_server(request.param) as issuer:
        app = create_app(BackendSettings(better_auth_url=issuer.url))
        add_websocket_routes(app)
        server = ServerThread(app, name="websocket backend").start()
        with httpx.Client(base_url=issuer.url, timeout=10) as client:
            assert client.post("/api/auth/sign-in/email", headers={"origin": issuer.url},
                               json={"email": "grace@example.com", "password": issuer.demo_password}).status_code == 200
            token = client.get("/api/auth/token").json()["token"]
        try:
            yield server, token
        finally:
            server.stop()


async def _whoami(url: str, **options) -> dict:
    async with websockets.connect(url, **options) as socket:
        await socket.send("whoami")
        return json.loads(await socket.recv())


async def _refused(url: str, **options):
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, **options):
            pass
    response = refused.value.response
    return response.status_code, json.loads(bytes(response.body))["reason"], response.headers["www-authenticate"]


def test_a_ticket_bought_with_the_jwt_opens_one_socket(backend):
    server, token = backend
    ws = server.url.replace("http://", "ws://")
    bought = httpx.post(server.url + "/api/ws/ticket", headers={"Authorization": f"Bearer {token}"})
    assert bought.status_code == 200 and bought.json()["expires_in"] == 30
    ticket = bought.json()["ticket"]
    assert asyncio.run(_whoami(f"{ws}/ws/ticket?ticket={ticket}"))["email"] == "grace@example.com"
    assert asyncio.run(_refused(f"{ws}/ws/ticket?ticket={ticket}"))[:2] == (401, "invalid_session")
    assert httpx.post(server.url + "/api/ws/ticket").status_code == 401  # no JWT, no ticket


def test_the_bearer_subprotocol_opens_a_socket_and_is_selected(backend):
    server, token = backend
    ws = server.url.replace("http://", "ws://")

    async def connect():
        async with websockets.connect(f"{ws}/ws/subprotocol", subprotocols=["bearer", token]) as socket:
            await socket.send("whoami")
            return socket.subprotocol, json.loads(await socket.recv())

    selected, me = asyncio.run(connect())
    assert selected == "bearer" and me["email"] == "grace@example.com"
    head, _, signature = token.rpartition(".")
    forged = f"{head}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"
    status, reason, challenge = asyncio.run(_refused(f"{ws}/ws/subprotocol", subprotocols=["bearer", forged]))
    assert (status, reason) == (401, "bad_signature") and challenge.startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize("path", ["/ws/subprotocol", "/ws/ticket"])
def test_a_token_in_the_url_is_refused(backend, path):
    server, token = backend
    url = f"{server.url.replace('http://', 'ws://')}{path}?access_token={token}"
    assert asyncio.run(_refused(url))[:2] == (401, "token_in_query")


def test_no_credential_is_a_401_with_a_bare_challenge(backend):
    server, _ = backend
    assert asyncio.run(_refused(server.url.replace("http://", "ws://") + "/ws/subprotocol")) == (
        401, "missing_token", "Bearer")
