"""One realistic hole per required case: the careful PyJWT app of ``apps.py`` with one flag flipped.

``HOLES`` maps each required case id (of ``cases.py`` and its families: identity, time, keys) to
``(factory, settings)``: the app, and the ``check.run`` settings it is graded with on top of
``targets_common``'s (``{}`` for most). Graded with ``only=(case id,)``, each fails that case; the
careful app (every flag off) passes them all. ``holes_routes.py`` does the same for the route and
session cases. Each flag below is a mistake found in real code, named after what it does.
"""

import asyncio
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware

from . import apps

Claims = dict[str, Any]
FRONTEND = "http://localhost:5173"


@dataclass(frozen=True)
class Flaws:
    """Every flag off is the careful app. Each flag is one hole."""

    identity_header: str | None = None  # the user comes from this header when it is present
    identity_query: str | None = None  # ... or from this query parameter
    session_data_unverified: bool = False  # no bearer token: better-auth.session_data decoded unverified
    lru_cache: bool = False  # functools.lru_cache on the verifier: a verdict outlives exp
    cache_before_claims: bool = False  # signature-checked tokens cached before the claims are checked
    leeway: int = 0  # seconds of leeway, not declared to the checker
    require_exp: bool = True
    issuer_check: str = "pyjwt"  # "pyjwt" (exact), "prefix" (startswith), "if-present", "none"
    audience_check: str = "pyjwt"  # "pyjwt", "if-present", "none"
    role_check: str = "exact"  # "exact", "substring", "none", "roles-claim"
    owner_check: str = "sub"  # "sub", "none", "email"
    optional_auth: bool = False  # no token: served as an anonymous user
    cors_regex: str | None = None  # allow_origin_regex instead of the exact list
    hs256_with_secret: bool = False  # HS256 tokens signed with BETTER_AUTH_SECRET accepted too
    cookie_cache_as_bearer: bool = False  # a session_data JWT (HS256, the secret) accepted as a bearer token
    jwks_from_iss: bool = False  # keys fetched from {iss}/api/auth/jwks (several Better Auth instances)
    jwks_lifespan: float = 300  # PyJWKClient's key-set cache lifetime
    jwks_cooldown: float = 30  # PyJWKClient's refetch cooldown on an unknown kid (0: a fetch per token)
    fail_open: bool = False  # the JWKS cannot be fetched: decode without verifying (keep users in)
    latch_outage: bool = False  # the JWKS could not be fetched once: refuse everything from then on
    header_outside_try: bool = False  # the token's header is read before the try: a malformed one is a 500


def create_app(flaws: Flaws = Flaws()) -> FastAPI:
    settings = apps.Settings()
    jwks_client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=flaws.jwks_lifespan,
                                  cooldown_duration=flaws.jwks_cooldown)
    clients: dict[str, jwt.PyJWKClient] = {}
    issuer_down = threading.Event()

    def signing_key(token: str) -> Any:
        if flaws.jwks_from_iss:
            # BUG: the token says which issuer's keys verify it.
            iss = jwt.decode(token, options={"verify_signature": False}).get("iss", settings.issuer)
            client = clients.setdefault(iss, jwt.PyJWKClient(f"{iss}/api/auth/jwks"))
            return client.get_signing_key_from_jwt(token).key
        if flaws.latch_outage and issuer_down.is_set():
            raise HTTPException(401, "Authentication unavailable")  # BUG: never retried
        try:
            return jwks_client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            if flaws.latch_outage:
                issuer_down.set()
            raise

    def verify_signature(token: str) -> Claims:
        header = jwt.get_unverified_header(token)
        if flaws.hs256_with_secret and header.get("alg") == "HS256":
            return jwt.decode(token, settings.secret, algorithms=["HS256"], options={"verify_aud": False,
                                                                                  "verify_iss": False})
        try:
            key = signing_key(token)
        except jwt.PyJWKClientConnectionError:
            if flaws.fail_open:
                return jwt.decode(token, options={"verify_signature": False})  # BUG: fails open
            raise
        return jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_aud": False, "verify_iss": False,
                                                                     "verify_exp": False, "verify_iat": False,
                                                                     "verify_nbf": False})

    def check_claims(token: str) -> Claims:
        require = [claim for claim, required in (("exp", flaws.require_exp), ("iss", flaws.issuer_check == "pyjwt"),
                                                 ("aud", flaws.audience_check == "pyjwt")) if required]
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": True, "verify_nbf": True,
                                            "verify_iat": True, "verify_iss": flaws.issuer_check == "pyjwt",
                                            "verify_aud": flaws.audience_check == "pyjwt", "require": require},
                            issuer=settings.issuer, audience=settings.issuer, leeway=flaws.leeway)
        iss = claims.get("iss")
        if flaws.issuer_check == "prefix" and not str(iss).startswith(settings.issuer):  # BUG: a prefix
            raise jwt.InvalidIssuerError("wrong issuer")
        if flaws.issuer_check == "if-present" and iss is not None and iss != settings.issuer:  # BUG: may be absent
            raise jwt.InvalidIssuerError("wrong issuer")
        aud = claims.get("aud")
        if flaws.audience_check == "if-present" and aud is not None and aud != settings.issuer:  # BUG: may be absent
            raise jwt.InvalidAudienceError("wrong audience")
        return claims

    verified: dict[str, Claims] = {}

    def verify(token: str) -> Claims:
        if flaws.cookie_cache_as_bearer:
            header = jwt.get_unverified_header(token)
            if header.get("alg") == "HS256":
                # BUG: the cookie cache is a session, not an access token.
                cache = jwt.decode(token, settings.secret, algorithms=["HS256"])
                return {"sub": cache["user"]["id"], "email": cache["user"]["email"], "role": cache["user"].get("role")}
        if flaws.cache_before_claims:
            if token not in verified:
                verified[token] = verify_signature(token)  # BUG: cached before the claims were checked
                check_claims(token)
            return verified[token]
        verify_signature(token)
        return check_claims(token)

    if flaws.lru_cache:
        verify = functools.lru_cache(maxsize=1024)(verify)  # BUG: a cached verdict never expires

    app = FastAPI()
    if flaws.cors_regex is not None:
        app.add_middleware(CORSMiddleware, allow_origin_regex=flaws.cors_regex, allow_credentials=True,
                           allow_methods=["GET"], allow_headers=["Authorization"])
    else:
        app.add_middleware(CORSMiddleware, allow_origins=[FRONTEND], allow_credentials=True,
                           allow_methods=["GET"], allow_headers=["Authorization"])

    def refused() -> HTTPException:
        return HTTPException(401, "Invalid token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    async def current_claims(request: Request) -> Claims:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        has_token = scheme.lower() == "bearer" and bool(token)
        if not has_token:
            cookie = request.cookies.get("better-auth.session_data")
            if flaws.session_data_unverified and cookie:
                # BUG: the cookie cache read without its signature.
                user = jwt.decode(cookie, options={"verify_signature": False}).get("user", {})
                return {"sub": user.get("id"), "email": user.get("email"), "role": user.get("role")}
            if flaws.optional_auth:
                return {"sub": None, "email": None, "role": None}  # BUG: anonymous is a user
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        if flaws.header_outside_try:
            jwt.get_unverified_header(token)  # BUG: a DecodeError here is a 500
        try:
            claims = await asyncio.to_thread(verify, token)
        except HTTPException:
            raise
        except Exception:
            raise refused() from None
        if flaws.identity_header and request.headers.get(flaws.identity_header):
            claims = {**claims, "sub": request.headers[flaws.identity_header]}  # BUG: the gateway "said so"
        if flaws.identity_query and request.query_params.get(flaws.identity_query):
            claims = {**claims, "sub": request.query_params[flaws.identity_query]}  # BUG: a debugging leftover
        return claims

    ClaimsDep = Annotated[Claims, Depends(current_claims)]

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.get("/api/me")
    async def me(claims: ClaimsDep) -> dict:
        return {"id": claims.get("sub"), "email": claims.get("email")}

    @app.get("/api/users/{user_id}/profile")
    async def profile(user_id: str, claims: ClaimsDep) -> dict:
        owner = {"sub": claims.get("sub"), "email": claims.get("email"), "none": user_id}[flaws.owner_check]
        if owner != user_id:
            raise HTTPException(403, "Not your profile")
        return {"id": user_id}

    @app.get("/api/admin/stats")
    async def admin(claims: ClaimsDep) -> dict:
        role = claims.get("role") or ""
        allowed = {"exact": "admin" in str(role).split(","), "substring": "admin" in str(role),
                   "none": True, "roles-claim": "admin" in (claims.get("roles") or [])}[flaws.role_check]
        if not allowed:
            raise HTTPException(403, "Admins only")
        return {"ok": True}

    return app


def _hole(settings: dict[str, Any] | None = None, **flaws: Any) -> tuple[Callable[[], FastAPI], dict[str, Any]]:
    return functools.partial(create_app, Flaws(**flaws)), settings or {}


def _weak(name: str) -> tuple[Callable[[], FastAPI], dict[str, Any]]:
    """One of ``apps.WEAK``'s naive signature checks (lesson 09's verifiers) in the careful app."""
    return functools.partial(apps.create_app, apps.WEAK[name]), {}


#: Required case id -> (app factory, extra check.run settings).
HOLES: dict[str, tuple[Callable[[], FastAPI], dict[str, Any]]] = {
    "own-profile-allowed": _hole(owner_check="email"),
    "admin-allowed-for-admin": _hole(role_check="roles-claim"),
    "no-token": _hole(optional_auth=True),
    "alg-none": _weak("alg_from_header"),
    "alg-confusion-hs256-public-key": _weak("alg_from_header"),
    "hs256-with-secret": _hole(hs256_with_secret=True),
    "weak-hmac-secret": _weak("hs256_shared_secret"),
    "tampered-payload": _weak("decode_without_verifying"),
    "stripped-signature": _weak("decode_without_verifying"),
    "unknown-kid": _weak("decode_without_verifying"),
    "attacker-key-known-kid": _weak("decode_without_verifying"),
    "other-algorithm-foreign-key": _weak("decode_without_verifying"),
    "embedded-jwk": _weak("trusts_jwk_header"),
    "jku-injection": _weak("trusts_jku_header"),
    "kid-path-traversal": _weak("kid_as_file_path"),
    "expired": _hole(leeway=120),
    "rejection-not-cached": _hole(cache_before_claims=True),
    "missing-exp": _hole(require_exp=False),
    "wrong-issuer": _hole(issuer_check="none"),
    "missing-issuer": _hole(issuer_check="if-present"),
    "wrong-audience": _hole(audience_check="none"),
    "missing-audience": _hole(audience_check="if-present"),
    "issuer-exact-match": _hole(issuer_check="prefix"),
    "cached-token-expires": _hole(lru_cache=True),
    "leeway-at-most-5-minutes": _hole({"leeway": 600}, leeway=600),
    "cookie-cache-jwt-as-bearer": _hole(cookie_cache_as_bearer=True),
    "other-users-profile": _hole(owner_check="none"),
    "forged-sub-on-profile": _weak("decode_without_verifying"),
    "non-admin-denied": _hole(role_check="none"),
    "forged-role": _weak("decode_without_verifying"),
    "role-matching-like-better-auth": _hole(role_check="substring"),
    "identity-from-gateway-headers": _hole(identity_header="x-forwarded-user"),
    "identity-from-query": _hole(identity_query="user_id"),
    "identity-from-unverified-cookies": _hole(session_data_unverified=True),
    "cors-foreign-origin-with-credentials": _hole(cors_regex=r"https?://.*localhost:5173"),
    "key-source-from-token": _hole(jwks_from_iss=True),
    "jwks-fetch-amplification": _hole(jwks_cooldown=0),
    "jwks-outage-fails-closed": _hole(jwks_lifespan=1, fail_open=True),
    "jwks-outage-recovers": _hole(jwks_lifespan=1, latch_outage=True),
    "malformed-tokens": _hole(header_outside_try=True),
    "oversized-token": _weak("decode_without_verifying"),
    "no-server-errors": _hole({"only": ("malformed-tokens", "no-server-errors")}, header_outside_try=True),
}
