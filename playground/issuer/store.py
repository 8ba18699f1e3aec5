"""Users, credential accounts, sessions and signing keys, kept in SQLite (stdlib ``sqlite3``).

One code path for both storage modes: the default database is ``:memory:`` (gone when the server
stops, like Better Auth's memory adapter), and a file path gives storage that survives restarts.
Rows keep Better Auth's field names and member order, so what the API returns is what is stored.

A request either completes or leaves nothing behind: ``Store.journal()`` records how to undo each
user and session write made while it is open (in this request's context, worker threads
included), and the app undoes them when the request fails unexpectedly (a 500). Otherwise a
sign-up that failed after its insert would leave an account nobody was told about.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playground.issuer.keys import KeyRow

SCHEMA = """
CREATE TABLE IF NOT EXISTS user (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS account (user_id TEXT PRIMARY KEY, password TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS session (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jwks (
    id TEXT PRIMARY KEY, alg TEXT NOT NULL, crv TEXT, public_key TEXT NOT NULL, private_key TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL);
"""

Row = dict[str, Any]

#: The undo steps of the request being handled (None outside a journal: seeding, lessons).
_undo_steps: ContextVar[list[Callable[[], None]] | None] = ContextVar("undo_steps", default=None)


class Journal:
    """The writes of one request, undone together by ``undo()`` (newest first)."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], None]] = []
        self._token = _undo_steps.set(self._steps)

    def undo(self) -> None:
        while self._steps:
            self._steps.pop()()

    def close(self) -> None:
        _undo_steps.reset(self._token)


def iso(epoch: float) -> str:
    """JavaScript's ``Date.toISOString()``: UTC, milliseconds, ``Z``."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch(iso_text: str) -> float:
    return datetime.fromisoformat(iso_text.replace("Z", "+00:00")).timestamp()


class Store:
    def __init__(self, database: str | Path | None = None) -> None:
        # Requests are handled on several threads; one connection behind a lock is plenty here.
        self._db = sqlite3.connect(str(database) if database else ":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _one(self, sql: str, *args: Any) -> tuple | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _write(self, sql: str, *args: Any) -> int:
        with self._lock, self._db:
            return self._db.execute(sql, args).rowcount

    def journal(self) -> Journal:
        """Start recording this request's writes (see the module docstring)."""
        return Journal()

    @staticmethod
    def _on_undo(step: Callable[[], None]) -> None:
        steps = _undo_steps.get()
        if steps is not None:
            steps.append(step)

    # users and their credential accounts
    def add_user(self, user: Row, password_hash: str) -> None:
        """Insert a user and its credential account; ``sqlite3.IntegrityError`` on a taken email."""
        with self._lock, self._db:
            self._db.execute("INSERT INTO user VALUES (?, ?, ?)", (user["id"], user["email"], json.dumps(user)))
            self._db.execute("INSERT INTO account VALUES (?, ?)", (user["id"], password_hash))
        self._on_undo(lambda: self._delete_user(user["id"]))

    def _delete_user(self, user_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM account WHERE user_id = ?", (user_id,))
            self._db.execute("DELETE FROM user WHERE id = ?", (user_id,))
            self._db.execute("DELETE FROM session WHERE user_id = ?", (user_id,))

    def user_by_email(self, email: str) -> Row | None:
        row = self._one("SELECT data FROM user WHERE email = ?", email)
        return json.loads(row[0]) if row else None

    def user_by_id(self, user_id: str) -> Row | None:
        row = self._one("SELECT data FROM user WHERE id = ?", user_id)
        return json.loads(row[0]) if row else None

    def password_hash(self, user_id: str) -> str | None:
        row = self._one("SELECT password FROM account WHERE user_id = ?", user_id)
        return row[0] if row else None

    # sessions
    def add_session(self, session: Row) -> None:
        """Insert a session, or replace the one with its token (a refresh)."""
        previous = self.session(session["token"])
        self._put_session(session)
        self._on_undo(lambda: self._restore_session(session["token"], previous))

    def _put_session(self, session: Row) -> None:
        self._write(
            "INSERT OR REPLACE INTO session VALUES (?, ?, ?, ?)",
            session["token"], session["userId"], epoch(session["expiresAt"]), json.dumps(session),
        )

    def _restore_session(self, token: str, previous: Row | None) -> None:
        if previous is None:
            self._write("DELETE FROM session WHERE token = ?", token)
        else:
            self._put_session(previous)

    def session(self, token: str) -> Row | None:
        row = self._one("SELECT data FROM session WHERE token = ?", token)
        return json.loads(row[0]) if row else None

    def delete_session(self, token: str) -> None:
        previous = self.session(token)
        self._write("DELETE FROM session WHERE token = ?", token)
        self._on_undo(lambda: self._restore_session(token, previous))

    # jwt plugin keys
    def add_key(self, key: KeyRow) -> None:
        self._write(
            "INSERT INTO jwks VALUES (?, ?, ?, ?, ?, ?, ?)",
            key.id, key.alg, key.crv, key.public_key, key.private_key, key.created_at, key.expires_at,
        )

    def expire_keys(self, at: float) -> None:
        """Mark every live key as expired ``at`` (a forced rotation; the grace period still applies)."""
        self._write("UPDATE jwks SET expires_at = ? WHERE expires_at IS NULL OR expires_at > ?", at, at)

    def keys(self) -> list[KeyRow]:
        """All keys, oldest first (the order the real memory adapter lists them in)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jwks ORDER BY rowid").fetchall()
        return [KeyRow(*row) for row in rows]
