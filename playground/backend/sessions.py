"""The other Better Auth credentials: the session token and the session cookie cache.

Three ways to trust a Better Auth *session* instead of its JWT, each with its trade-off:

1. ``SessionValidator`` — ask Better Auth: ``GET /api/auth/get-session`` with the session cookie
   (or ``Authorization: Bearer`` with the bearer plugin). The only path that sees sign-out and
   revocation at once. Cost: one HTTP round trip per request (~7x slower than a local JWT check in
   the benchmarks, hence a short success-only cache), and Better Auth becomes a runtime dependency:
   when it is down, requests get 503 ``session_service_unavailable``, not 401.
2. ``verify_session_cookie`` — check the cookie's HMAC with ``BETTER_AUTH_SECRET``. Proves only
   that Better Auth issued this token once, not that the session still exists: use it to reject
   forged cookies cheaply *before* calling get-session, never instead of it.
3. ``verify_cookie_cache_jwt`` — read the ``session_data`` cookie of
   ``session.cookieCache.strategy = "jwt"`` (HS256 with the raw secret). No network, but stale for
   up to its ``maxAge`` (5 min) after sign-out, and anyone holding the secret can mint sessions:
   sharing ``BETTER_AUTH_SECRET`` with an API widens its blast radius.

Credential precedence for the session paths: ``Authorization: Bearer <session token>`` (what the
bearer plugin's ``set-auth-token`` gives a non-browser client), then the session cookie
(``better-auth.session_token``, or its ``__Secure-`` form over https).

Security rules shared with the access token: every time value (``exp``, ``iat``, ``nbf``, a
session's ``expiresAt``) is read by ``timestamps`` — any other shape or size is ``invalid_claim``,
a past one ``expired``, never a crash; base64 is accepted only in its one canonical spelling;
get-session's answer is read with a byte cap and one deadline (``upstream``). A credential is
forwarded to get-session only if every character is a cookie-octet (RFC 6265 §4.1.1: visible
ASCII but ``"``, ``,``, ``;`` and ``\\``): a byte httpx cannot put in a header, or a CR/LF that
Starlette unescaped from a quoted cookie, is the client's mistake (401 ``malformed``), not an
outage (503) and not a crash (500).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx
from starlette.requests import HTTPConnection

from .clock import Clock, SystemClock
from .credentials import bearer_credentials
from .errors import (
    InvalidTokenError,
    MissingCredentialsError,
    Reason,
    UpstreamUnavailableError,
)
from .settings import BackendSettings
from .timestamps import iso_instant, numeric_date
from .upstream import UpstreamError, get_bounded, tls_context
from .user import User
from .verify import decode_unverified

#: get-session's answer is a session and a user (whose ``image`` may be a data: URL); more than
#: this is not one.
MAX_SESSION_BYTES = 1024 * 1024

# RFC 6265 cookie-octet: what a session token (alphanumerics, "." and the percent-encoded
# base64 signature) is made of, and what can travel in a Cookie or Authorization header unchanged.
_COOKIE_OCTETS = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+")


@dataclass(frozen=True)
class SessionCredential:
    """A session credential as it arrived: in the Authorization header, or in cookie ``cookie_name``."""

    value: str
    cookie_name: str | None = None


@dataclass(frozen=True)
class Session:
    user: User
    session: dict[str, Any]


def extract_session_credential(connection: HTTPConnection, cookie_names: tuple[str, ...]) -> SessionCredential:
    """The session credential, header first, then cookie. Raises ``MissingCredentialsError``."""
    value = bearer_credentials(connection)
    if value is not None:
        return SessionCredential(value)
    for name in cookie_names:
        value = connection.cookies.get(name)
        if value:
            return SessionCredential(value, cookie_name=name)
    raise MissingCredentialsError(
        Reason.MISSING_TOKEN, "send the Better Auth session cookie or 'Authorization: Bearer <session token>'"
    )


def sign_session_token(token: str, secret: str) -> str:
    """Better Auth's signed cookie value: ``token + "." + base64(HMAC-SHA256(secret, token))``."""
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return f"{token}.{base64.b64encode(digest).decode()}"


def split_session_cookie(value: str) -> tuple[str, str]:
    """The token and signature of a signed cookie value, the signature in its one canonical spelling.

    Raises ``InvalidTokenError`` (``malformed``, ``non_canonical_encoding``). The value may still
    be percent-encoded (Starlette does not decode cookie values). A signature with other unused
    bits, or without its padding, would be a second string for the same session (and a second
    entry in every cache keyed by it); it is refused whether or not the secret is known here.
    """
    token, dot, signature = unquote(value).rpartition(".")
    if not dot or not token:
        raise InvalidTokenError(Reason.MALFORMED, "a signed session cookie is '<token>.<signature>'")
    try:
        # Padding restored first: an unpadded signature is a respelling, not a different one.
        digest = base64.b64decode(signature + "=" * (-len(signature) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidTokenError(Reason.MALFORMED, "the session cookie's signature is not base64") from None
    if base64.b64encode(digest).decode() != signature:
        raise InvalidTokenError(
            Reason.NON_CANONICAL_ENCODING,
            "the session cookie's signature is non-canonical base64 (unused bits set, or padding missing)",
        )
    return token, signature


def verify_session_cookie(value: str, secret: str) -> str:
    """The session token inside a signed cookie value, if its HMAC matches ``secret``.

    Raises ``InvalidTokenError`` (``malformed``, ``non_canonical_encoding``, ``bad_signature``).
    Constant-time comparison: no timing oracle on the signature.
    """
    token, signature = split_session_cookie(value)
    if not hmac.compare_digest(sign_session_token(token, secret).encode(), f"{token}.{signature}".encode()):
        raise InvalidTokenError(
            Reason.BAD_SIGNATURE, "the session cookie's signature does not match BETTER_AUTH_SECRET"
        )
    return token


def verify_cookie_cache_jwt(value: str, secret: str, *, clock: Clock, leeway: float = 0.0) -> dict[str, Any]:
    """The payload (``session``, ``user``, ...) of a ``jwt``-strategy cookie cache, checked with the secret.

    Security rule: HS256 only (that is what Better Auth signs this cookie with,
    ``better-auth/dist/crypto/jwt.mjs`` ``signJWT``), parsed as strictly as an access token
    (``verify.decode_unverified``: canonical base64url, unique JSON names, no NaN/Infinity),
    ``exp`` checked against the injected clock, and the embedded session's own ``expiresAt``
    honoured too. Time values of any other shape are ``invalid_claim``.
    """
    decoded = decode_unverified(unquote(value))
    if decoded.header.get("alg") != "HS256":
        raise InvalidTokenError(
            Reason.UNSUPPORTED_ALGORITHM, "the cookie cache must be HS256 (Better Auth's jwt strategy)"
        )
    expected = hmac.new(secret.encode(), decoded.signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, decoded.signature):
        raise InvalidTokenError(Reason.BAD_SIGNATURE, "the cookie cache was not signed with BETTER_AUTH_SECRET")
    payload = decoded.claims
    if "exp" not in payload:
        raise InvalidTokenError(Reason.MISSING_CLAIM, "the cookie cache has no 'exp' claim")
    for name in ("exp", "iat", "nbf"):
        if name in payload and numeric_date(payload[name]) is None:
            raise InvalidTokenError(Reason.INVALID_CLAIM, f"the cookie cache's '{name}' is not a NumericDate")
    now = clock.now()
    if now >= payload["exp"] + leeway:
        raise InvalidTokenError(Reason.EXPIRED, "the cookie cache has expired")
    if payload.get("nbf", now) > now + leeway:
        raise InvalidTokenError(Reason.NOT_YET_VALID, "the cookie cache is not valid yet")
    if not _is_session(payload):
        raise InvalidTokenError(Reason.INVALID_SESSION, "the cookie cache has no session and user")
    _check_session_expiry(payload["session"], now, leeway, source="the session in the cookie cache")
    return payload


class SessionValidator:
    """Validates a session credential by asking Better Auth's ``get-session``, with a short cache."""

    def __init__(
        self,
        get_session_url: str,
        *,
        timeout: float = 3.0,
        cache_ttl: float = 10.0,
        cache_size: int = 10_000,
        secret: str | None = None,
        clock: Clock | None = None,
        leeway: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.get_session_url = get_session_url
        self._timeout = timeout
        self._cache_ttl = cache_ttl
        self._cache_size = cache_size
        self._secret = secret
        self._clock = clock or SystemClock()
        self._leeway = leeway
        self._monotonic = monotonic
        self._cache: OrderedDict[SessionCredential, tuple[float, Session]] = OrderedDict()
        self._client: httpx.AsyncClient | None = None
        #: Number of get-session calls made (tests and lessons assert on it).
        self.calls = 0

    @classmethod
    def from_settings(cls, settings: BackendSettings, clock: Clock | None = None) -> SessionValidator:
        secret = settings.better_auth_secret
        return cls(
            settings.get_session_url,
            timeout=settings.http_timeout,
            cache_ttl=settings.session_cache_ttl,
            secret=secret.get_secret_value() if secret is not None else None,
            clock=clock,
            leeway=settings.leeway_seconds,
        )

    async def validate(self, credential: SessionCredential) -> Session:
        hit = self._cache.get(credential)
        if hit is not None and self._monotonic() < hit[0]:
            return hit[1]
        self._cache.pop(credential, None)
        if not _COOKIE_OCTETS.fullmatch(credential.value):
            raise InvalidTokenError(
                Reason.MALFORMED,
                "the session credential holds a character that cannot be forwarded to Better Auth "
                "(only RFC 6265 cookie-octets: visible ASCII except double quote, comma, semicolon, backslash)",
            )
        if _looks_like_jwt(credential.value):
            # Better Auth would silently answer null; saying what was sent is the useful answer.
            raise InvalidTokenError(
                Reason.WRONG_TOKEN_TYPE,
                "this is a JWT (an access token), not a Better Auth session token: send the JWT to a "
                "route that verifies JWTs (e.g. /api/me), and the session token or cookie here",
            )
        if "." in credential.value:
            # Refused without a call: a respelled signature always, a forged one when we hold the secret.
            if self._secret is None:
                split_session_cookie(credential.value)
            else:
                verify_session_cookie(credential.value, self._secret)
        body = await self._get_session(credential)
        if not _is_session(body):
            raise InvalidTokenError(
                Reason.INVALID_SESSION, "Better Auth does not know this session (signed out or expired)"
            )
        now = self._clock.now()
        expires_at = _check_session_expiry(body["session"], now, self._leeway, source="get-session's session")
        session = Session(user=User.from_session_user(body["user"]), session=body["session"])
        # Successes only, for a short TTL (revocation is seen within it), and never past the
        # session's own expiresAt.
        lifetime = min(self._cache_ttl, expires_at - now)
        if lifetime > 0:
            self._cache[credential] = (self._monotonic() + lifetime, session)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return session

    async def _get_session(self, credential: SessionCredential) -> Any:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, verify=tls_context())
        if credential.cookie_name is None:
            headers = {"Authorization": f"Bearer {credential.value}"}
        else:
            headers = {"Cookie": f"{credential.cookie_name}={credential.value}"}
        self.calls += 1
        try:
            status, body = await get_bounded(
                self._client, self.get_session_url, headers=headers, max_bytes=MAX_SESSION_BYTES, deadline=self._timeout
            )
        except UpstreamError as exc:
            raise UpstreamUnavailableError(
                Reason.SESSION_SERVICE_UNAVAILABLE, f"Better Auth's get-session did not answer usably ({exc})"
            ) from None
        if status != 200:
            raise UpstreamUnavailableError(
                Reason.SESSION_SERVICE_UNAVAILABLE, f"Better Auth's get-session answered HTTP {status}"
            )
        try:
            return json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise UpstreamUnavailableError(
                Reason.SESSION_SERVICE_UNAVAILABLE, "get-session did not return JSON"
            ) from None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _looks_like_jwt(value: str) -> bool:
    # A compact JWS starts with a base64url JSON object ("{" encodes to "ey"); a session token
    # is 32 alphanumerics with at most one dot.
    return value.count(".") == 2 and value.startswith("ey")


def _is_session(body: Any) -> bool:
    """get-session's answer for a live session: ``{"session": {...}, "user": {"id": ..., ...}}`` (else ``null``)."""
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("session"), dict)
        or not isinstance(body.get("user"), dict)
    ):
        return False
    user_id = body["user"].get("id")
    return isinstance(user_id, str) and bool(user_id)


def _check_session_expiry(session: dict[str, Any], now: float, leeway: float, *, source: str) -> float:
    """The session's ``expiresAt`` (ISO 8601, as Better Auth serialises it) in epoch seconds;
    ``InvalidTokenError`` when it is missing, unreadable or past."""
    expires_at = iso_instant(session.get("expiresAt"))
    if expires_at is None:
        raise InvalidTokenError(
            Reason.INVALID_CLAIM, f"{source} has no expiresAt that is an ISO 8601 date between 1970 and 9999"
        )
    if now >= expires_at + leeway:
        raise InvalidTokenError(Reason.EXPIRED, f"{source} has expired")
    return expires_at
