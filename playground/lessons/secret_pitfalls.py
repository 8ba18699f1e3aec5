"""Helpers for lesson 07b (secrets and bearer pitfalls): what happens to a Better Auth deployment
when ``BETTER_AUTH_SECRET`` changes, goes missing or carries invisible whitespace.

* ``change_secret(kind, before=..., after=..., demo_password=...)``: sign in and get a JWT with
  secret ``before``, then — same database — with ``after``, as a restart with a new secret would.
  The real better-auth runs ``secret_change.mjs`` (two instances of the playground's config on one
  memory database); the embedded issuer runs two apps on one SQLite file. Both report what they
  answered and what they logged ("Failed to decrypt private key": the jwks private keys are
  encrypted with the secret), for ``/token`` and for ``/get-session`` (the jwt plugin signs a JWT
  on every get-session, so every signed-in user's ``useSession()`` fails too). The real
  better-auth also tries three ways out, each from the broken state (``SecretChange.recoveries``):
  ``jwks.disablePrivateKeyEncryption`` alone (still broken), the old key rows expired
  (``expiresAt``: a new key signs, ``/jwks`` still lists the old one), and the versioned secrets.
* ``unset_secret_real(node_env)``: the real better-auth with no secret at all: in development it
  silently signs with its public default secret (``DEFAULT_SECRET``); in production it refuses.
* ``secret_problems(value)`` / ``require_shared_secret(value)``: the checks a Python service
  should make on the secret it shares with Better Auth — present, not the public default, and
  without leading or trailing whitespace (Better Auth uses ``BETTER_AUTH_SECRET`` byte for byte;
  only the versioned ``BETTER_AUTH_SECRETS`` entries are trimmed). Never strips silently.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from playground.better_auth.launcher import node_available
from playground.clock import Clock

#: Better Auth 1.7's built-in secret (``dist/utils/constants.mjs``): public, so anything it signs
#: can be forged by anyone.
DEFAULT_SECRET = "better-auth-secret-12345678901234567890"
#: Better Auth warns below this length (``dist/context/create-context.mjs``).
MIN_SECRET_LENGTH = 32
SCRIPT = Path(__file__).with_name("secret_change.mjs")
_DECRYPT_ERROR = re.compile(r"Failed to decrypt private key[^\]\n]*")


class SharedSecretError(ValueError):
    """The secret shared with Better Auth is unusable; ``problems`` says each reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("BETTER_AUTH_SECRET: " + "; ".join(problems))


def secret_problems(value: str | None) -> list[str]:
    """What is wrong with ``value`` as the secret shared with Better Auth (empty: nothing)."""
    if not value:
        return ["not set in this process: load the same environment (.env) as Better Auth; without "
                "it Better Auth itself signs with its public default secret in development"]
    problems = []
    if value == DEFAULT_SECRET:
        problems.append("this is Better Auth's public default secret: anyone can sign cookies with it")
    if value != value.strip():
        problems.append(f"it has leading or trailing whitespace ({_edges(value)}); Better Auth uses the "
                        "secret byte for byte, so the HMACs differ unless both sides read the same bytes")
    if len(value) < MIN_SECRET_LENGTH:
        problems.append(f"it is {len(value)} characters long; Better Auth warns under {MIN_SECRET_LENGTH}")
    return problems


def require_shared_secret(value: str | None) -> str:
    """``value`` unchanged if it is usable, else ``SharedSecretError`` naming every problem."""
    problems = secret_problems(value)
    if problems:
        raise SharedSecretError(problems)
    return value


def _edges(value: str) -> str:
    head, tail = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()):]
    return f"starts with {head!r}, ends with {tail!r}" if head else f"ends with {tail!r}"


@dataclass(frozen=True)
class Recovery:
    """A restart with the new secret and one fix, on the database the old secret left behind."""

    token: int  # GET /api/auth/token
    get_session: int  # GET /api/auth/get-session, signed in
    jwt: str | None  # the token /token answered, if any
    jwks: dict  # what GET /api/auth/jwks published


@dataclass(frozen=True)
class SecretChange:
    """What an auth server did before and after its secret changed under the same database."""

    token_before: int  # GET /api/auth/token, old secret
    sign_in_after: int  # POST /api/auth/sign-in/email, new secret
    token_after: int  # GET /api/auth/token, new secret
    jwks_after: int  # GET /api/auth/jwks, new secret
    stored_private_key: str  # the jwks row's private key as stored: encrypted with the old secret (hex)
    logged_error: str | None  # what the server reported for the failure
    get_session_after: int  # GET /api/auth/get-session, signed in with the new secret
    jwt_before: str | None = None  # a token /token signed before the change (real better-auth)
    #: the real better-auth only: "disablePrivateKeyEncryption", "expireOldKeys", "versionedSecrets"
    recoveries: dict[str, Recovery] | None = None
    #: the real better-auth only: what its logger wrote (stderr), the errors behind every 500 above
    node_log: str = ""


async def change_secret(kind: str, *, before: str, after: str, demo_password: str) -> SecretChange:
    """Run the secret change against ``kind`` ("embedded" or "better-auth")."""
    if kind == "better-auth":
        return await asyncio.to_thread(_change_secret_real, before, after, demo_password)
    if kind == "embedded":
        return await _change_secret_embedded(before, after, demo_password)
    raise ValueError(f"kind must be 'embedded' or 'better-auth', not {kind!r}")


def _node(env: dict[str, str]) -> tuple[dict, str]:
    reason = node_available()  # the launcher's check: Node >= 20 and better-auth installed
    if reason is not None:
        raise RuntimeError(f"cannot run the real better-auth: {reason}")
    node = shutil.which("node")
    # TEST is Better Auth's other test switch (isTest): inherited, it would lift the production refusal.
    environment = {k: v for k, v in os.environ.items() if k not in ("BETTER_AUTH_SECRET", "AUTH_SECRET", "TEST")}
    completed = subprocess.run([node, str(SCRIPT)], env={**environment, **env}, capture_output=True, text=True,
                               timeout=120, cwd=SCRIPT.parent)
    if completed.returncode != 0:
        raise RuntimeError(f"secret_change.mjs failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1]), completed.stderr


def _change_secret_real(before: str, after: str, demo_password: str) -> SecretChange:
    result, log = _node({"MODE": "change", "SECRET_BEFORE": before, "SECRET_AFTER": after,
                         "DEMO_PASSWORD": demo_password})
    logged = _DECRYPT_ERROR.search(log)
    recoveries = {name: Recovery(r["token"], r["getSession"], r["jwt"], r["jwks"])
                  for name, r in result["recoveries"].items()}
    return SecretChange(result["tokenBefore"], result["signInAfter"], result["tokenAfter"], result["jwksAfter"],
                        result["storedPrivateKey"], logged.group(0).strip() if logged else None,
                        result["getSessionAfter"], result["jwtBefore"], recoveries, log)


async def _change_secret_embedded(before: str, after: str, demo_password: str) -> SecretChange:
    from playground.issuer import IssuerConfig, create_app
    from playground.issuer.store import Store

    base_url = "http://127.0.0.1:3000"
    answers: dict[str, int] = {}
    # The issuer logs the exception behind a 500 (as Better Auth does): record it instead of printing.
    log, recorder = logging.getLogger("playground.issuer"), _Recorder()
    log.addHandler(recorder)
    propagate, log.propagate = log.propagate, False
    try:
        with tempfile.TemporaryDirectory() as scratch:
            database = Path(scratch) / "auth.sqlite3"
            for label, secret in (("before", before), ("after", after)):
                config = IssuerConfig.from_options({}, base_url=base_url, secret=secret, clock=Clock.system(),
                                                   demo_password=demo_password, database=database)
                app = create_app(config)
                async with app.router.lifespan_context(app), httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
                    signed_in = await client.post("/api/auth/sign-in/email", headers={"origin": base_url},
                                                  json={"email": "ada@example.com", "password": demo_password})
                    answers[f"sign_in_{label}"] = signed_in.status_code
                    answers[f"token_{label}"] = (await client.get("/api/auth/token")).status_code
                    answers[f"get_session_{label}"] = (await client.get("/api/auth/get-session")).status_code
                    answers[f"jwks_{label}"] = (await client.get("/api/auth/jwks")).status_code
            store = Store(database)
            try:
                stored = json.loads(store.keys()[0].private_key)
            finally:
                store.close()
    finally:
        log.removeHandler(recorder)
        log.propagate = propagate
    return SecretChange(answers["token_before"], answers["sign_in_after"], answers["token_after"],
                        answers["jwks_after"], stored, recorder.messages[0] if recorder.messages else None,
                        answers["get_session_after"])


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(str(record.exc_info[1]) if record.exc_info else record.getMessage())


def unset_secret_real(node_env: str, *, demo_password: str, test: str | None = None) -> dict:
    """The real better-auth with no secret, under ``NODE_ENV=node_env`` (and ``TEST=test`` when given,
    Better Auth's other test switch): ``{"signUp", "signIn", "cookie"}`` (the session cookie it set)
    or ``{"error"}`` (what it threw)."""
    env = {"MODE": "unset", "NODE_ENV": node_env, "DEMO_PASSWORD": demo_password}
    result, _ = _node(env if test is None else {**env, "TEST": test})
    return result


__all__ = ["DEFAULT_SECRET", "MIN_SECRET_LENGTH", "Recovery", "SecretChange", "SharedSecretError", "change_secret",
           "require_shared_secret", "secret_problems", "unset_secret_real"]
