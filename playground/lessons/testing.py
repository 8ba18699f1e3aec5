"""Helpers for lesson 04b (testing your routes): a stand-in Better Auth for a team's own tests.

A test that overrides ``get_current_user`` checks route logic but skips the verifier, so a broken
verifier or a wrong ``BACKEND_AUDIENCE`` passes it. The honest test keeps the real verifier and
gives it what Better Auth would: a key pair made for the test run, its public half served as a
JWK Set on loopback, and tokens minted with Better Auth's header and claims (1.7 ``jwt()``
plugin: header ``{"alg": "EdDSA", "kid"}`` without ``typ``; ``iss`` and ``aud`` the base URL's
origin; ``sub`` the user id; ``exp = iat + 15 min``).

* ``TestKeyPair``: an Ed25519 key pair with a random ``kid`` (never a key from a real deployment).
* ``LocalIssuer``: serves ``/api/auth/jwks`` for one key pair on ``127.0.0.1``; ``mint(...)``
  signs tokens with it. Point ``BackendSettings(better_auth_url=issuer.url)`` at it and the
  backend derives the JWKS URL, issuer and audience exactly as it does for Better Auth.
* ``in_process_client(app)``: an ``httpx.AsyncClient`` on ``httpx.ASGITransport`` with the app's
  lifespan run around it (the transport alone does not run it).
* ``run_example_tests(env)``: runs ``testing_example/test_notes_app.py`` — the team's app and its
  pytest file — with pytest in a subprocess; the outcome of each test.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.clock import Clock
from playground.servers import ServerThread

#: Better Auth's default ``jwt.expirationTime`` ("15m").
DEFAULT_LIFETIME = 15 * 60
#: The worked example's pytest file (lesson 04b shows it and runs it).
EXAMPLE_TESTS = Path(__file__).parent / "testing_example" / "test_notes_app.py"


@dataclass(frozen=True)
class TestKeyPair:
    """An Ed25519 key pair for one test run, with a Better Auth–shaped random ``kid``."""

    __test__ = False  # a helper, not a test class, whatever its name

    private_key: Ed25519PrivateKey = field(repr=False)
    kid: str

    @classmethod
    def generate(cls) -> TestKeyPair:
        # Better Auth's kid is its key row id: 32 characters of [A-Za-z0-9].
        kid = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        return cls(Ed25519PrivateKey.generate(), kid)

    def public_jwk(self) -> dict[str, Any]:
        """The JWK Better Auth lists at ``/api/auth/jwks`` for such a key."""
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {"alg": "EdDSA", "crv": jwk["crv"], "x": jwk["x"], "kty": "OKP", "kid": self.kid}


class LocalIssuer:
    """A JWK Set on loopback and a ``mint`` that signs like Better Auth's jwt plugin.

    ``clock`` stamps ``iat``/``exp`` (the system clock unless given: pass the backend's clock so
    both sides agree). Use it as a context manager, or call ``stop()``.
    """

    def __init__(self, *, clock: Clock | None = None, key: TestKeyPair | None = None) -> None:
        self.clock = clock or Clock.system()
        self.key = key or TestKeyPair.generate()
        app = Starlette(routes=[Route("/api/auth/jwks", self._jwks)])
        self._server = ServerThread(app, name="test JWKS").start()

    @property
    def url(self) -> str:
        """The stand-in for ``BETTER_AUTH_URL``; also the ``iss`` and ``aud`` of minted tokens."""
        return self._server.url

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.public_jwk()]}

    async def _jwks(self, request) -> JSONResponse:
        return JSONResponse(self.jwks())

    def mint(self, sub: str = "user-1", *, email: str | None = None, name: str = "Test User",
             role: str | None = None, lifetime: float = DEFAULT_LIFETIME, signed_with: TestKeyPair | None = None,
             **claims: Any) -> str:
        """A token for user ``sub`` as Better Auth would issue it; ``claims`` override or add any
        claim (``aud=...``, ``exp=...``); ``signed_with`` another key pair makes a forgery."""
        now = int(self.clock.now())
        created = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        payload: dict[str, Any] = {
            "id": sub, "name": name, "email": email or f"{sub}@example.com", "emailVerified": True,
            "createdAt": created, "updatedAt": created,
            "iat": now, "sub": sub, "exp": now + int(lifetime), "iss": self.url, "aud": self.url,
        }
        if role is not None:
            payload["role"] = role
        payload.update(claims)
        key = signed_with or self.key
        # typ=None: Better Auth's header is {"alg", "kid"} only, and so is the stand-in's.
        return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": None})

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> LocalIssuer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


@asynccontextmanager
async def in_process_client(app, *, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` that calls ``app`` in this process, inside the app's lifespan."""
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
            yield client


def run_example_tests(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Run ``EXAMPLE_TESTS`` with pytest in a fresh interpreter, ``env`` added to this process's
    environment; ``{test name: "passed" | "failed" | "error" | "skipped"}`` in file order."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        # Only the plugin the example needs (anyio, for async tests), none of this project's
        # options (nbval, markers): autoloading every installed plugin triples the start-up time.
        command = [sys.executable, "-m", "pytest", "-q", "-p", "anyio", "-p", "no:cacheprovider",
                   "-o", "addopts=", f"--junit-xml={report}", str(EXAMPLE_TESTS)]
        completed = subprocess.run(command, env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
                                   capture_output=True, text=True,
                                   cwd=EXAMPLE_TESTS.parents[3], timeout=120)
        if not report.exists():
            raise RuntimeError(f"pytest did not run the example tests:\n{completed.stdout}{completed.stderr}")
        outcomes = {}
        for case in ElementTree.parse(report).iter("testcase"):
            problem = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), None)
            outcomes[case.get("name")] = {"failure": "failed", None: "passed"}.get(problem, problem)
        return outcomes


__all__ = ["DEFAULT_LIFETIME", "EXAMPLE_TESTS", "LocalIssuer", "TestKeyPair", "in_process_client",
           "run_example_tests"]
