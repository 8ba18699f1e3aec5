"""The learner's browser page, served on its own origin: the real Better Auth client (bundled
from npm with esbuild) calling the auth server and the FastAPI backend on two other origins.

- ``create_app(auth_url, api_url)``: the ASGI app serving the built page and its ``config.json``.
- ``playground.frontend.browser``: drive the page in headless Chromium (lessons, tests).

The CORS layer the auth server needs for this page lives with the server: ``playground.auth_cors``.

Build the page once: ``npm ci --prefix playground/frontend && npm run build --prefix playground/frontend``.
"""

from .app import BUILD_COMMAND, DIST_DIR, FrontendNotBuiltError, create_app

__all__ = ["BUILD_COMMAND", "DIST_DIR", "FrontendNotBuiltError", "create_app"]
