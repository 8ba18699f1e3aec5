"""Verify a token the way the workbook's own backend does: over HTTP, against the issuer's JWKS.

The token goes to a real backend (``GET /api/me`` with ``Authorization: Bearer``) configured
only with the issuer's URL, algorithm, issuer and audience, exactly as a learner's service is.
"""

from __future__ import annotations

import httpx

from playground.backend import BackendSettings, create_app
from playground.servers import ServerThread

from .servers import CLIENT_TLS, Target


class BackendPool:
    """One backend per (issuer URL, alg, iss, aud), started on first use and stopped at the end."""

    def __init__(self) -> None:
        self._servers: dict[tuple, ServerThread] = {}

    def verify(self, target: Target, token: str, *, alg: str, issuer: str, audience: str) -> dict:
        """The verified claims (``/api/me``'s user with the id from ``sub``), or AssertionError."""
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
        response = httpx.get(f"{self._servers[key].url}/api/me", headers={"authorization": f"Bearer {token}"},
                             verify=CLIENT_TLS)
        assert response.status_code == 200, (
            f"the backend refused a token from {target.label}: {response.status_code} "
            f"{response.headers.get('www-authenticate')} {response.text}"
        )
        return response.json()

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()
