"""Better Auth's endpoints under ``/api/auth``, one async function each, and the routing table.

Each endpoint does what its namesake in ``better-auth/dist/api/routes/`` does, in the same order
(schema, then the endpoint's own middlewares, then its checks), so that a body with several
faults gets the same error from both servers. ``origin_check`` is the router-level middleware
that runs before any endpoint on every POST.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from playground.issuer import origins, validation
from playground.issuer.bodies import FORM_OR_JSON
from playground.issuer.errors import AuthError, EmptyError
from playground.issuer.exchange import Exchange
from playground.issuer.sessions import INPUT_FIELDS
from playground.issuer.state import Issuer

Handler = Callable[[Issuer, Exchange], Awaitable[Any]]

#: better-call's allowedMediaTypes: the router allows JSON only, sign-in/up also accept forms.
MEDIA_TYPES = {"/sign-in/email": FORM_OR_JSON, "/sign-up/email": FORM_OR_JSON}
#: Endpoints declared with ``disableBody: true`` (``api/routes/session.mjs``): their body is never
#: read, so its content type cannot be refused.
BODILESS = {"/get-session"}


def query_of(exchange: Exchange) -> dict[str, str | list[str]]:
    """The query string as better-call builds it: one value a string, a repeated name a list."""
    params = exchange.request.query_params
    return {name: values[0] if len(values) == 1 else values
            for name in params for values in [params.getlist(name)]}


def origin_check(issuer: Issuer, exchange: Exchange) -> None:
    """``originCheckMiddleware`` (``api/middlewares/origin-check.mjs``): every POST, before its schema."""
    trusted = issuer.trusted_origins(exchange)
    origins.validate_origin(exchange.headers, trusted, force=False, request_origin=exchange.request_origin)
    origins.validate_redirect_urls(exchange.body, query_of(exchange), trusted)


def form_csrf(issuer: Issuer, exchange: Exchange) -> None:
    """``formCsrfMiddleware``: sign-in and sign-up only, after their schema."""
    origins.validate_form_csrf(
        exchange.headers, issuer.trusted_origins(exchange), request_origin=exchange.request_origin
    )


async def ok(issuer: Issuer, exchange: Exchange) -> Any:
    return {"ok": True}


async def error_page(issuer: Issuer, exchange: Exchange) -> Any:
    """Better Auth's HTML error page (where OAuth errors land); the code is shown if it is safe."""
    code = exchange.request.query_params.get("error") or "UNKNOWN"
    code = code if re.fullmatch(r"['A-Za-z0-9_-]+", code) else "UNKNOWN"
    page = f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"UTF-8\" /><title>Error</title></head>" \
           f"<body><h1>Something went wrong</h1><p>Error code: {html.escape(code)}</p></body></html>"
    return Response(page, media_type="text/html")


async def sign_up(issuer: Issuer, exchange: Exchange) -> Any:
    body = validation.check_body(exchange.body, validation.SIGN_UP, record=True)
    form_csrf(issuer, exchange)
    email, password = body["email"], body["password"]
    validation.check_password_length(password, issuer.config.min_password_length, issuer.config.max_password_length)
    # Declared additional fields are stored as sent, null included (``parseUserInput``).
    extra = {k: body[k] for k in INPUT_FIELDS if k in body}
    user = await run_in_threadpool(
        issuer.sessions.create_user, name=body["name"], email=email, password=password,
        image=body.get("image"), extra=extra,
    )
    dont_remember = body.get("rememberMe") is False
    session = issuer.sessions.create_session(user["id"], dont_remember=dont_remember, **client_of(exchange))
    issuer.set_session_cookie(exchange, {"session": session, "user": user}, dont_remember=dont_remember)
    return {"token": session["token"], "user": user}


async def sign_in(issuer: Issuer, exchange: Exchange) -> Any:
    body = validation.check_body(exchange.body, validation.SIGN_IN)
    form_csrf(issuer, exchange)
    email, password = body["email"], body["password"]
    if not validation.is_email(email):
        raise AuthError(400, "INVALID_EMAIL")
    validation.check_password_not_too_long(password, issuer.config.max_password_length)
    user = await run_in_threadpool(issuer.sessions.authenticate, email, password)
    dont_remember = body.get("rememberMe") is False
    session = issuer.sessions.create_session(user["id"], dont_remember=dont_remember, **client_of(exchange))
    issuer.set_session_cookie(exchange, {"session": session, "user": user}, dont_remember=dont_remember)
    callback = body.get("callbackURL")
    answer: dict[str, Any] = {"redirect": bool(callback), "token": session["token"]}
    if callback:
        exchange.response_headers["location"] = callback
    if callback is not None:  # JSON.stringify drops only undefined: an empty callbackURL is echoed
        answer["url"] = callback
    answer["user"] = user
    return answer


async def sign_out(issuer: Issuer, exchange: Exchange) -> Any:
    validation.check_body(exchange.body, validation.SIGN_OUT, optional=True)
    token = issuer.signed_cookie(exchange, issuer.cookies.session_token)
    if token:
        issuer.sessions.delete(token)
    issuer.delete_session_cookies(exchange)
    return {"success": True}


def session_flags(exchange: Exchange) -> dict[str, bool]:
    """``getSessionQuerySchema``: ``z.coerce.boolean()``, so any non-empty value is true ("false"
    too, and a repeated parameter: a list)."""
    query = query_of(exchange)
    return {"disable_cookie_cache": bool(query.get("disableCookieCache")),
            "disable_refresh": bool(query.get("disableRefresh"))}


async def get_session(issuer: Issuer, exchange: Exchange) -> Any:
    exchange.response_headers["cache-control"] = "no-store"
    exchange.response_headers["pragma"] = "no-cache"
    if exchange.request.method == "POST":
        raise AuthError(405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED")
    exchange.session = await issuer.current_session(exchange, **session_flags(exchange))
    return exchange.session


async def token(issuer: Issuer, exchange: Exchange) -> Any:
    # The jwt plugin's sessionMiddleware reads the session with the request's query flags too.
    session = await issuer.current_session(exchange, **session_flags(exchange))
    if session is None:
        raise AuthError(401, "UNAUTHORIZED")
    return {"token": await run_in_threadpool(issuer.signer.session_jwt, session, exchange.origin)}


async def jwks(issuer: Issuer, exchange: Exchange) -> Any:
    if issuer.config.remote_url:
        # The real plugin throws a bare APIError("NOT_FOUND"): a JSON 404 with an empty body.
        raise EmptyError(404)
    return {"keys": await run_in_threadpool(issuer.signer.jwks)}


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/ok"): ok,
    ("GET", "/error"): error_page,
    ("POST", "/sign-up/email"): sign_up,
    ("POST", "/sign-in/email"): sign_in,
    ("POST", "/sign-out"): sign_out,
    ("GET", "/get-session"): get_session,
    ("POST", "/get-session"): get_session,
    ("GET", "/token"): token,
    ("GET", "/jwks"): jwks,
}


def client_of(exchange: Exchange) -> dict[str, str]:
    """What Better Auth records about the client (it trusts no proxy header by default)."""
    return {"ip": "", "user_agent": exchange.headers.get("user-agent", "")}
