"""The FastAPI backend a learner copies to production: verifies Better Auth JWTs over HTTP.

Read it top to bottom: ``settings`` (what is trusted), ``keys`` (where keys come from, through
``upstream``'s bounded reads), ``verify`` (every check; time values through ``timestamps``),
``token_cache`` (skipping repeated checks safely), ``user`` (what comes out), ``errors`` (how
failures answer), ``credentials`` / ``dependencies`` / ``middleware`` (the FastAPI surface),
``sessions`` (the other credentials), ``app`` (the routes). ``clock`` is the one thing it takes
from outside: anything with ``now()``.

It imports nothing outside this package except its declared libraries (FastAPI, PyJWT with
cryptography, httpx, pydantic-settings), so it can be copied out as it is
(``python -m playground export-backend DIR``).
"""

from .app import create_app
from .clock import Clock, SystemClock
from .dependencies import (
    BetterAuthBearer,
    CurrentUser,
    get_cookie_cache_user,
    get_current_user,
    get_session_user,
    require_role,
    require_user_match,
)
from .errors import (
    AuthError,
    InsufficientScopeError,
    InvalidTokenError,
    MissingCredentialsError,
    Reason,
    UpstreamUnavailableError,
)
from .keys import JWKSKeySource
from .middleware import JWTAuthMiddleware
from .sessions import SessionValidator
from .settings import BackendSettings
from .user import User
from .verify import TokenVerifier, VerifiedToken

__all__ = [
    "AuthError",
    "BackendSettings",
    "BetterAuthBearer",
    "Clock",
    "CurrentUser",
    "InsufficientScopeError",
    "InvalidTokenError",
    "JWKSKeySource",
    "JWTAuthMiddleware",
    "MissingCredentialsError",
    "Reason",
    "SessionValidator",
    "SystemClock",
    "TokenVerifier",
    "UpstreamUnavailableError",
    "User",
    "VerifiedToken",
    "create_app",
    "get_cookie_cache_user",
    "get_current_user",
    "get_session_user",
    "require_role",
    "require_user_match",
]
