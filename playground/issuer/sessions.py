"""Users and sessions: sign-up, sign-in, session lookup and refresh, as Better Auth does them.

Rows use Better Auth's field names and member order (``internal-adapter.mjs`` with the memory
adapter), which is also the order of the JSON the endpoints return.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from playground.issuer import passwords
from playground.issuer.config import IssuerConfig
from playground.issuer.errors import AuthError
from playground.issuer.randomness import Randomness
from playground.issuer.store import Store, epoch, iso

#: The ``user.additionalFields`` a sign-up may set (the real server's auth config declares the
#: same; ``role`` is declared too, with ``input: false``, so a sign-up never sets it).
INPUT_FIELDS = ("softwareBackground", "hardwareBackground", "interestArea")
DEFAULT_ROLE = "user"
DONT_REMEMBER_EXPIRES_IN = 86400  # a "don't remember me" session lives one day


class Sessions:
    def __init__(self, config: IssuerConfig, store: Store, rng: Randomness) -> None:
        self._config = config
        self._store = store
        self._rng = rng
        # Set once the demo users are stored (see seed_demo_users); set at once without them.
        self._seeded = threading.Event()
        self._seeded.set()

    def wait_seeded(self) -> None:
        """Block until the demo users are stored (before closing the store, for one)."""
        self._seeded.wait()

    def _now(self) -> float:
        return self._config.clock.now()

    def create_user(self, *, name: str, email: str, password: str, image: str | None = None,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Insert a user with a credential account; ``USER_ALREADY_EXISTS...`` if the email is taken."""
        self._seeded.wait()
        if self._store.user_by_email(email.lower()) is not None:
            raise AuthError(422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
        salt = self._rng.bytes(16)
        user = self._new_user(name=name, email=email, image=image, extra=extra or {}, role=DEFAULT_ROLE)
        try:
            self._store.add_user(user, passwords.hash_password(password, salt))
        except sqlite3.IntegrityError:  # a concurrent sign-up won the race
            raise AuthError(422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") from None
        return user

    def _new_user(self, *, name: str, email: str, image: str | None, extra: dict[str, Any],
                  role: str) -> dict[str, Any]:
        now = iso(self._now())
        user: dict[str, Any] = {"name": name, "email": email.lower(), "emailVerified": False}
        if image is not None:
            user["image"] = image
        user.update({"createdAt": now, "updatedAt": now, "role": role})
        user.update({k: extra[k] for k in INPUT_FIELDS if k in extra})  # null is stored as sent
        user["id"] = self._rng.id()
        return user

    def authenticate(self, email: str, password: str) -> dict[str, Any]:
        self._seeded.wait()
        user = self._store.user_by_email(email.lower())
        stored = self._store.password_hash(user["id"]) if user else None
        if user is None or stored is None:
            # Hash anyway, as Better Auth does, so timing does not reveal unknown emails.
            passwords.hash_password(password, self._rng.bytes(16))
            raise AuthError(401, "INVALID_EMAIL_OR_PASSWORD")
        if not passwords.verify_password(stored, password):
            raise AuthError(401, "INVALID_EMAIL_OR_PASSWORD")
        return user

    def create_session(self, user_id: str, *, dont_remember: bool, ip: str, user_agent: str) -> dict[str, Any]:
        now = self._now()
        lifetime = DONT_REMEMBER_EXPIRES_IN if dont_remember else self._config.session_expires_in
        session = {
            "expiresAt": iso(now + lifetime),
            "token": self._rng.id(),
            "createdAt": iso(now),
            "updatedAt": iso(now),
            "ipAddress": ip,
            "userAgent": user_agent,
            "userId": user_id,
            "id": self._rng.id(),
        }
        self._store.add_session(session)
        return session

    def find(self, token: str) -> dict[str, Any] | None:
        """``{"session", "user"}`` for a token, or ``None``."""
        session = self._store.session(token)
        if session is None:
            return None
        user = self._store.user_by_id(session["userId"])
        if user is None:
            return None
        return {"session": session, "user": user}

    def is_expired(self, session: dict[str, Any]) -> bool:
        return epoch(session["expiresAt"]) < self._now()

    def needs_refresh(self, session: dict[str, Any]) -> bool:
        """Better Auth extends a session once ``updateAge`` has passed since it was last extended."""
        config = self._config
        return epoch(session["expiresAt"]) - config.session_expires_in + config.session_update_age <= self._now()

    def refresh(self, session: dict[str, Any]) -> dict[str, Any]:
        now = self._now()
        updated = {**session, "expiresAt": iso(now + self._config.session_expires_in), "updatedAt": iso(now)}
        self._store.add_session(updated)
        return updated

    def delete(self, token: str) -> None:
        self._store.delete_session(token)

    def seed_demo_users(self, password: str) -> None:
        """Create the demo users of ``demo-users.json`` (skipping any a SQLite file already has).

        They all share the demo password, so they share one hash (one salt): scrypt costs ~0.1 s
        of CPU and is computed once, in a background thread (hashlib releases the GIL), so the
        server starts at once; user lookups wait until the users are stored. Ids and the salt
        are drawn here, in order, so deterministic mode stays deterministic.
        """
        demo = json.loads(self._config.demo_users_file.read_text())
        missing = [e for e in demo["users"] if self._store.user_by_email(e["email"].lower()) is None]
        if not missing:
            return
        salt = self._rng.bytes(16)
        users = [self._new_user(name=e["name"], email=e["email"], image=None, extra=e, role=e.get("role", DEFAULT_ROLE))
                 for e in missing]
        self._seeded.clear()

        def seed() -> None:
            try:
                password_hash = passwords.hash_password(password, salt)
                for user in users:
                    self._store.add_user(user, password_hash)
            finally:  # never leave requests waiting forever, even if seeding failed
                self._seeded.set()

        threading.Thread(target=seed, name="issuer-demo-users", daemon=True).start()
