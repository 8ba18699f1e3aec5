"""A team's FastAPI app: notes that only their author reads, and an admin-only purge.

It is the reference backend (verifier, JWKS cache, 401 with reasons) plus the team's own routes,
each protected with ``Annotated[User, Depends(...)]``: what lesson 04b shows how to test.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel

from playground.backend import BackendSettings, User, create_app, get_current_user, require_role
from playground.backend.clock import Clock

CurrentUser = Annotated[User, Depends(get_current_user)]
Admin = Annotated[User, Depends(require_role("admin"))]


class NoteIn(BaseModel):
    text: str


def create_notes_app(settings: BackendSettings, clock: Clock | None = None) -> FastAPI:
    """``clock``: what the verifier calls *now* (the system clock unless given)."""
    app = create_app(settings, clock)
    notes: dict[str, list[str]] = {}  # per app: two apps in one test run never share notes

    @app.post("/api/notes", status_code=201)
    async def add_note(note: NoteIn, user: CurrentUser) -> dict:
        notes.setdefault(user.id, []).append(note.text)
        return {"author": user.id, "count": len(notes[user.id])}

    @app.get("/api/notes")
    async def my_notes(user: CurrentUser) -> list[str]:
        return notes.get(user.id, [])

    @app.delete("/api/notes")
    async def purge_notes(admin: Admin) -> dict:
        purged = sum(len(texts) for texts in notes.values())
        notes.clear()
        return {"purged": purged}

    return app
