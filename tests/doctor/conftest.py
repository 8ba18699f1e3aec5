"""Fixtures for the doctor's tests: the fake Better Auth JWKS server, and a loopback server that
plays an attacker's (it counts every request, so a test can assert that none reached it).

The fake issuer lives in tests/backend/fake_issuer.py; test directories are not packages, so
that directory is put on the import path explicitly here (as tests/security does).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fake_issuer import FakeIssuer, public_jwk, random_kid, sign_ed25519
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground import doctor
from playground.clock import Clock
from playground.servers import ServerThread


@pytest.fixture
def issuer():
    fake = FakeIssuer(Clock.frozen()).start()
    yield fake
    fake.stop()


@pytest.fixture
def diagnose(issuer):
    """The doctor configured for the fake issuer (its JWKS URL and its frozen clock)."""

    def run(token, **options):
        options.setdefault("jwks_url", issuer.url + "/api/auth/jwks")
        options.setdefault("clock", issuer.clock)
        return doctor.diagnose(token, **options)

    return run


class Attacker:
    """A loopback server publishing the attacker's own key set, and tokens it signs with that key:
    a doctor that fetched keys from it would find the kid and accept the forgery."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.key, self.kid = Ed25519PrivateKey.generate(), random_kid()
        self.requests: list[str] = []
        app = Starlette(routes=[Route("/{path:path}", self._any, methods=["GET", "POST"])])
        self._server = ServerThread(app, name="attacker")

    async def _any(self, request):
        self.requests.append(request.url.path)
        return JSONResponse({"keys": [public_jwk(self.key, self.kid)]})

    @property
    def url(self) -> str:
        return self._server.url

    def mint(self, **overrides) -> str:
        now = int(self.clock.now())
        claims = {"sub": "user-ada", "role": "admin", "iat": now, "exp": now + 900, "iss": self.url, "aud": self.url}
        return sign_ed25519({"alg": "EdDSA", "kid": self.kid}, claims | overrides, self.key)


@pytest.fixture
def attacker(issuer):
    server = Attacker(issuer.clock)
    server._server.start()
    yield server
    server._server.stop()
