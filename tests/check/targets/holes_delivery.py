"""Targets with one hole each in where a token comes from and how its claims are read (see
``cases_delivery``). ``HOLES`` maps a required case id to ``(factory, settings)``, as ``holes.HOLES`` does.

``create_app`` is a careful PyJWKClient app (the one PyJWT's docs describe) with a second protected
list route and an admin route; each flag of ``Flaws`` is one mistake the blind reviews found in
apps that passed the checker, named after what it does.
"""

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

Claims = dict[str, Any]
FRONTEND = "http://localhost:5173"
REQUIRE = ["exp", "iat", "iss", "aud", "sub"]


class Item(BaseModel):
    title: str


class Exchange(BaseModel):
    token: str


@dataclass(frozen=True)
class Flaws:
    """Every flag off is the careful app. Each flag is one hole."""

    token_cookie: str | None = None  # no Authorization header: this cookie's token, decoded unverified
    token_query: str | None = None  # ... or this query parameter's (for EventSource)
    token_header: str | None = None  # ... or this header's (a gateway's X-Access-Token)
    token_route: str | None = None  # those are read on this path only (the EventSource route), else everywhere
    issuer_from_forwarded_host: bool = False  # iss and the JWKS URL come from X-Forwarded-Host
    issuer_prefix_tenants: bool = False  # an iss that starts with the issuer is a tenant: {iss}/api/auth/jwks
    role_default: str = ""  # the role when the token has none ("admin": single-tenant leftovers)
    admin_key_default: str | None = None  # the admin route also takes X-Admin-Key, defaulting to this
    role_header: str | None = None  # the role comes from this header when present ("set by the frontend")
    exchange_ignores_exp: bool = False  # the token exchange verifies without exp ("only who it is matters")
    weak_route: str | None = None  # "GET" or "POST": /api/items with that method decodes its token unverified
    fail_open: bool = False  # the JWKS cannot be fetched: the unverified claims are used
    cors_regex: str | None = None  # allow_origin_regex instead of the exact list


def create_app(flaws: Flaws = Flaws(), frontend: str = FRONTEND) -> FastAPI:
    issuer = os.environ["BETTER_AUTH_URL"].rstrip("/")
    clients: dict[str, jwt.PyJWKClient] = {}

    def unauthorized(why: str) -> HTTPException:
        return HTTPException(401, why, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def origin_of(request: Request) -> str:
        host = request.headers.get("x-forwarded-host")
        if flaws.issuer_from_forwarded_host and host:
            # BUG: "behind the proxy, the public origin is the forwarded one".
            return f"{request.headers.get('x-forwarded-proto', 'https')}://{host}"
        return issuer

    def tenant_of(token: str, origin: str) -> str:
        iss = str(unverified(token).get("iss", "")) if flaws.issuer_prefix_tenants else ""
        return iss if iss.startswith(issuer) else origin  # BUG: a prefix is not the issuer

    def verify(token: str, origin: str, *, verify_exp: bool = True) -> Claims:
        client = clients.setdefault(origin, jwt.PyJWKClient(f"{origin}/api/auth/jwks", timeout=3))
        try:
            key = client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            if flaws.fail_open:
                return jwt.decode(token, options={"verify_signature": False})  # BUG: "don't lock users out"
            raise
        return jwt.decode(token, key, algorithms=["EdDSA"], issuer=origin, audience=origin,
                          options={"require": REQUIRE, "verify_exp": verify_exp})

    def unverified(token: str) -> Claims:
        return jwt.decode(token, options={"verify_signature": False, "require": ["exp", "sub"]})

    def current_claims(request: Request) -> Claims:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                elsewhere = flaws.token_route in (None, request.url.path)
                cookie = request.cookies.get(flaws.token_cookie) if flaws.token_cookie else None
                query = request.query_params.get(flaws.token_query) if flaws.token_query else None
                header = request.headers.get(flaws.token_header) if flaws.token_header else None
                if elsewhere and (cookie or query or header):
                    return unverified(cookie or query or header)  # BUG: "our own frontend set it"
                raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
            return verify(token, tenant_of(token, origin_of(request)))
        except jwt.PyJWTError:
            raise unauthorized("Invalid token") from None

    def items_claims(request: Request) -> Claims:
        if flaws.weak_route != request.method:
            return current_claims(request)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            return unverified(token)  # BUG: "the gateway verified it already"
        except jwt.PyJWTError:
            raise unauthorized("Invalid token") from None

    ClaimsDep = Annotated[Claims, Depends(current_claims)]
    app = FastAPI()
    if flaws.cors_regex is not None:
        app.add_middleware(CORSMiddleware, allow_origin_regex=flaws.cors_regex, allow_credentials=True,
                           allow_methods=["GET"], allow_headers=["Authorization"])
    else:
        app.add_middleware(CORSMiddleware, allow_origins=[frontend], allow_credentials=True,
                           allow_methods=["GET"], allow_headers=["Authorization"])

    @app.get("/api/public")
    def public() -> dict:
        return {"public": True}

    @app.get("/api/me")
    def me(claims: ClaimsDep) -> dict:
        return {"id": claims.get("sub"), "email": claims.get("email")}

    ItemsClaims = Annotated[Claims, Depends(items_claims)]

    @app.get("/api/items")
    def items(claims: ItemsClaims) -> list:
        return [{"owner": claims.get("sub")}]

    @app.post("/api/items", status_code=201)
    def add_item(item: Item, claims: ItemsClaims) -> dict:
        return {"title": item.title, "owner": claims.get("sub")}

    @app.post("/api/session/exchange")
    def exchange(body: Exchange) -> dict:
        try:
            # BUG when flagged: an expired token still names its user, so it gets a new session.
            claims = verify(body.token, issuer, verify_exp=not flaws.exchange_ignores_exp)
        except jwt.PyJWTError:
            raise unauthorized("Invalid token") from None
        return {"session_for": claims.get("sub")}

    @app.get("/api/users/{user_id}/profile")
    def profile(user_id: str, claims: ClaimsDep) -> dict:
        if claims.get("sub") != user_id:
            raise HTTPException(403, "Not your profile")
        return {"id": user_id}

    admin_key = os.environ.get("ADMIN_API_KEY", flaws.admin_key_default or "")

    def admin_claims(request: Request) -> Claims:
        if flaws.admin_key_default is not None and "authorization" not in request.headers and \
                request.headers.get("x-admin-key") == admin_key:
            return {"role": "admin"}  # BUG: a key with a default everyone can read in the repository
        claims = current_claims(request)
        if flaws.role_header and request.headers.get(flaws.role_header):
            return {**claims, "role": request.headers[flaws.role_header]}  # BUG: whoever sends it sets it
        return claims

    @app.get("/api/admin/stats")
    def admin(claims: Annotated[Claims, Depends(admin_claims)]) -> dict:
        role = claims.get("role", flaws.role_default) if flaws.role_default else (claims.get("role") or "")
        if "admin" not in str(role).split(","):
            raise HTTPException(403, "Admins only")
        return {"ok": True}

    return app


def _hole(settings: dict[str, Any] | None = None, **flaws: Any) -> tuple[Callable[[], FastAPI], dict[str, Any]]:
    return functools.partial(create_app, Flaws(**flaws)), settings or {}


HOLES: dict[str, tuple[Callable[[], FastAPI], dict[str, Any]]] = {
    "forged-token-in-cookie": _hole(token_cookie="access_token"),
    "forged-token-in-query": _hole(token_query="token"),
    "forged-token-in-other-headers": _hole(token_header="x-access-token"),
    "issuer-from-request-headers": _hole(issuer_from_forwarded_host=True),
    "role-absent-not-admin": _hole(role_default="admin"),
    "admin-default-key": _hole(admin_key_default="dev-admin-key"),
    "role-from-request-headers": _hole(role_header="x-user-role"),
    "forged-token-in-body": _hole(exchange_ignores_exp=True),
    "every-route-verifies": _hole(weak_route="GET"),
}
