"""Serve the built page (``dist/``) and the ``config.json`` that tells it where the servers are.

The URLs are injected at serve time, not baked into the bundle: one build works for every run of
the playground, whatever ports it picked.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

PROJECT_DIR = Path(__file__).resolve().parent
DIST_DIR = PROJECT_DIR / "dist"
BUILD_COMMAND = "npm ci --prefix playground/frontend && npm run build --prefix playground/frontend"
#: What Better Auth's client does by default; the CORS lab passes "same-origin" to show the failure.
CREDENTIALS = ("include", "same-origin", "omit")


class FrontendNotBuiltError(RuntimeError):
    """``dist/`` has no built page; the message says how to build it."""


def create_app(auth_url: str, api_url: str, *, credentials: str = "include") -> Starlette:
    """The frontend as an ASGI app. ``auth_url`` / ``api_url`` are origins (no trailing slash)."""
    if not (DIST_DIR / "main.js").is_file() or not (DIST_DIR / "index.html").is_file():
        raise FrontendNotBuiltError(
            f"the frontend is not built ({DIST_DIR} has no index.html/main.js). Build it with Node 20+ "
            f"from the repository root: {BUILD_COMMAND}   (or run `make setup`)"
        )
    if credentials not in CREDENTIALS:
        raise ValueError(f"credentials must be one of {CREDENTIALS}, not {credentials!r}")
    config = {"authURL": auth_url.rstrip("/"), "apiURL": api_url.rstrip("/"), "credentials": credentials}

    async def config_json(request: Request) -> JSONResponse:
        return JSONResponse(config, headers={"Cache-Control": "no-store"})

    app = Starlette(routes=[
        Route("/config.json", config_json),
        Mount("/", StaticFiles(directory=DIST_DIR, html=True)),
    ])
    app.state.config = config
    return app
