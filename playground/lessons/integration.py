"""Lesson 11 (integration patterns): three setups shown against the real better-auth only, which
the embedded issuer does not imitate: a per-request base URL (``baseURL.allowedHosts``), the
organization plugin's ``activeOrganizationId`` in a custom JWT payload, and revocation when a
secondary storage cannot evict. ``integration.mjs`` drives Better Auth through ``auth.handler``
(as HTTP would) and prints JSON; these functions run it and return what it saw.

``jwks_server(jwks)`` serves a JWK Set on loopback, so the reference backend's own verifier can
judge tokens that were minted in-process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.better_auth.launcher import node_available
from playground.lessons.checks import Verdict, verdict
from playground.servers import ServerThread

SCRIPT = Path(__file__).with_name("integration.mjs")


def run_real_better_auth(mode: str, *, secret: str, demo_password: str) -> dict[str, Any]:
    """Run ``integration.mjs`` in ``mode`` and return its JSON answer."""
    reason = node_available()  # Node >= 20 and better-auth installed
    if reason is not None:
        raise RuntimeError(f"this cell needs the real better-auth: {reason}")
    inherited = ("BETTER_AUTH_SECRET", "AUTH_SECRET", "BETTER_AUTH_URL")  # this run sets its own
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    completed = subprocess.run(
        [shutil.which("node"), str(SCRIPT)], capture_output=True, text=True, timeout=120, cwd=SCRIPT.parent,
        env={**environment, "MODE": mode, "BETTER_AUTH_SECRET": secret, "DEMO_PASSWORD": demo_password})
    if completed.returncode != 0:
        raise RuntimeError(f"integration.mjs {mode} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return json.loads(completed.stdout)


def jwks_server(jwks: dict[str, Any]) -> ServerThread:
    """A running server whose ``/api/auth/jwks`` answers ``jwks`` (stop it when done)."""
    app = Starlette(routes=[Route("/api/auth/jwks", lambda request: JSONResponse(jwks))])
    return ServerThread(app, name="jwks", lifespan="off").start()


def check_two_issuers(verdicts: dict[str, str], canonical: str, preview: str) -> Verdict:
    """Exercise 2: a backend that accepts tokens from the canonical host and the preview host,
    each verified against its own issuer and audience (``{host: "accepted" or a reason}``)."""
    if set(verdicts) != {canonical, preview}:
        return verdict("exercise 2", False, why="", hint="give one verdict per host: the keys are the two hosts")
    return verdict("exercise 2", all(v == "accepted" for v in verdicts.values()),
                   why="each token passed a verifier whose issuer and audience are its own host: iss and aud "
                       "are still checked, against a short list you chose",
                   hint="try the verifiers in turn: a token goes through when one of them accepts it; a "
                        "wrong_issuer from the first is not the last word")


__all__ = ["SCRIPT", "check_two_issuers", "jwks_server", "run_real_better_auth"]
