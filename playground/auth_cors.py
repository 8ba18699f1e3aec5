"""The CORS layer in front of an auth server whose browser page lives on another origin.

Better Auth answers no preflight and sends no ``Access-Control-Allow-Origin``: a deployment that
serves its frontend elsewhere wraps it in CORS. Credentials must be allowed (the session is a
cookie) and so the origins must be listed exactly; ``set-auth-jwt`` must be exposed or page code
reads ``null`` from ``response.headers.get("set-auth-jwt")``.

It lives next to the server wiring: ``playground.auth_server`` puts it in front of the embedded
issuer when given ``cors_origins``; the real Better Auth gets the same layer from
``playground/better_auth/server.mjs`` (``PLAYGROUND_CORS_ORIGINS``).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp


def auth_cors_options(origins: Iterable[str]) -> dict:
    """Starlette ``CORSMiddleware`` options for an auth server used from ``origins``."""
    return dict(
        allow_origins=list(origins),
        allow_credentials=True,  # the session cookie rides on every call
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization"],
        # The jwt plugin's JWT and the bearer plugin's session token, readable by page code.
        expose_headers=["set-auth-jwt", "set-auth-token"],
        max_age=600,
    )


def auth_cors(app: ASGIApp, origins: Iterable[str], **overrides) -> ASGIApp:
    """``app`` wrapped in CORS for ``origins``; ``overrides`` replace single options (the CORS lab)."""
    return CORSMiddleware(app, **{**auth_cors_options(origins), **overrides})
