"""Lesson 10's helper: tokens signed server-side by the real better-auth's ``auth.api.signJWT``.

``sign_jwt_real(payloads)`` runs ``server_signing.mjs`` (the playground's Better Auth config, base
URL ``BASE_URL``) and returns ``SignedTokens``: one token per payload, as
``auth.api.signJWT({ body: { payload } })`` signed it, and the ``/jwks`` key set that verifies them.
``signJWT`` fills in ``exp``, ``iss`` and ``aud`` when the payload has none, but sets ``iat`` only
when the payload carries one (``plugins/jwt/sign.mjs``), which is what the lesson shows.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.better_auth.launcher import node_available

SCRIPT = Path(__file__).with_name("server_signing.mjs")
#: The base URL the script's Better Auth runs with: every token's default ``iss`` and ``aud``.
BASE_URL = "http://127.0.0.1:3000"


@dataclass(frozen=True)
class SignedTokens:
    tokens: list[str]  # one per payload, in order
    jwks: dict[str, Any]  # GET /api/auth/jwks of the same server


def sign_jwt_real(payloads: list[dict[str, Any]]) -> SignedTokens:
    """Sign each payload with the real better-auth's ``auth.api.signJWT`` (needs Node)."""
    reason = node_available()  # the launcher's check: Node >= 20 and better-auth installed
    if reason is not None:
        raise RuntimeError(f"cannot run the real better-auth: {reason}")
    # A throwaway secret for this run only: it encrypts the key pair the run creates and forgets.
    environment = {**{k: v for k, v in os.environ.items() if k not in ("BETTER_AUTH_SECRET", "AUTH_SECRET")},
                   "SECRET": secrets.token_urlsafe(32)}
    completed = subprocess.run([shutil.which("node"), str(SCRIPT)], input=json.dumps(payloads), env=environment,
                               capture_output=True, text=True, timeout=120, cwd=SCRIPT.parent)
    if completed.returncode != 0:
        raise RuntimeError(f"server_signing.mjs failed ({completed.returncode}): {completed.stderr[-2000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return SignedTokens(result["tokens"], result["jwks"])


__all__ = ["BASE_URL", "SignedTokens", "sign_jwt_real"]
