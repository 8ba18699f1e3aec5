"""Every way a request can fail authentication, as a small exception hierarchy with stable codes.

Security rule: a rejection tells the client *what kind* of problem it has (a stable ``reason``
code it can branch on) but never echoes secrets or key material. Each exception knows its own
HTTP answer, so there is exactly one place (``auth_error_response``) that turns it into a
response:

* ``MissingCredentialsError`` -> 401, ``WWW-Authenticate: Bearer`` with *no* error code
  (RFC 6750 §3.1: a request without credentials gets a bare challenge);
* ``InvalidTokenError``       -> 401, ``Bearer error="invalid_token", error_description="..."``;
* ``InsufficientScopeError``  -> 403, ``Bearer error="insufficient_scope", ...``;
* ``UpstreamUnavailableError`` -> 503 with ``Retry-After``: the credential may be fine, but Better
  Auth could not be asked (no key for it is cached, or get-session did not answer). Never a 401,
  which would make clients throw away a valid session.

The JSON body is always ``{"detail": <human text>, "reason": <code>}``. A 503 says only what any
client may know (``PUBLIC_UNAVAILABLE_DETAIL``): where Better Auth lives inside the network and
how it failed go to the server log (this module's logger), escaped to one line.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from .responses import JSONResponse

logger = logging.getLogger(__name__)

#: The whole explanation an unauthenticated client gets for a 503, besides its reason code.
PUBLIC_UNAVAILABLE_DETAIL = "authentication is temporarily unavailable"


class Reason(StrEnum):
    """The stable reason codes. Clients, tests, the doctor and the lessons all use these names."""

    # credentials not presented (401, no RFC 6750 error code)
    MISSING_TOKEN = "missing_token"
    UNSUPPORTED_SCHEME = "unsupported_scheme"
    TOKEN_IN_QUERY = "token_in_query"
    # the token itself is unacceptable (401 invalid_token)
    TOKEN_TOO_LARGE = "token_too_large"
    MALFORMED = "malformed"
    NON_CANONICAL_ENCODING = "non_canonical_encoding"
    SESSION_TOKEN_NOT_JWT = "session_token_not_jwt"
    COOKIE_CACHE_TOKEN = "cookie_cache_token"
    WRONG_TOKEN_TYPE = "wrong_token_type"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    FORBIDDEN_HEADER = "forbidden_header"
    UNSUPPORTED_CRITICAL_HEADER = "unsupported_critical_header"
    MISSING_KID = "missing_kid"
    UNKNOWN_KID = "unknown_kid"
    BAD_SIGNATURE = "bad_signature"
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIM = "invalid_claim"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ISSUED_IN_FUTURE = "issued_in_future"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    INVALID_SESSION = "invalid_session"
    # authenticated, but not allowed (403 insufficient_scope)
    USER_MISMATCH = "user_mismatch"
    MISSING_ROLE = "missing_role"
    # infrastructure (503)
    JWKS_UNAVAILABLE = "jwks_unavailable"
    SESSION_SERVICE_UNAVAILABLE = "session_service_unavailable"


class AuthError(Exception):
    """Base class: a request was refused for an authentication or authorization reason."""

    status_code = 401
    error_code: str | None = "invalid_token"

    def __init__(self, reason: Reason, description: str) -> None:
        super().__init__(description)
        self.reason = Reason(reason)
        self.description = description

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason.value!r}, {self.description!r})"


class MissingCredentialsError(AuthError):
    """No bearer credentials were presented in a way this API accepts."""

    error_code = None


class InvalidTokenError(AuthError):
    """Credentials were presented and are not acceptable: malformed, forged, expired, misaddressed."""


class InsufficientScopeError(AuthError):
    """The caller is authenticated but this user may not do this (wrong user, missing role)."""

    status_code = 403
    error_code = "insufficient_scope"


class UpstreamUnavailableError(AuthError):
    """Better Auth (its JWKS, or get-session) cannot be reached and nothing usable is cached.

    ``description`` is for the operator (the URL, the upstream error): it is logged, never sent.
    """

    status_code = 503
    error_code = None

    def __init__(self, reason: Reason, description: str, *, retry_after: int = 5) -> None:
        super().__init__(reason, description)
        self.retry_after = retry_after


def _quoted(text: str) -> str:
    # An RFC 7230 quoted-string may not contain a bare '"' or '\\'; error_description is also
    # limited to printable ASCII (RFC 6750 §3), so anything else is replaced, not escaped.
    return "".join("'" if c in '"\\' else c if " " <= c <= "~" else "?" for c in text)


def www_authenticate(error: AuthError, *, realm: str | None = None) -> str | None:
    """The ``WWW-Authenticate`` challenge for ``error`` (None for a 503: no challenge applies)."""
    if isinstance(error, UpstreamUnavailableError):
        return None
    params = [f'realm="{_quoted(realm)}"'] if realm else []
    if error.error_code is not None:
        params += [f'error="{error.error_code}"', f'error_description="{_quoted(error.description)}"']
    return "Bearer" + (" " + ", ".join(params) if params else "")


def auth_error_response(error: AuthError) -> JSONResponse:
    """The one translation of an ``AuthError`` into an HTTP response."""
    headers = {}
    detail = error.description
    challenge = www_authenticate(error)
    if challenge is not None:
        headers["WWW-Authenticate"] = challenge
    if isinstance(error, UpstreamUnavailableError):
        headers["Retry-After"] = str(error.retry_after)
        # ascii(): an upstream message may carry CR/LF or other bytes that would forge log lines.
        logger.warning("%s: %s", error.reason.value, ascii(error.description)[1:-1])
        detail = PUBLIC_UNAVAILABLE_DETAIL
    # no-store: an auth failure for one token must not be served from a cache for another.
    headers["Cache-Control"] = "no-store"
    return JSONResponse(
        {"detail": detail, "reason": error.reason.value}, status_code=error.status_code, headers=headers
    )
