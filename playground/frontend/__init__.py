"""The learner's browser page, served on its own origin: the real Better Auth client (bundled
from npm with esbuild) calling the auth server and the FastAPI backend on two other origins.

- ``create_app(auth_url, api_url)``: the ASGI app serving the built page and its ``config.json``.
- ``auth_cors(app, origins)``: the CORS layer an auth server needs when the page lives elsewhere
  (Better Auth itself sends no CORS headers).
- ``playground.frontend.browser``: drive the page in headless Chromium (lessons, tests).

Build the page once: ``npm ci --prefix playground/frontend && npm run build --prefix playground/frontend``.
"""

from .app import BUILD_COMMAND, DIST_DIR, FrontendNotBuiltError, create_app
from .cors import auth_cors, auth_cors_options

__all__ = ["BUILD_COMMAND", "DIST_DIR", "FrontendNotBuiltError", "auth_cors", "auth_cors_options", "create_app"]
