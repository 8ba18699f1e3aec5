"""The FastAPI app: routes for the lessons and tests, wired explicitly from ``BackendSettings``.

``create_app(settings, clock=None)`` builds everything the app needs — key source, verifier,
token cache, session validator — and nothing is global, so two apps with different settings can
run side by side in one notebook. The app knows Better Auth only by URL (``settings``); it never
imports the issuer.

CORS is the *outermost* layer (``BackendApp.build_middleware_stack``), outside Starlette's
``ServerErrorMiddleware``: a 500 then still carries ``Access-Control-Allow-Origin``, so the
browser shows the real error instead of a misleading CORS failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from pydantic import ValidationError
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from .clock import Clock, SystemClock
from .credentials import Authenticator
from .dependencies import (
    CurrentUser,
    get_cookie_cache_user,
    get_session_user,
    require_role,
    require_user_match,
)
from .errors import AuthError, auth_error_response
from .keys import JWKSKeySource
from .middleware import JWTAuthMiddleware
from .responses import JSONResponse
from .sessions import SessionValidator
from .settings import BackendSettings
from .user import User
from .verify import TokenVerifier

#: Paths JWTAuthMiddleware lets through without a JWT: the public ones, and the session routes,
#: which authenticate with a session credential instead (their own dependencies enforce it).
PUBLIC_PATHS = (
    "/api/public",
    "/api/session/me",
    "/api/session/cached",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
)

#: What /api/personalized suggests, by the user's interestArea (custom Better Auth field).
_SUGGESTIONS = {
    "Robotics": "Start with ROS 2 and a simulated arm before touching hardware.",
    "AI": "Train a small model end to end before reaching for a large one.",
}


class BackendApp(FastAPI):
    """FastAPI with CORS wrapped around everything, including the 500 handler."""

    def __init__(self, *, cors_options: dict[str, Any], **kwargs: Any) -> None:
        self._cors_options = cors_options
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        return CORSMiddleware(super().build_middleware_stack(), **self._cors_options)


def cors_options(settings: BackendSettings) -> dict[str, Any]:
    return dict(
        allow_origins=settings.cors_origins,  # explicit list; "*" is refused by the settings
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        # Authorization is not CORS-safelisted and "*" does not cover it: it must be named.
        allow_headers=["Authorization", "Content-Type"],
        # Let browser code read Better Auth's JWT header and our RFC 6750 challenge.
        expose_headers=["set-auth-jwt", "WWW-Authenticate"],
        max_age=settings.cors_max_age,
    )


def create_app(
    settings: BackendSettings, clock: Clock | None = None, *, auth_middleware: bool = False
) -> FastAPI:
    """The backend app. ``auth_middleware=True`` authenticates every non-public route with
    ``JWTAuthMiddleware`` (the dependencies then reuse its result)."""
    clock = clock or SystemClock()
    key_source = JWKSKeySource.from_settings(settings)
    verifier = TokenVerifier.from_settings(settings, key_source, clock)
    authenticator = Authenticator(verifier, jwt_cookie_name=settings.jwt_cookie_name)
    session_validator = SessionValidator.from_settings(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await key_source.aclose()
        await session_validator.aclose()

    app = BackendApp(
        cors_options=cors_options(settings),
        title="Better Auth -> FastAPI backend",
        description="Verifies Better Auth JWTs with the issuer's JWKS.",
        lifespan=lifespan,
        # Writes any string Better Auth signed, lone surrogates included (responses.py).
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.key_source = key_source
    app.state.verifier = verifier
    app.state.authenticator = authenticator
    app.state.session_validator = session_validator

    @app.exception_handler(AuthError)
    async def _auth_error(request: Request, error: AuthError) -> JSONResponse:
        return auth_error_response(error)

    if auth_middleware:
        app.add_middleware(JWTAuthMiddleware, authenticator=authenticator, public_paths=PUBLIC_PATHS)

    @app.get("/api/public")
    async def public() -> dict[str, Any]:
        """No authentication: the baseline every protected route is compared with."""
        return {"message": "Anyone can read this.", "authenticated": False}

    @app.get("/api/me", response_model=User)
    async def me(user: CurrentUser) -> User:
        """The user described by the verified token."""
        return user

    @app.get("/api/users/{user_id}/profile")
    async def profile(user_id: str, user: Annotated[User, Depends(require_user_match)]) -> dict[str, Any]:
        """Only the user themself: the token's sub must equal {user_id} (else 403)."""
        return {"id": user.id, "name": user.name, "email": user.email, "role": user.role}

    @app.get("/api/admin/stats")
    async def admin_stats(user: Annotated[User, Depends(require_role("admin"))]) -> dict[str, Any]:
        """Only users with the admin role (else 403)."""
        return {
            "jwks_fetches": key_source.fetch_count,
            "known_kids": sorted(key_source.keys),
            "cached_tokens": len(verifier.cache) if verifier.cache is not None else 0,
        }

    @app.get("/api/personalized")
    async def personalized(user: CurrentUser) -> dict[str, Any]:
        """Uses Better Auth additionalFields carried in the token (defaults when absent)."""
        return {
            "greeting": f"Hello, {user.name or 'there'}!",
            "softwareBackground": user.software_background,
            "hardwareBackground": user.hardware_background,
            "interestArea": user.interest_area,
            "suggestion": _SUGGESTIONS.get(user.interest_area, "Pick a small project and ship it."),
            "level": "advanced" if user.software_background == "Advanced" else "guided",
        }

    @app.get("/api/session/me", response_model=User)
    async def session_me(user: Annotated[User, Depends(get_session_user)]) -> User:
        """The user of a Better Auth session, validated by calling get-session (see sessions.py)."""
        return user

    if settings.better_auth_secret is not None:
        # Only with the secret configured: without it this path cannot work, and a route that
        # always fails would teach nothing.
        @app.get("/api/session/cached", response_model=User)
        async def session_cached(user: Annotated[User, Depends(get_cookie_cache_user)]) -> User:
            """The user in the jwt-strategy cookie cache, checked with BETTER_AUTH_SECRET."""
            return user

    return app


def create_app_from_env() -> FastAPI:
    """``create_app`` configured from the environment only — for ``uvicorn --factory``:

        BETTER_AUTH_URL=http://127.0.0.1:3000 uvicorn --factory playground.backend.app:create_app_from_env

    A setting missing or wrong ends the process with one line naming the variable, not with
    pydantic's traceback (uvicorn prints one for any exception a factory raises).
    """
    try:
        settings = BackendSettings()
    except ValidationError as error:
        raise SystemExit(f"error: backend settings: {_environment_problems(error)}") from None
    return create_app(settings)


def _environment_problems(error: ValidationError) -> str:
    """pydantic's errors as one line, each under the environment variable it came from."""
    problems = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]).upper() if item["loc"] else ""
        name = field if field.startswith("BETTER_AUTH_") else f"BACKEND_{field}"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            problems.append(f"{name} is not set")
        else:
            problems.append(message if message.startswith(name) else f"{name}: {message}")
    return "; ".join(problems)
