"""Verify a token the way the workbook's own backend does: over HTTP, against the issuer's JWKS.

When ``playground.backend`` is importable, the token goes to a real backend (``GET /api/me``
with ``Authorization: Bearer``) configured only with the issuer's URL, algorithm, issuer and
audience. Until then, PyJWT verifies it against the JWKS (``credentials.verify_with_jwks``);
``VERIFIER`` says which one ran, so a report never hides the fallback.
"""

from __future__ import annotations

import httpx

from playground.servers import ServerThread

from .credentials import verify_with_jwks
from .servers import Target

try:
    from playground.backend import BackendSettings, create_app

    VERIFIER = "playground.backend"
except ImportError:  # the backend is written concurrently; fall back honestly, and say so
    BackendSettings = create_app = None
    VERIFIER = "PyJWT + JWKS (playground.backend not importable)"


class BackendPool:
    """One backend per (issuer URL, alg, iss, aud), started on first use and stopped at the end."""

    def __init__(self) -> None:
        self._servers: dict[tuple, ServerThread] = {}

    def verify(self, target: Target, token: str, *, alg: str, issuer: str, audience: str) -> dict:
        """The verified claims (``/api/me``'s user with the id from ``sub``), or AssertionError."""
        if create_app is None:
            jwks = httpx.get(f"{target.url}/api/auth/jwks").json()
            claims = verify_with_jwks(token, jwks, issuer=issuer, audience=audience)
            return {"id": claims["sub"], **claims}
        key = (target.url, alg, issuer, audience)
        if key not in self._servers:
            settings = BackendSettings(
                better_auth_url=target.url,
                algorithms=[alg],
                issuer=issuer,
                audience=audience,
                token_cache_size=0,  # every request verifies for real
            )
            self._servers[key] = ServerThread(create_app(settings), name="backend").start()
        response = httpx.get(f"{self._servers[key].url}/api/me", headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200, (
            f"the backend refused a token from {target.label}: {response.status_code} "
            f"{response.headers.get('www-authenticate')} {response.text}"
        )
        return response.json()

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()
