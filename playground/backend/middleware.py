"""``JWTAuthMiddleware``: authenticate every request in one place, as a plain ASGI wrapper.

The alternative to per-route dependencies when (almost) every route needs a user. Requests to
``public_paths`` (exact paths) or under ``public_prefixes`` pass through untouched; every other
HTTP request must carry a valid token, or gets the same 401/503 answer the dependency would give.
The verified ``User`` is put on ``request.state.user`` (ASGI ``scope["state"]``), where
``get_current_user`` finds it instead of verifying again.

Security rule: the allow-list is of *public* routes — a route someone forgets to list is
protected, not exposed; WebSocket handshakes are authenticated too. Only a real CORS preflight —
``OPTIONS`` with both ``Origin`` and ``Access-Control-Request-Method`` (the Fetch standard's
definition) — passes through: it carries no credentials by design, and the CORS middleware outside
answers it. Any other ``OPTIONS`` request reaches the app, so it is authenticated like any request.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from .credentials import Authenticator
from .errors import AuthError, auth_error_response


def is_cors_preflight(scope: Scope) -> bool:
    """``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``: what a browser sends
    before a cross-origin request, and the only request allowed through without credentials."""
    if scope["type"] != "http" or scope["method"] != "OPTIONS":
        return False
    names = {name for name, _ in scope["headers"]}
    return b"origin" in names and b"access-control-request-method" in names


class JWTAuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        public_paths: Iterable[str] = (),
        public_prefixes: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.public_paths = frozenset(public_paths)
        self.public_prefixes = tuple(public_prefixes)

    def is_public(self, path: str) -> bool:
        return path in self.public_paths or path.startswith(self.public_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] not in ("http", "websocket")  # lifespan
            or is_cors_preflight(scope)
            or self.is_public(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        try:
            user = await self.authenticator.authenticate(HTTPConnection(scope))
        except AuthError as error:
            if scope["type"] == "websocket":
                # A WebSocket handshake cannot carry a 401 body: refuse it (1008 policy violation).
                await send({"type": "websocket.close", "code": 1008, "reason": error.reason.value})
            else:
                await auth_error_response(error)(scope, receive, send)
            return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)
