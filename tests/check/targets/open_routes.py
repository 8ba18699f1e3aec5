"""The careful app plus a debug route left mounted: it answers without any credential."""

from fastapi import FastAPI

from .apps import create_app


def with_debug_route() -> FastAPI:
    app = create_app()

    @app.get("/api/debug/users")
    def debug_users() -> dict:
        return {"users": ["ada@example.com", "grace@example.com"]}

    return app
