"""The FastAPI backend a learner copies to production: verifies Better Auth JWTs over HTTP.

Read it top to bottom: ``settings`` (what is trusted), ``keys`` (where keys come from),
``verify`` (every check), ``errors`` (how failures answer), ``credentials`` / ``dependencies`` /
``middleware`` (the FastAPI surface), ``sessions`` (the other credentials), ``app`` (the routes).
"""

from .app import create_app
from .dependencies import get_current_user, require_role, require_user_match
from .errors import (
    AuthError,
    InsufficientScopeError,
    InvalidTokenError,
    KeySourceUnavailableError,
    MissingCredentialsError,
    Reason,
)
from .keys import JWKSKeySource
from .middleware import JWTAuthMiddleware
from .settings import BackendSettings
from .user import User
from .verify import TokenVerifier, VerifiedToken

__all__ = [
    "AuthError",
    "BackendSettings",
    "InsufficientScopeError",
    "InvalidTokenError",
    "JWKSKeySource",
    "JWTAuthMiddleware",
    "KeySourceUnavailableError",
    "MissingCredentialsError",
    "Reason",
    "TokenVerifier",
    "User",
    "VerifiedToken",
    "create_app",
    "get_current_user",
    "require_role",
    "require_user_match",
]
