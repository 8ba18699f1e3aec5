"""The HTTP face of the embedded issuer: Better Auth's routes under ``/api/auth``.

One catch-all route dispatches on (method, path) itself because Better Auth answers a wrong method
with an empty 404 (not Starlette's 405), except ``POST /get-session`` which has its own error.
A request goes through the same steps as in better-call: parse and validate the body, the bearer
plugin's before-hook, the origin check, the endpoint, then the after-hooks (``set-auth-jwt`` of the
jwt plugin, ``set-auth-token`` of the bearer plugin).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from playground.issuer import cookie_cache, origins, validation
from playground.issuer.config import IssuerConfig
from playground.issuer.controls import TeachingControls
from playground.issuer.controls import routes as control_routes
from playground.issuer.cookies import CookieNames, encode_uri_component, parse_cookie_header, sign_value, verify_signed
from playground.issuer.errors import AuthError, EmptyError, not_found
from playground.issuer.randomness import Randomness
from playground.issuer.sessions import Sessions
from playground.issuer.store import Store
from playground.issuer.tokens import Signer

BASE_PATH = "/api/auth"
#: The real Better Auth reads bodies of any size (30 MB were parsed in a test); we accept far
#: more than any client sends and answer larger ones with 413 in Better Auth's error shape.
MAX_BODY_BYTES = 16 << 20

log = logging.getLogger("playground.issuer")


@dataclass
class Exchange:
    """One request in flight and the response being built for it."""

    request: Request
    headers: dict[str, str]  # request headers, lower-case names
    cookies: dict[str, str]  # after the bearer hook: may hold a session cookie from Authorization
    origin: str  # the base URL origin (configured, or from the Host header like Better Auth)
    body: Any = validation.MISSING
    status: int = 200
    set_cookies: list[str] = field(default_factory=list)
    response_headers: dict[str, str] = field(default_factory=dict)
    session: dict[str, Any] | None = None  # the session the endpoint found or created

    def set_cookie(self, cookie: str) -> None:
        self.set_cookies.append(cookie)

    def expire_cookie(self, names: CookieNames, name: str) -> None:
        """Better Auth's ``expireCookie``: drop earlier Set-Cookies of ``name``, then expire it."""
        self.set_cookies = [c for c in self.set_cookies if c.split("=", 1)[0] != name]
        self.set_cookies.append(names.expire(name))

    def expose(self, header: str) -> None:
        exposed = [h.strip() for h in self.response_headers.get("access-control-expose-headers", "").split(",")]
        names = [h for h in exposed if h]
        if header not in names:
            names.append(header)
        self.response_headers["access-control-expose-headers"] = ", ".join(names)


Handler = Callable[["Issuer", Exchange], Awaitable[Any]]


class Issuer:
    """The state of one embedded Better Auth server and its endpoints."""

    def __init__(self, config: IssuerConfig) -> None:
        self.config = config
        self.store = Store(config.database)
        self.rng = Randomness(deterministic=config.deterministic)
        self.sessions = Sessions(config, self.store, self.rng)
        self.signer = Signer(config, self.store, self.rng)
        self.cookies = CookieNames(prefix=config.cookie_prefix, secure=config.secure_cookies)
        if config.demo_password is not None:
            self.sessions.seed_demo_users(config.demo_password)

    # -- helpers shared by the endpoints -------------------------------------------------

    def trusted_origins(self, exchange: Exchange) -> list[str]:
        return [exchange.origin, *self.config.trusted_origins]

    def set_session_cookie(self, exchange: Exchange, result: dict[str, Any], *, dont_remember: bool) -> None:
        token = result["session"]["token"]
        value = encode_uri_component(sign_value(token, self.config.secret))
        max_age = None if dont_remember else self.config.session_expires_in
        exchange.set_cookie(self.cookies.set_cookie(self.cookies.session_token, value, max_age))
        if dont_remember:
            remember = encode_uri_component(sign_value("true", self.config.secret))
            exchange.set_cookie(self.cookies.set_cookie(self.cookies.dont_remember, remember, None))
        elif self.signed_cookie(exchange, self.cookies.dont_remember):
            exchange.expire_cookie(self.cookies, self.cookies.dont_remember)
        self.set_cache_cookie(exchange, result, dont_remember=dont_remember)
        exchange.session = result

    def set_cache_cookie(self, exchange: Exchange, result: dict[str, Any], *, dont_remember: bool) -> None:
        cache = self.config.cookie_cache
        if cache is None:
            return
        max_age = None if dont_remember else cache.max_age
        value = cookie_cache.encode(self, result, max_age, exchange.origin)
        exchange.set_cookie(self.cookies.set_cookie(self.cookies.session_data, value, max_age))

    def delete_session_cookies(self, exchange: Exchange) -> None:
        for name in (self.cookies.session_token, self.cookies.session_data, self.cookies.dont_remember):
            exchange.expire_cookie(self.cookies, name)

    async def current_session(self, exchange: Exchange) -> dict[str, Any] | None:
        """``getSession``: the session of the signed cookie, refreshed when due; ``None`` if none."""
        token = self.signed_cookie(exchange, self.cookies.session_token)
        cache = self.config.cookie_cache
        if not token:
            return None
        dont_remember = self.signed_cookie(exchange, self.cookies.dont_remember) is not None
        if cache is not None:
            cached = exchange.cookies.get(self.cookies.session_data)
            if cached:
                hit = cookie_cache.decode(self, cached, exchange.origin)
                fresh = hit is not None and not self.sessions.is_expired(hit["session"])
                if fresh and hit["session"]["token"] == token:
                    return hit
                exchange.expire_cookie(self.cookies, self.cookies.session_data)
        result = await run_in_threadpool(self.sessions.find, token)
        if result is None or self.sessions.is_expired(result["session"]):
            self.delete_session_cookies(exchange)
            if result is not None:
                self.sessions.delete(token)
            return None
        if not dont_remember and self.sessions.needs_refresh(result["session"]):
            result = {**result, "session": self.sessions.refresh(result["session"])}
            self.set_session_cookie(exchange, result, dont_remember=False)
            return result
        self.set_cache_cookie(exchange, result, dont_remember=dont_remember)
        return result

    def signed_cookie(self, exchange: Exchange, name: str) -> str | None:
        value = exchange.cookies.get(name)
        return verify_signed(value, self.config.secret) if value else None


# -- endpoints ---------------------------------------------------------------------------


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
    csrf_checks(issuer, exchange, body)
    email, password = body["email"], body["password"]
    validation.check_password_length(password, issuer.config.min_password_length, issuer.config.max_password_length)
    extra = {k: v for k, v in body.items() if k in ("softwareBackground", "hardwareBackground", "interestArea")}
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
    csrf_checks(issuer, exchange, body)
    email, password = body["email"], body["password"]
    if not validation.is_email(email):
        raise AuthError(400, "INVALID_EMAIL")
    if len(password) > issuer.config.max_password_length:
        raise AuthError(400, "PASSWORD_TOO_LONG")
    user = await run_in_threadpool(issuer.sessions.authenticate, email, password)
    dont_remember = body.get("rememberMe") is False
    session = issuer.sessions.create_session(user["id"], dont_remember=dont_remember, **client_of(exchange))
    issuer.set_session_cookie(exchange, {"session": session, "user": user}, dont_remember=dont_remember)
    callback = body.get("callbackURL")
    answer: dict[str, Any] = {"redirect": bool(callback), "token": session["token"]}
    if callback:
        exchange.response_headers["location"] = callback
        answer["url"] = callback
    answer["user"] = user
    return answer


async def sign_out(issuer: Issuer, exchange: Exchange) -> Any:
    validation.check_body(exchange.body, validation.SIGN_OUT, optional=True)
    origins.validate_origin(exchange.headers, issuer.trusted_origins(exchange), force=False)
    token = issuer.signed_cookie(exchange, issuer.cookies.session_token)
    if token:
        issuer.sessions.delete(token)
    issuer.delete_session_cookies(exchange)
    return {"success": True}


async def get_session(issuer: Issuer, exchange: Exchange) -> Any:
    exchange.response_headers["cache-control"] = "no-store"
    exchange.response_headers["pragma"] = "no-cache"
    if exchange.request.method == "POST":
        raise AuthError(405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED")
    exchange.session = await issuer.current_session(exchange)
    return exchange.session


async def token(issuer: Issuer, exchange: Exchange) -> Any:
    session = await issuer.current_session(exchange)
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


def csrf_checks(issuer: Issuer, exchange: Exchange, body: dict[str, Any]) -> None:
    trusted = issuer.trusted_origins(exchange)
    origins.validate_origin(exchange.headers, trusted, force=False)
    origins.validate_callback_url(body.get("callbackURL"), trusted)
    origins.validate_form_csrf(exchange.headers, trusted)


def client_of(exchange: Exchange) -> dict[str, str]:
    """What Better Auth records about the client (it trusts no proxy header by default)."""
    return {"ip": "", "user_agent": exchange.headers.get("user-agent", "")}


# -- plumbing ----------------------------------------------------------------------------


JSON_ONLY = ("application/json",)
FORM_OR_JSON = ("application/x-www-form-urlencoded", "application/json")
#: better-call's allowedMediaTypes: the router allows JSON only, sign-in/up also accept forms.
MEDIA_TYPES = {"/sign-in/email": FORM_OR_JSON, "/sign-up/email": FORM_OR_JSON}
JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]*\+)?json", re.IGNORECASE)


async def read_body(request: Request, allowed: tuple[str, ...]) -> Any:
    """The body as better-call's ``getBody`` sees it: JSON, a form, or absent (``MISSING``)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise AuthError(413, "PAYLOAD_TOO_LARGE", "Request body too large")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise AuthError(413, "PAYLOAD_TOO_LARGE", "Request body too large")
    if not raw:
        return validation.MISSING
    content_type = request.headers.get("content-type", "")
    if not content_type:
        return validation.MISSING  # Better Auth's Node adapter passes no body without a type
    if content_type.split(";")[0].strip().lower() not in allowed:
        listed = ", ".join(allowed)
        message = f'Content-Type "{content_type}" is not allowed. Allowed types: {listed}'
        raise AuthError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    if JSON_TYPE.match(content_type):
        try:
            return validation.parse_json(bytes(raw))
        except (ValueError, UnicodeDecodeError):
            raise AuthError(400, "BAD_REQUEST") from None
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def bearer_hook(issuer: Issuer, headers: dict[str, str], cookies: dict[str, str]) -> None:
    """bearer(): ``Authorization: Bearer X`` becomes the session cookie if X checks out.

    A dotted X must be ``token.signature`` with a valid HMAC; a bare X is signed here unless
    ``requireSignature``. Anything else is silently ignored (the request stays anonymous).
    """
    auth = headers.get("authorization", "")
    if auth[:7].lower() != "bearer ":
        return
    value = auth[7:].strip()
    if not value:
        return
    if "." in value:
        signed = parse_cookie_header(f"x={value}")["x"] if "%" in value else value
    elif issuer.config.require_signature:
        return
    else:
        signed = sign_value(value, issuer.config.secret)
    if verify_signed(signed, issuer.config.secret) is not None:
        cookies[issuer.cookies.session_token] = signed


def request_origin(request: Request) -> str:
    """Without a configured base URL, Better Auth takes the origin from the request (Host header)."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def build_response(issuer: Issuer, exchange: Exchange, result: Any) -> Response:
    headers = dict(exchange.response_headers)
    if exchange.session is not None and exchange.request.url.path == BASE_PATH + "/get-session":
        # jwt plugin after-hook: the session's JWT rides along on every successful get-session.
        if not issuer.config.disable_setting_jwt_header:
            headers["set-auth-jwt"] = issuer.signer.session_jwt(exchange.session, exchange.origin)
            exchange.expose("set-auth-jwt")
    for cookie in exchange.set_cookies:
        name, _, rest = cookie.partition("=")
        value = rest.split(";", 1)[0]
        if name == issuer.cookies.session_token and value and "; Max-Age=0;" not in cookie:
            # bearer after-hook: hand the signed token to clients that cannot read cookies.
            headers["set-auth-token"] = parse_cookie_header(f"x={value}")["x"]
            exchange.expose("set-auth-token")
    headers.update({k: v for k, v in exchange.response_headers.items() if k == "access-control-expose-headers"})
    body = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    response = Response(body, status_code=exchange.status, media_type="application/json")
    for name in sorted(headers):
        response.headers[name] = headers[name]
    for cookie in exchange.set_cookies:
        response.headers.append("set-cookie", cookie)
    return response


def create_app(config: IssuerConfig) -> Starlette:
    """An ASGI app serving Better Auth's email/password, jwt and bearer endpoints."""
    issuer = Issuer(config)

    async def dispatch(request: Request) -> Response:
        path = request.url.path
        handler = ROUTES.get((request.method, path[len(BASE_PATH):])) if path.startswith(BASE_PATH + "/") else None
        if handler is None:
            return not_found()
        headers = {k.lower(): v for k, v in request.headers.items()}
        cookies = parse_cookie_header(headers.get("cookie", ""))
        origin = config.origin or request_origin(request)
        exchange = Exchange(request=request, headers=headers, cookies=cookies, origin=origin)
        try:
            if request.method == "POST":
                exchange.body = await read_body(request, MEDIA_TYPES.get(path[len(BASE_PATH):], JSON_ONLY))
            bearer_hook(issuer, headers, cookies)
            result = await handler(issuer, exchange)
            if isinstance(result, Response):
                return result
            return build_response(issuer, exchange, result)
        except EmptyError as error:
            return Response(b"", status_code=error.status, media_type="application/json")
        except AuthError as error:
            response = error.response()
            for name in sorted(exchange.response_headers):
                response.headers[name] = exchange.response_headers[name]
            for cookie in exchange.set_cookies:
                response.headers.append("set-cookie", cookie)
            return response
        except Exception:  # never a traceback to the client, like Better Auth's 500 handler
            log.exception("issuer: unexpected error on %s %s", request.method, path)
            return AuthError(500, "INTERNAL_SERVER_ERROR", "Internal Server Error").response()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(issuer.sessions.wait_seeded)  # the seeding thread still writes
        issuer.store.close()

    # Teaching controls are routed only when asked for; otherwise /__playground/... is a plain 404.
    controls = TeachingControls(issuer) if config.teaching_controls else None
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    routes = [*(control_routes(controls) if controls else []), Route("/{path:path}", dispatch, methods=methods)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.issuer = issuer
    app.state.controls = controls
    return app
