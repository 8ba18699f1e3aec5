"""The playground's teaching controls, as a client of the issuer's ``/__playground/`` routes.

Both auth servers offer the same routes when the playground enables them (never by default):
the embedded issuer in ``playground.issuer.teaching_routes`` and the real Better Auth in
``playground/better_auth/server.mjs``. Lessons use this one client for either. The routes answer
only to the per-run controls token the server was started with; this client sends it on every
request (``playground.auth_server.start_auth_server`` hands the same token to both).
"""

from __future__ import annotations

from typing import Any

import httpx

from playground.tls import client_tls

PREFIX = "/__playground"


class TeachingControlError(RuntimeError):
    """The auth server refused a teaching control (the message is the server's)."""


class TeachingControls:
    def __init__(self, auth_url: str, token: str) -> None:
        #: The per-run secret the controls demand (``python -m playground serve`` prints it).
        self.token = token
        self._client = httpx.Client(base_url=auth_url + PREFIX, timeout=10.0, verify=client_tls(),
                                    headers={"authorization": f"Bearer {token}"})

    def state(self) -> dict[str, Any]:
        """``{"now": the issuer's epoch seconds, "keys": every key, retired ones included}``."""
        return self._call("GET", "/state")

    def rotate_keys(self, *, keep_old: bool = True) -> str:
        """Retire the signing key now; the new kid. The old key stays in the JWKS for the grace
        period, or leaves it at once with ``keep_old=False`` (a key rotated out)."""
        return self._call("POST", "/keys/rotate", json={"keepOld": keep_old})["kid"]

    def mint_token(self, email: str = "ada@example.com", *, claims: dict[str, Any] | None = None,
                   drop: list[str] | tuple[str, ...] = (), algorithm: str = "jwks") -> str:
        """The JWT ``/api/auth/token`` would give ``email``, with ``claims`` overridden and
        ``drop`` removed. ``algorithm="HS256"`` (signed with the secret) and ``"none"`` make the
        forgeries a correct verifier must refuse."""
        body = {"email": email, "claims": claims or {}, "drop": list(drop), "algorithm": algorithm}
        return self._call("POST", "/tokens", json=body)["token"]

    def shift_issuer_clock(self, seconds: float) -> dict[str, Any]:
        """Move the auth server's clock (embedded issuer only: the real one reads the system clock)."""
        return self._call("POST", "/clock/shift", json={"seconds": seconds})

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        response = self._client.request(method, path, **kwargs)
        if response.status_code != 200:
            raise TeachingControlError(f"{method} {PREFIX}{path}: {response.status_code} {response.text}")
        return response.json()
