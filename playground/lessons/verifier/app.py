"""The routes lesson 03b grades, wired from one set of ``Parts`` (the draft's, the solution's, yours).

``create_app(parts)`` reads ``BETTER_AUTH_URL`` (and ``FRONTEND_ORIGIN``) from the environment
when it is called, as a real app does at start-up; the checker sets them before calling it. The
app it returns is the FastAPI app wrapped in ``CORSMiddleware`` as lesson 05 teaches (wrapped, not
``add_middleware``, so even a 500 carries the CORS headers the browser page needs to read it;
exact origins; ``Authorization`` named; ``WWW-Authenticate`` exposed, so page code can read why).

``grade(parts)`` builds a fresh app and signs in afresh every time, against one issuer started by
the first call and kept for the kernel's life: the lesson grades seven apps, and an issuer's start,
sign-ins and stop were most of each grade's fixed cost.
"""

import atexit
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware

from playground import check
from playground.auth_server import REAL
from playground.check.engine import start_issuer
from playground.check.gate import GatedAuthServer

from . import solution
from .solution import User

#: The routes lesson 03b's app serves, as the checker's settings.
ROUTES = dict(protected="/api/me", owner="/api/users/{user_id}/profile", admin="/api/admin/stats",
              public="/api/public", frontend_origin="http://localhost:5173")
FORBIDDEN = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


@dataclass(frozen=True)
class Parts:
    """The four pieces a verifier is made of: the same names in draft.py and solution.py."""

    KeySet: type
    verify_token: Callable[..., Any]
    authenticate: Callable[..., Any]
    is_owner: Callable[[User, str], bool]

    @classmethod
    def of(cls, module: ModuleType) -> "Parts":
        return cls(module.KeySet, module.verify_token, module.authenticate, module.is_owner)

    def fix(self, **pieces: Any) -> "Parts":
        """These parts with some pieces replaced: ``draft.fix(authenticate=solution.authenticate)``."""
        return replace(self, **pieces)


class ProfileUpdate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=1000)


SOLUTION = Parts.of(solution)


def create_app(parts: Parts = SOLUTION) -> CORSMiddleware:
    issuer = os.environ["BETTER_AUTH_URL"].rstrip("/")
    keys = parts.KeySet(f"{issuer}/api/auth/jwks")
    CurrentUser = Annotated[User, Depends(parts.authenticate(keys, issuer, parts.verify_token))]
    names: dict[str, str] = {}  # in memory: the lesson's app keeps nothing between runs
    notes: dict[str, list[str]] = {}

    def owner_only(user: User, user_id: str) -> None:
        if not parts.is_owner(user, user_id):
            raise HTTPException(403, "Not your profile", headers=FORBIDDEN)

    app = FastAPI()

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.get("/api/me")
    async def me(user: CurrentUser) -> User:
        return user

    @app.get("/api/users/{user_id}/profile")
    async def profile(user_id: str, user: CurrentUser) -> dict:
        owner_only(user, user_id)
        return {**user.model_dump(), "name": names.get(user_id)}

    # Writes: the same owner rule on every method. FastAPI reads and parses the JSON body before
    # the dependency authenticates (lesson 03b, section 5), so keep bodies small and validated.
    @app.put("/api/users/{user_id}/profile")
    async def update_profile(user_id: str, update: ProfileUpdate, user: CurrentUser) -> dict:
        owner_only(user, user_id)
        names[user_id] = update.name
        return {**user.model_dump(), "name": update.name}

    @app.post("/api/users/{user_id}/notes", status_code=201)
    async def add_note(user_id: str, note: Note, user: CurrentUser) -> dict:
        owner_only(user, user_id)
        notes.setdefault(user_id, []).append(note.text)
        return {"notes": len(notes[user_id])}

    @app.get("/api/admin/stats")
    async def admin_stats(user: CurrentUser) -> dict:
        if not user.has_role("admin"):
            raise HTTPException(403, "Admins only", headers=FORBIDDEN)
        return {"ok": True}

    return CORSMiddleware(app, allow_origins=[os.environ.get("FRONTEND_ORIGIN", ROUTES["frontend_origin"])],
                          allow_credentials=True, allow_methods=["GET", "PUT", "POST"],
                          allow_headers=["Authorization", "Content-Type"], expose_headers=["WWW-Authenticate"])


def grade(parts: Parts, **options: Any) -> check.CheckReport:
    """Grade the app built from ``parts`` with ``python -m playground check``'s engine, in-process.

    The checker sets ``BETTER_AUTH_URL`` to its issuer (the lesson's, see ``lesson_issuer``), then
    calls ``create_app``. ``deterministic=True`` gives the issuer seeded ids, so the lesson prints
    the same report every run; ``leeway`` is the solution's (the checker then tries a token just
    inside it); ``options`` are ``check.run``'s (``only=(...)``, ``strict=True``, ...).
    """
    config = check.CheckConfig(app_factory=lambda: create_app(parts), env={"BETTER_AUTH_URL": "{issuer}"},
                               deterministic=True, **{**ROUTES, "leeway": solution.LEEWAY, **options})
    return check.run(config, issuer_server=lesson_issuer(config))


_ISSUERS: dict[tuple[str, bool], GatedAuthServer] = {}


def lesson_issuer(config: check.CheckConfig) -> GatedAuthServer:
    """The issuer every ``grade`` of this kind (embedded or real, seeded or not) uses: started by the
    first, started again if it stopped, stopped when the kernel exits. A case that rotates its key
    leaves it rotated: later runs sign in afresh and get tokens of the new key."""
    kind = (config.issuer, config.deterministic and config.issuer != REAL)  # the real one is never seeded
    issuer = _ISSUERS.get(kind)
    if issuer is None or not issuer.running:
        issuer = _ISSUERS[kind] = start_issuer(config)
        atexit.register(issuer.stop)
    return issuer
