"""FastAPI dependencies: the idiomatic way to protect a route.

``get_current_user`` is an ``HTTPBearer(auto_error=False)`` (``BetterAuthBearer``), so the
OpenAPI schema has a bearer security scheme and ``/docs`` shows a working *Authorize* button.
With ``auto_error=False`` FastAPI does not answer by itself (its own 401/403 carries no reason
code); the credential is read by ``credentials.extract_token`` so that every failure gets its
precise reason and an RFC 6750 challenge.

Security rules: dependencies are ``async def`` (a sync dependency would run verification in the
thread pool — slower, see the baselines); authorization failures (wrong user, missing role) are
403 ``insufficient_scope``, distinct from authentication failures (401).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from .credentials import Authenticator
from .errors import InsufficientScopeError, MissingCredentialsError, Reason
from .sessions import (
    SessionValidator,
    extract_session_credential,
    verify_cookie_cache_jwt,
)
from .user import User


class BetterAuthBearer(HTTPBearer):
    """FastAPI's ``HTTPBearer`` that also verifies the token and returns the ``User``.

    A security class rather than a function depending on ``HTTPBearer``: the OpenAPI scheme (and
    the *Authorize* button) is the same, and FastAPI solves one dependency instead of two — which
    is a measurable share of an authenticated request (see benchmarks/bench_backend.py).
    """

    async def __call__(self, request: Request) -> User:  # type: ignore[override]
        # JWTAuthMiddleware may already have verified this request: do not verify twice. It puts
        # the user in scope["state"], the dict request.state wraps; reading the dict directly
        # spares every request the middleware did not see the AttributeError that
        # getattr(request.state, "user", None) raises and catches (a measurable share of /api/me).
        state = request.scope.setdefault("state", {})
        user = state.get("user")
        if isinstance(user, User):
            return user
        # The app's Authenticator, set by create_app (explicit wiring, no module-level state).
        # It re-reads the header to tell "no header" from "wrong scheme" from "empty token",
        # which HTTPBearer alone collapses into None.
        authenticator: Authenticator = request.app.state.authenticator
        state["user"] = user = await authenticator.authenticate(request)
        return user


#: The verified user of this request, or an ``AuthError`` (401/503) with its reason code.
get_current_user = BetterAuthBearer(
    auto_error=False,
    bearerFormat="JWT",
    scheme_name="HTTPBearer",
    description="A Better Auth JWT: GET /api/auth/token, or the set-auth-jwt header of get-session.",
)


#: The parameter type a route declares to get the verified user: ``user: CurrentUser``.
CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_user_match(user_id: str, user: CurrentUser) -> User:
    """The current user, only if it is the ``{user_id}`` of the path (token ``sub`` vs path)."""
    if user.id != user_id:
        raise InsufficientScopeError(Reason.USER_MISMATCH, "this token belongs to another user")
    return user


def require_role(role: str) -> Callable[..., Awaitable[User]]:
    """A dependency that lets only users having ``role`` (Better Auth admin-plugin style) through."""

    async def dependency(user: CurrentUser) -> User:
        # Exactly Better Auth's matching (User.roles): "user,admin" has admin, "user, admin" not.
        if role not in user.roles:
            why = " (the token's role claim is not a string)" if user.role is None else ""
            raise InsufficientScopeError(Reason.MISSING_ROLE, f"this needs the '{role}' role{why}")
        return user

    dependency.__name__ = f"require_role_{role}"
    return dependency


async def get_session_user(request: Request) -> User:
    """The user of a Better Auth *session* (cookie or bearer session token), checked by get-session.

    Sees sign-out at once (within the short cache), at the price of a call to Better Auth.
    """
    settings = request.app.state.settings
    validator: SessionValidator = request.app.state.session_validator
    credential = extract_session_credential(request, settings.session_cookie_names)
    return (await validator.validate(credential)).user


async def get_cookie_cache_user(request: Request) -> User:
    """The user in Better Auth's ``jwt``-strategy session cookie cache, checked with BETTER_AUTH_SECRET.

    No network call; stale for up to the cache's maxAge after sign-out. Better Auth splits a cache
    larger than one cookie into ``session_data.0``, ``.1``, ...; only the unsplit cookie is read here.
    """
    settings = request.app.state.settings
    value = next((request.cookies[n] for n in settings.cookie_cache_names if request.cookies.get(n)), None)
    if value is None:
        raise MissingCredentialsError(Reason.MISSING_TOKEN, "no better-auth.session_data cookie (is cookieCache on?)")
    payload = verify_cookie_cache_jwt(
        value,
        settings.better_auth_secret.get_secret_value(),
        clock=request.app.state.clock,
        leeway=settings.leeway_seconds,
    )
    return User.from_session_user(payload["user"])
