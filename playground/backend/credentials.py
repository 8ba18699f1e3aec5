"""Finding the credential in a request, and turning it into a ``User``.

Precedence (documented, and the same in the dependency and the middleware):

1. ``Authorization: Bearer <jwt>`` — the way Better Auth's JWT is meant to travel to an API.
   A present header always wins; if it is malformed the request fails, it never falls back.
2. The cookie named by ``BACKEND_JWT_COOKIE_NAME``, only if configured (off by default): a cookie
   is sent by the browser automatically, so an API that reads one must also defend against CSRF.
3. Nothing else. A token in the query string (``?access_token=``) is refused with its own reason:
   URLs end up in logs, browser history and Referer headers (RFC 6750 §5.3).

Security rule: the presence of credentials in a place we do not read is reported, never silently
accepted nor silently ignored.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from .errors import MissingCredentialsError, Reason
from .user import User
from .verify import TokenVerifier

QUERY_TOKEN_PARAMS = ("access_token", "token", "jwt")


def bearer_credentials(connection: HTTPConnection) -> str | None:
    """The credentials of an ``Authorization: Bearer`` header; None when there is no header.

    Raises ``MissingCredentialsError`` for another scheme or empty credentials: a header that is
    present but unusable is reported, not skipped in favour of a cookie.
    """
    authorization = connection.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise MissingCredentialsError(
            Reason.UNSUPPORTED_SCHEME, "this API accepts only 'Authorization: Bearer <token>'"
        )
    credentials = credentials.strip()
    if not credentials:
        raise MissingCredentialsError(Reason.MISSING_TOKEN, "the Bearer credentials are empty")
    return credentials


def extract_token(connection: HTTPConnection, *, jwt_cookie_name: str | None = None) -> str:
    """The bearer token of a request, following the precedence above. Raises ``MissingCredentialsError``."""
    token = bearer_credentials(connection)
    if token is not None:
        return token
    if jwt_cookie_name is not None:
        token = connection.cookies.get(jwt_cookie_name)
        if token:
            return token
    if any(name in connection.query_params for name in QUERY_TOKEN_PARAMS):
        raise MissingCredentialsError(
            Reason.TOKEN_IN_QUERY,
            "tokens in the URL are refused (they leak into logs); send 'Authorization: Bearer <token>'",
        )
    raise MissingCredentialsError(Reason.MISSING_TOKEN, "send 'Authorization: Bearer <token>'")


class Authenticator:
    """Everything needed to authenticate a request with a Better Auth JWT, wired once per app."""

    def __init__(self, verifier: TokenVerifier, *, jwt_cookie_name: str | None = None) -> None:
        self.verifier = verifier
        self.jwt_cookie_name = jwt_cookie_name

    async def authenticate(self, connection: HTTPConnection) -> User:
        token = extract_token(connection, jwt_cookie_name=self.jwt_cookie_name)
        return (await self.verifier.verify(token)).user
