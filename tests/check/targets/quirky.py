"""Apps that answer in ways a careful grader must not misread: a redirect, a hang, control characters."""

import asyncio
import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .apps import create_app


def hangs_when_built() -> FastAPI:
    """A factory that never returns (it waits, like the import in targets.hangs)."""
    threading.Event().wait()
    raise AssertionError("unreachable")


def redirecting() -> FastAPI:
    """Its route is /api/me/: FastAPI answers /api/me with a 307 there (a redirect is not an answer)."""
    app = FastAPI()

    @app.get("/api/me/")
    async def me() -> dict:
        return {"id": "anyone"}

    return app


def hangs_on_large_tokens() -> FastAPI:
    """The careful app, except that it never answers a request carrying a token over 10 KB."""
    app = create_app()

    @app.middleware("http")
    async def hang(request: Request, call_next):
        if len(request.headers.get("authorization", "")) > 10_000:
            await asyncio.sleep(3600)
        return await call_next(request)

    return app


def ansi_errors() -> FastAPI:
    """Refuses every request with a message full of terminal control characters."""
    app = FastAPI()

    @app.get("/me")
    async def me():
        return JSONResponse({"detail": "\x1b[31mno\x1b[0m\x07"}, status_code=401)

    return app


def crashes_on_bad_tokens() -> FastAPI:
    """The careful app, except that a token it cannot verify raises instead of answering 401: one
    bug, a 500 for every forgery."""
    app = create_app()

    @app.middleware("http")
    async def crash(request: Request, call_next):
        response = await call_next(request)
        if response.status_code == 401 and "authorization" in request.headers:
            raise RuntimeError("token verification failed")
        return response

    return app


def rate_limits_anonymous() -> FastAPI:
    """The careful app behind a rate limiter that answers 429 to every request without credentials."""
    app = create_app()

    @app.middleware("http")
    async def limit(request: Request, call_next):
        if "authorization" not in request.headers:
            return JSONResponse({"detail": "Too Many Requests"}, status_code=429, headers={"Retry-After": "1"})
        return await call_next(request)

    return app
