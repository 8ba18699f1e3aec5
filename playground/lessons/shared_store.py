"""Lesson 11, §6: fastapi-better-auth-bridge's mode A reading Better Auth's own tables.

``copy_to_sqlite(tables)`` writes Better Auth's ``user`` and ``session`` rows (as
``integration.mjs`` MODE=tables returns them from the real Better Auth) into a SQLite database
with Better Auth's column names — what its SQL adapters keep — so the bridge can read them.
``mode_a_app(engine, secret=..., origin=...)`` is the bridge's cookie mode wired as its README
says: ``CookieVerifier`` (the cookie's HMAC checked with the shared secret, then the session row
looked up) over a ``SyncStoreAdapter`` on that engine, behind ``/api/me``.
"""

# No `from __future__ import annotations`: FastAPI must see the route's Annotated parameter.
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi_better_auth import BetterAuth, CookieVerifier, OriginCheck, Session, SharedSecret, SyncStoreAdapter
from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, create_engine
from sqlalchemy.pool import StaticPool

DATE_COLUMNS = ("createdAt", "updatedAt", "expiresAt")
#: Better Auth's core columns (its schema, ``db/get-tables``): present even when a row leaves a
#: nullable one out, as in a SQL database.
CORE_COLUMNS = {
    "user": ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"),
    "session": ("id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId"),
}


def _value(name: str, value: Any) -> Any:
    if name in DATE_COLUMNS and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)  # UTC, as SQLite keeps it
    return value


def copy_to_sqlite(tables: dict[str, list[dict[str, Any]]]) -> Engine:
    """An in-memory SQLite database holding ``tables["user"]`` and ``tables["session"]``."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata = MetaData()
    for name in ("user", "session"):
        columns = sorted({*CORE_COLUMNS[name], *(column for row in tables[name] for column in row)})
        table = Table(name, metadata, *(Column(c, DateTime if c in DATE_COLUMNS else String) for c in columns))
        metadata.create_all(engine, tables=[table])
        with engine.begin() as connection:
            for row in tables[name]:
                connection.execute(table.insert().values({k: _value(k, v) for k, v in row.items()}))
    return engine


def delete_session_row(engine: Engine, token: str) -> None:
    """What Better Auth's sign-out does to its database: the session row is gone."""
    with engine.begin() as connection:
        table = Table("session", MetaData(), autoload_with=connection)
        connection.execute(table.delete().where(table.c.token == token))


def mode_a_app(engine: Engine, *, secret: str, origin: str) -> FastAPI:
    """A FastAPI app whose ``/api/me`` uses the bridge's cookie mode over Better Auth's tables."""
    auth = BetterAuth(verifiers=[CookieVerifier(
        secret=SharedSecret(secret), store=SyncStoreAdapter(engine=engine),
        csrf=OriginCheck(allowed_origins=[origin]), secure_cookies=False)])
    app = FastAPI()

    @app.get("/api/me")
    async def me(session: Annotated[Session, Depends(auth.current_session())]) -> dict:
        return {"email": session.user.email, "expires_at": session.expires_at.isoformat()}

    return app


__all__ = ["copy_to_sqlite", "delete_session_row", "mode_a_app"]
