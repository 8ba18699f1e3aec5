"""The routes lesson 03b grades, wired from one set of ``Parts`` (the draft's, the solution's, yours).

``create_app(parts)`` reads ``BETTER_AUTH_URL`` (and ``FRONTEND_ORIGIN``) from the environment
when it is called, as a real app does at start-up; the checker sets them before calling it.
"""

import os
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Annotated, Any, Callable

from fastapi import Depends, FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware

from playground import check

from . import solution
from .solution import User

#: The routes lesson 03b's app serves, as the checker's settings.
ROUTES = dict(protected="/api/me", owner="/api/users/{user_id}/profile", admin="/api/admin/stats",
              public="/api/public", frontend_origin="http://localhost:5173")


@dataclass(frozen=True)
class Parts:
    """The four pieces a verifier is made of: the same names in draft.py and solution.py."""

    KeySet: type
    verify_token: Callable[..., Any]
    authenticate: Callable[..., Any]
    may_see_profile: Callable[[User, str], bool]

    @classmethod
    def of(cls, module: ModuleType) -> "Parts":
        return cls(module.KeySet, module.verify_token, module.authenticate, module.may_see_profile)

    def fix(self, **pieces: Any) -> "Parts":
        """These parts with some pieces replaced: ``draft.fix(authenticate=solution.authenticate)``."""
        return replace(self, **pieces)


def create_app(parts: Parts = Parts.of(solution)) -> FastAPI:
    issuer = os.environ["BETTER_AUTH_URL"].rstrip("/")
    keys = parts.KeySet(f"{issuer}/api/auth/jwks")
    CurrentUser = Annotated[User, Depends(parts.authenticate(keys, issuer, parts.verify_token))]

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=[os.environ.get("FRONTEND_ORIGIN", "http://localhost:5173")],
                       allow_credentials=True, allow_methods=["GET"], allow_headers=["Authorization"])

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.get("/api/me")
    async def me(user: CurrentUser) -> User:
        return user

    @app.get("/api/users/{user_id}/profile")
    async def profile(user_id: str, user: CurrentUser) -> User:
        if not parts.may_see_profile(user, user_id):
            raise HTTPException(403, "Not your profile", headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return user

    @app.get("/api/admin/stats")
    async def admin_stats(user: CurrentUser) -> dict:
        if not user.has_role("admin"):
            raise HTTPException(403, "Admins only", headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return {"ok": True}

    return app


def grade(parts: Parts, **options: Any) -> check.CheckReport:
    """Grade the app built from ``parts`` with ``python -m playground check``'s engine, in-process.

    The checker starts its own issuer, sets ``BETTER_AUTH_URL`` to it, then calls ``create_app``.
    ``deterministic=True`` gives it seeded ids, so the lesson prints the same report every run;
    ``options`` are ``check.run``'s (``only=(...)``, ``strict=True``, ...).
    """
    return check.run(app_factory=lambda: create_app(parts), env={"BETTER_AUTH_URL": "{issuer}"},
                     deterministic=True, **{**ROUTES, **options})
