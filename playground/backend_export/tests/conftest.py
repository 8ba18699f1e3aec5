"""A fake Better Auth on loopback for the package's tests: the JWKS and get-session, nothing else.

Made from the standard library (``http.server`` in a thread) and ``cryptography``: the tests need
nothing beyond the package's own dependencies and pytest. It mints tokens shaped like Better Auth
1.7's jwt plugin (header ``{"alg": "EdDSA", "kid"}``, the user object as claims, ``sub``, ``iat``,
``exp`` = iat + 15 min, ``iss`` = ``aud`` = the base URL's origin). Its key is generated per run.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import string
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from better_auth_backend import BackendSettings, create_app
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

#: The instant the tests' clock is frozen at: 2026-01-01T09:00:00Z.
NOW = 1_767_258_000.0


class FrozenClock:
    """The backend takes any object with ``now()``."""

    def __init__(self, at: float = NOW) -> None:
        self.at = at

    def now(self) -> float:
        return self.at


class FakeBetterAuth:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.kid = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        jwk = json.loads(OKPAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{"alg": "EdDSA", "crv": "Ed25519", "x": jwk["x"], "kty": "OKP", "kid": self.kid}]}
        self.session_body: object = None  # what get-session answers: null when signed out
        self.down = False
        self.jwks_fetches = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if fake.down:
                    return self._answer(503, {"message": "down"})
                if self.path == "/api/auth/jwks":
                    fake.jwks_fetches += 1
                    return self._answer(200, fake.jwks)
                if self.path == "/api/auth/get-session":
                    return self._answer(200, fake.session_body)
                self._answer(404, None)

            def _answer(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def claims(self, **overrides) -> dict:
        now = int(NOW)
        claims = {"id": "user-ada", "name": "Ada Lovelace", "email": "ada@example.com", "emailVerified": True,
                  "role": "admin", "iat": now, "sub": "user-ada", "exp": now + 900, "iss": self.url, "aud": self.url}
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def mint(self, *, header: dict | None = None, key=None, alg: str = "EdDSA", **overrides) -> str:
        headers = {"typ": None, "kid": self.kid} | (header or {})
        return jwt.encode(self.claims(**overrides), key or self.key, algorithm=alg, headers=headers)


@pytest.fixture
def better_auth():
    fake = FakeBetterAuth()
    yield fake
    fake.stop()


class AppClient:
    """Synchronous requests to the app in-process (httpx's ASGI transport), on one event loop for
    the whole test, inside the app's lifespan: what a server would do, without one."""

    def __init__(self, app) -> None:
        self._loop = asyncio.new_event_loop()
        self._lifespan = app.router.lifespan_context(app)
        self._loop.run_until_complete(self._lifespan.__aenter__())
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://backend.test")

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self._loop.run_until_complete(self._client.get(path, **kwargs))

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self._loop.close()


@pytest.fixture
def client(better_auth):
    """The backend, configured for the fake Better Auth by its URL alone."""
    app_client = AppClient(
        create_app(BackendSettings(better_auth_url=better_auth.url, http_timeout=2), clock=FrozenClock())
    )
    yield app_client
    app_client.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
