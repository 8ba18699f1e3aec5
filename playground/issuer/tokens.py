"""The jwt plugin: key lifecycle (lazy creation, rotation, grace period) and signing JWTs.

Follows ``better-auth/dist/plugins/jwt/{sign,utils,index}.mjs``. Claims are built in the real
plugin's member order: ``iat``, the user object (or the ``definePayload`` result), ``sub``, then
``exp``, ``iss``, ``aud`` unless the payload already set them. The header is ``{"alg","kid"}``:
no ``typ``, which PyJWT would add by default.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Any

from jwt.api_jws import PyJWS

from playground.issuer import keys
from playground.issuer.config import IssuerConfig
from playground.issuer.javascript import stringify
from playground.issuer.keys import KeyRow
from playground.issuer.randomness import Randomness
from playground.issuer.store import Store

_UNITS = {
    "y": 31557600, "yr": 31557600, "yrs": 31557600, "year": 31557600, "years": 31557600,
    "mo": 2592000, "month": 2592000, "months": 2592000,
    "w": 604800, "week": 604800, "weeks": 604800,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}
_TIME = re.compile(r"^([+-])? ?(\d+|\d+\.\d+) ?([a-z]+)(?: (ago|from now))?$", re.IGNORECASE)


def seconds(value: str) -> int:
    """Better Auth's ``sec()`` (``utils/time.mjs``): ``"15m"``, ``"1 hour"``, ``"2 days ago"``."""
    match = _TIME.match(value)
    unit = match and match.group(3).lower()
    if not match or unit not in _UNITS or (match.group(1) and match.group(4)):
        raise ValueError(f'Invalid time string format: "{value}". Use formats like "7d", "30m", "1 hour", etc.')
    result = float(match.group(2)) * _UNITS[unit]
    negative = match.group(1) == "-" or match.group(4) == "ago"
    return -round(result) if negative else math.floor(result + 0.5)


def expiry(expiration_time: str | int, iat: int) -> int:
    """``toExpJWT``: a number is an absolute ``exp`` (a Better Auth quirk), a string is relative."""
    if isinstance(expiration_time, int):
        return expiration_time
    return iat + seconds(expiration_time)


def encode_jws(payload: dict[str, Any], key: Any, alg: str, header: dict[str, Any]) -> str:
    # JSON as JavaScript writes it: compact, non-ASCII kept as is, member order preserved.
    body = stringify(payload).encode()
    return PyJWS().encode(body, key, algorithm=alg, headers={"typ": None, **header})


class Signer:
    """Owns the signing keys of one issuer and signs its JWTs."""

    def __init__(self, config: IssuerConfig, store: Store, rng: Randomness) -> None:
        self._config = config
        self._store = store
        self._rng = rng
        self._material = keys.demo_key_material() if config.deterministic else None
        # Two first requests at once must not mint two "first" keys.
        self._lock = threading.Lock()

    def create_key(self) -> KeyRow:
        row = keys.new_row(
            self._config.alg,
            secret=self._config.secret,
            rng=self._rng,
            now=self._config.clock.now(),
            material=self._material,
            rotation_interval=self._config.rotation_interval,
        )
        self._store.add_key(row)
        return row

    def jwks(self) -> list[dict]:
        """The ``/jwks`` keys: created lazily, expired keys listed until the grace period ends."""
        with self._lock:
            rows = self._store.keys() or [self.create_key()]
        now = self._config.clock.now()
        live = [r for r in rows if r.expires_at is None or r.expires_at + self._config.grace_period > now]
        return [r.public_jwk() for r in live]

    def signing_key(self) -> KeyRow:
        """The newest live key of the configured alg (else any), minting one if none is live."""
        with self._lock:
            now = self._config.clock.now()
            live = [r for r in self._store.keys() if r.expires_at is None or r.expires_at > now]
            newest = sorted(live, key=lambda r: r.created_at, reverse=True)
            same_alg = [r for r in newest if r.alg == self._config.alg]
            key = (same_alg or newest or [None])[0]
            return key if key is not None else self.create_key()

    def sign(self, payload: dict[str, Any], origin: str) -> str:
        """``signJWT``: fill in ``exp``/``iss``/``aud`` defaults, then sign (or call custom sign)."""
        config = self._config
        payload = dict(payload)
        iat = payload.get("iat")
        now = math.floor(config.clock.now())
        payload.setdefault("exp", expiry(config.expiration_time, iat if iat is not None else now))
        issuer = config.jwt_issuer if config.jwt_issuer is not None else origin
        audience = config.jwt_audience if config.jwt_audience is not None else origin
        payload.setdefault("iss", issuer)
        payload.setdefault("aud", list(audience) if isinstance(audience, tuple) else audience)
        if config.custom_sign is not None:
            return config.custom_sign(payload)
        row = self.signing_key()
        return encode_jws(payload, keys.load_private(row, config.secret), row.alg, {"kid": row.id})

    def session_jwt(self, session: dict[str, Any], origin: str) -> str:
        """``getJwtToken``: the user object (or ``definePayload``), with ``iat`` first and ``sub`` forced."""
        config = self._config
        body = config.define_payload(session) if config.define_payload else session["user"]
        payload = {"iat": math.floor(config.clock.now()), **body, "sub": session["user"]["id"]}
        return self.sign(payload, origin)
