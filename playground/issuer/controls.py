"""Teaching controls: move the issuer's clock, rotate its keys now, mint tokens with chosen claims.

They exist for the troubleshooting lessons (an expired token, a wrong audience, a rotated key)
and are off unless ``IssuerConfig(teaching_controls=True)``. Then they are reachable as
``app.state.controls`` and over HTTP under ``/__playground/`` — a prefix no Better Auth route
uses, so the real-Better-Auth twin can offer the same controls at the same paths:

* ``GET  /__playground/state`` → ``{"now": epoch seconds, "keys": [JWKS entries incl. expired]}``
* ``POST /__playground/clock/shift`` ``{"seconds": 900}`` → the new state
* ``POST /__playground/keys/rotate`` → ``{"kid": new kid}``
* ``POST /__playground/tokens`` ``{"email": ..., "claims": {...}, "drop": ["aud"], "algorithm": "jwks"|"HS256"|"none"}``
  → ``{"token": ...}``
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import jwt as pyjwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playground.issuer.errors import AuthError
from playground.issuer.keys import load_private
from playground.issuer.tokens import encode_jws, expiry

if TYPE_CHECKING:
    from playground.issuer.app import Issuer

PREFIX = "/__playground"
ALGORITHMS = ("jwks", "HS256", "none")


class TeachingControls:
    def __init__(self, issuer: Issuer) -> None:
        self._issuer = issuer

    def state(self) -> dict[str, Any]:
        return {"now": self._issuer.config.clock.now(), "keys": [r.public_jwk() for r in self._issuer.store.keys()]}

    def shift_clock(self, seconds: float) -> dict[str, Any]:
        """Move the issuer's clock (it is shared with whatever else was given the same Clock)."""
        self._issuer.config.clock.shift(seconds)
        return self.state()

    def rotate_keys(self) -> str:
        """Expire every key now and make a new one: old tokens verify until the grace period ends."""
        now = self._issuer.config.clock.now()
        self._issuer.store.expire_keys(now)
        return self._issuer.signer.create_key().id

    def mint_token(self, email: str = "ada@example.com", *, claims: dict[str, Any] | None = None,
                   drop: tuple[str, ...] | list[str] = (), algorithm: str = "jwks",
                   origin: str | None = None) -> str:
        """The JWT ``/token`` would give ``email``'s user, then ``claims`` overridden and ``drop`` removed.

        ``algorithm``: ``"jwks"`` signs with the issuer's key (verifies against ``/jwks``);
        ``"HS256"`` signs with the auth secret and ``"none"`` is unsigned — both must be rejected
        by a correct verifier (the algorithm-confusion lessons). ``origin`` is the default
        ``iss``/``aud`` when no base URL is configured.
        """
        issuer = self._issuer
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}")
        issuer.sessions.wait_seeded()
        user = issuer.store.user_by_email(email.lower())
        if user is None:
            raise LookupError(f"no user {email!r}")
        origin = issuer.config.origin or origin or ""
        payload = {"iat": math.floor(issuer.config.clock.now()), **user, "sub": user["id"]}
        payload.update(claims or {})
        payload.setdefault("exp", expiry(issuer.config.expiration_time, payload["iat"]))
        payload.setdefault("iss", issuer.config.jwt_issuer or origin)
        payload.setdefault("aud", issuer.config.jwt_audience or origin)
        for name in drop:
            payload.pop(name, None)
        if algorithm == "jwks":
            row = issuer.signer.signing_key()
            return encode_jws(payload, load_private(row, issuer.config.secret), row.alg, {"kid": row.id})
        key = issuer.config.secret.encode() if algorithm == "HS256" else None
        return pyjwt.encode(payload, key, algorithm=algorithm, headers={"typ": None})


def routes(controls: TeachingControls) -> list[Route]:
    async def state(request: Request) -> Response:
        return JSONResponse(controls.state())

    async def shift(request: Request) -> Response:
        body = await _json(request)
        if body is None:
            return _bad("body must be a JSON object")
        seconds = body.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            return _bad("seconds must be a number")
        return JSONResponse(controls.shift_clock(seconds))

    async def rotate(request: Request) -> Response:
        return JSONResponse({"kid": controls.rotate_keys()})

    async def mint(request: Request) -> Response:
        body = await _json(request)
        if body is None:
            return _bad("body must be a JSON object")
        try:
            token = controls.mint_token(
                body.get("email", "ada@example.com"), claims=body.get("claims") or {},
                drop=body.get("drop") or (), algorithm=body.get("algorithm", "jwks"),
                origin=f"{request.url.scheme}://{request.headers.get('host', '')}",
            )
        except (ValueError, LookupError, TypeError, AttributeError) as exc:
            return _bad(str(exc))
        return JSONResponse({"token": token})

    return [
        Route(f"{PREFIX}/state", state, methods=["GET"]),
        Route(f"{PREFIX}/clock/shift", shift, methods=["POST"]),
        Route(f"{PREFIX}/keys/rotate", rotate, methods=["POST"]),
        Route(f"{PREFIX}/tokens", mint, methods=["POST"]),
    ]


async def _json(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _bad(message: str) -> Response:
    return AuthError(400, "BAD_REQUEST", message).response()
