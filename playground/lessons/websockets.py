"""Lesson 11: authenticating a WebSocket to the reference backend.

A browser's ``new WebSocket(url, protocols)`` sends no ``Authorization`` header and offers no way to
add one. Two safe ways to carry the Better Auth JWT, both wired here onto a backend app from
``playground.backend.create_app`` (``add_websocket_routes``):

* **a short-lived, single-use ticket**: the page POSTs to ``/api/ws/ticket`` with its
  ``Authorization: Bearer <JWT>`` (an ordinary route, CORS and all) and gets a random ticket that
  opens ``/ws/ticket?ticket=…`` once, within ``ticket_ttl`` seconds. A URL in a proxy log then
  holds a spent ticket, not a 15-minute token;
* **the subprotocol header**: ``new WebSocket(url, ["bearer", jwt])`` sends
  ``Sec-WebSocket-Protocol: bearer, <jwt>``; ``/ws/subprotocol`` verifies the JWT and selects the
  subprotocol ``bearer`` (a browser fails the connection unless the server selects one it offered;
  the token itself is never echoed).

``?access_token=<jwt>`` is refused: URLs end up in server and proxy logs and browser history.
A refused handshake gets the backend's own 401 (``reason`` and ``WWW-Authenticate``) as an HTTP
denial response, before any WebSocket is accepted. An accepted socket answers ``whoami`` with the
user's id and email.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect

from playground.backend.dependencies import CurrentUser
from playground.backend.errors import AuthError, InvalidTokenError, MissingCredentialsError, Reason, auth_error_response
from playground.backend.user import User
from playground.lessons.checks import Verdict, verdict

SUBPROTOCOL = "bearer"
DEFAULT_TICKET_TTL = 30.0  # seconds: long enough to open a socket, short enough to be useless later


@dataclass(frozen=True)
class _Ticket:
    user: User
    expires_at: float


class TicketBook:
    """Single-use tickets, kept in memory (one process; use a shared store with several workers)."""

    def __init__(self, ttl: float = DEFAULT_TICKET_TTL, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._monotonic = monotonic
        self._tickets: dict[str, _Ticket] = {}

    def issue(self, user: User) -> str:
        now = self._monotonic()
        # Forget expired tickets as new ones are issued: the book cannot grow without bound.
        self._tickets = {key: t for key, t in self._tickets.items() if t.expires_at > now}
        ticket = secrets.token_urlsafe(32)
        self._tickets[ticket] = _Ticket(user, now + self.ttl)
        return ticket

    def redeem(self, ticket: str) -> User:
        """The ticket's user; the ticket is spent either way."""
        entry = self._tickets.pop(ticket, None)
        if entry is None:
            # A ticket is a one-shot session: unknown and spent ones are the same "no such session".
            raise InvalidTokenError(Reason.INVALID_SESSION, "unknown or already used WebSocket ticket")
        if self._monotonic() >= entry.expires_at:
            raise InvalidTokenError(Reason.EXPIRED, "the WebSocket ticket has expired")
        return entry.user


def bearer_from_subprotocols(offered: list[str]) -> str:
    """The JWT from ``Sec-WebSocket-Protocol: bearer, <jwt>``."""
    if len(offered) != 2 or offered[0] != SUBPROTOCOL:
        raise MissingCredentialsError(Reason.MISSING_TOKEN, "offer the subprotocols ['bearer', <JWT>]")
    return offered[1]


async def _deny(websocket: WebSocket, error: AuthError) -> None:
    await websocket.send_denial_response(auth_error_response(error))


async def _serve(websocket: WebSocket, user: User, *, subprotocol: str | None = None) -> None:
    await websocket.accept(subprotocol=subprotocol)
    try:
        while True:
            if await websocket.receive_text() == "whoami":
                await websocket.send_json({"sub": user.id, "email": user.email})
    except WebSocketDisconnect:
        return


def add_websocket_routes(app: FastAPI, *, tickets: TicketBook | None = None) -> TicketBook:
    """Add ``POST /api/ws/ticket``, ``/ws/ticket`` and ``/ws/subprotocol`` to a backend app."""
    book = tickets or TicketBook()

    def refuse_query_token(websocket: WebSocket) -> None:
        if "access_token" in websocket.query_params:
            raise MissingCredentialsError(Reason.TOKEN_IN_QUERY,
                                          "a token in the URL ends up in logs: use a ticket or the subprotocol")

    @app.post("/api/ws/ticket", tags=["websocket"])
    async def ws_ticket(user: CurrentUser) -> dict:
        """A single-use ticket that opens ``/ws/ticket`` once, within ``expires_in`` seconds."""
        return {"ticket": book.issue(user), "expires_in": book.ttl}

    @app.websocket("/ws/ticket")
    async def ws_by_ticket(websocket: WebSocket) -> None:
        try:
            refuse_query_token(websocket)
            user = book.redeem(websocket.query_params.get("ticket", ""))
        except AuthError as error:
            await _deny(websocket, error)
            return
        await _serve(websocket, user)

    @app.websocket("/ws/subprotocol")
    async def ws_by_subprotocol(websocket: WebSocket) -> None:
        try:
            refuse_query_token(websocket)
            token = bearer_from_subprotocols(websocket.scope.get("subprotocols", []))
            user = (await app.state.verifier.verify(token)).user
        except AuthError as error:
            await _deny(websocket, error)
            return
        await _serve(websocket, user, subprotocol=SUBPROTOCOL)

    return book


# Lesson 11's exercises on WebSockets: the learner passes what they saw; each check says right, or hints.
def check_subprotocol_order(status: int, reason: str) -> Verdict:
    """Exercise 1: the answer to ``/ws/subprotocol`` offered ``[token, "bearer"]``."""
    return verdict("exercise 1", (status, reason) == (401, "missing_token"),
                   why="the backend reads only ['bearer', <JWT>]: anything else is no credential at all, "
                       "so nothing is verified and the token is never selected or echoed",
                   hint="catch websockets.InvalidStatus and read .response.status_code and the JSON "
                        "body's reason")


def check_ticket_expiry(reason: str) -> Verdict:
    """Exercise 3: why a ticket redeemed ``ttl`` seconds after it was issued is refused."""
    return verdict("exercise 3", reason == "expired",
                   why="a ticket opens a socket only before issue time + ttl: at exactly ttl it is too late",
                   hint="TicketBook(ttl=30, monotonic=ticks.now) with ticks = Clock.frozen(0); issue, "
                        "ticks.shift(30), redeem, and read the InvalidTokenError's reason")


__all__ = ["DEFAULT_TICKET_TTL", "SUBPROTOCOL", "TicketBook", "add_websocket_routes", "bearer_from_subprotocols",
           "check_subprotocol_order", "check_ticket_expiry"]
