"""A minimal stand-in for Better Auth's jwt plugin, for tests that need tokens we control.

It serves ``GET /api/auth/jwks`` on a real loopback server (``ServerThread``) and mints tokens
shaped like Better Auth 1.7's (header ``{"alg": "EdDSA", "kid"}``, the user object as claims,
``sub``/``iat``/``exp``/``iss``/``aud`` from the base URL's origin; see the facts file). It can be
taken down (503) and counts the JWKS requests it serves, so tests can assert on fetches. Its
``GET /api/auth/get-session`` answers ``session_body`` verbatim (JSON text a test writes, so it can
hold numbers no encoder would produce), ``null`` by default: Better Auth's answer when signed out.
Keys are generated per instance: nothing secret is hard-coded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import threading
import time

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playground.backend import BackendSettings
from playground.clock import Clock
from playground.servers import ServerThread

_ALNUM = string.ascii_letters + string.digits


def random_kid() -> str:
    """A kid like Better Auth's: the key row id, 32 alphanumerics."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def public_jwk(private_key: Ed25519PrivateKey, kid: str) -> dict:
    jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    return {"alg": "EdDSA", "crv": "Ed25519", "x": jwk["x"], "kty": "OKP", "kid": kid}


class FakeIssuer:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock.frozen()
        self.key = Ed25519PrivateKey.generate()
        self.kid = random_kid()
        self.published: list[dict] = [public_jwk(self.key, self.kid)]
        self.down = False
        self.delay = 0.0
        self.fetches = 0
        self._lock = threading.Lock()
        self.session_body = "null"
        routes = [Route("/api/auth/jwks", self._jwks), Route("/api/auth/get-session", self._get_session)]
        self._server = ServerThread(Starlette(routes=routes), name="fake-issuer")

    async def _jwks(self, request):
        with self._lock:
            self.fetches += 1
        if self.delay:
            time.sleep(self.delay)  # deliberately blocks this fake's loop: a slow issuer
        if self.down:
            return JSONResponse({"message": "down"}, status_code=503)
        return JSONResponse({"keys": self.published})

    async def _get_session(self, request):
        return Response(self.session_body, media_type="application/json")

    def start(self) -> FakeIssuer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def settings(self, **overrides) -> BackendSettings:
        return BackendSettings(better_auth_url=self.url, **overrides)

    def rotate(self) -> None:
        """Add a new key (Better Auth keeps the old one listed during the grace period)."""
        self.key, self.kid = Ed25519PrivateKey.generate(), random_kid()
        self.published.append(public_jwk(self.key, self.kid))

    def claims(self, user_id: str = "user-ada", **overrides) -> dict:
        now = int(self.clock.now())
        claims = {
            "id": user_id,
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "emailVerified": True,
            "createdAt": "2026-01-01T08:00:00.000Z",
            "updatedAt": "2026-01-01T08:00:00.000Z",
            "role": "admin",
            "softwareBackground": "Advanced",
            "hardwareBackground": "Intermediate",
            "interestArea": "Robotics",
            "iat": now,
            "sub": user_id,
            "exp": now + 900,
            "iss": self.url,
            "aud": self.url,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(
        self, claims: dict | None = None, *, header: dict | None = None, key=None, alg: str = "EdDSA", **overrides
    ) -> str:
        """A signed token; ``header`` entries replace the default ``{"kid": <current kid>}``."""
        claims = self.claims(**overrides) if claims is None else claims
        headers = {"kid": self.kid} if header is None else header
        # typ None: Better Auth's header is {"alg", "kid"} only; PyJWT would add "typ": "JWT".
        return jwt.encode(claims, key or self.key, algorithm=alg, headers={"typ": None} | headers)


def b64url(data: bytes | str | dict) -> str:
    if isinstance(data, dict):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header, payload, signature: bytes = b"") -> str:
    """A compact token assembled by hand (for headers and bytes no JWT library would produce)."""
    return f"{b64url(header)}.{b64url(payload)}.{b64url(signature)}"


def hmac_token(header: dict, payload: dict, secret: bytes) -> str:
    """An HS* token signed with arbitrary bytes as the secret (PyJWT refuses PEM-looking HMAC keys)."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[header["alg"]]
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    return signing_input + "." + b64url(hmac.new(secret, signing_input.encode(), digest).digest())


def sign_ed25519(header: dict, payload: dict, key: Ed25519PrivateKey) -> str:
    """A genuinely signed token with any header/claims (PyJWT's encode refuses e.g. a list ``iss``)."""
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    return signing_input + "." + b64url(key.sign(signing_input.encode()))
