"""The embedded issuer as an ASGI app: Better Auth's routes under ``/api/auth``, teaching controls aside.

One catch-all route dispatches on (method, path) itself because Better Auth answers a wrong method
with an empty 404 (not Starlette's 405), except ``POST /get-session`` which has its own error.
A request goes through the same steps as in better-call: read the body, the router's origin
check (POST only), the bearer plugin's before-hook, the endpoint, then the after-hooks
(``set-auth-jwt`` of the jwt plugin, ``set-auth-token`` of the bearer plugin).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from playground.issuer.bodies import JSON_ONLY, read_body
from playground.issuer.config import IssuerConfig
from playground.issuer.cookies import parse_cookie_header
from playground.issuer.endpoints import BODILESS, MEDIA_TYPES, ROUTES, origin_check
from playground.issuer.errors import AuthError, EmptyError, not_found
from playground.issuer.exchange import Exchange
from playground.issuer.http import (
    BASE_PATH,
    bearer_hook,
    build_response,
    log,
    node_headers,
    request_origin,
    route_path,
    with_headers,
)
from playground.issuer.state import Issuer
from playground.issuer.teaching_routes import PREFIX as CONTROLS_PREFIX
from playground.issuer.teaching_routes import TeachingControls
from playground.issuer.teaching_routes import routes as teaching_routes


def create_app(config: IssuerConfig) -> Starlette:
    """An ASGI app serving Better Auth's email/password, jwt and bearer endpoints."""
    issuer = Issuer(config)

    async def dispatch(request: Request) -> Response:
        path = route_path(request)
        route = path[len(BASE_PATH):]
        handler = ROUTES.get((request.method, route)) if path.startswith(BASE_PATH + "/") else None
        if handler is None:
            return not_found()
        headers = node_headers(request)
        cookies = parse_cookie_header(headers.get("cookie", ""))
        own_origin = request_origin(request)
        exchange = Exchange(request=request, headers=headers, cookies=cookies,
                            origin=config.origin or own_origin, request_origin=own_origin, route=route)
        journal = issuer.store.journal()
        try:
            if request.method == "POST":
                if route not in BODILESS:
                    exchange.body = await read_body(request, MEDIA_TYPES.get(route, JSON_ONLY))
                origin_check(issuer, exchange)
            bearer_hook(issuer, headers, cookies)
            result = await handler(issuer, exchange)
            if isinstance(result, Response):
                return result
            return build_response(issuer, exchange, result)
        except EmptyError as error:
            return Response(b"", status_code=error.status, media_type="application/json")
        except AuthError as error:
            return with_headers(error.response(), exchange.response_headers, exchange.set_cookies)
        except Exception:  # never a traceback to the client, like Better Auth's 500 handler
            log.exception("issuer: unexpected error on %s %s", request.method, path)
            journal.undo()  # all or nothing: no account, no session from a request that failed
            return AuthError(500, "INTERNAL_SERVER_ERROR", "Internal Server Error").response()
        finally:
            journal.close()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(issuer.sessions.wait_seeded)  # the seeding thread still writes
        issuer.store.close()

    # Teaching controls are routed only when asked for; otherwise /__playground/... is a plain 404.
    controls = TeachingControls(issuer) if config.teaching_controls else None
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    routes = [*(teaching_routes(controls, config.controls_token) if controls else []),
              Route("/{path:path}", dispatch, methods=methods)]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(RawControlPaths)])
    app.state.issuer = issuer
    app.state.controls = controls
    return app


class RawControlPaths:
    """Routes ``/__playground/...`` on the raw path, as server.mjs matches ``req.url`` (ASGI's
    ``path`` is percent-decoded: ``/__playground/%73tate`` would reach the state control)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and raw and scope["path"].startswith(CONTROLS_PREFIX + "/"):
            scope = {**scope, "path": raw.decode("latin-1")}
        await self.app(scope, receive, send)
