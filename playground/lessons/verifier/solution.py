"""A Better Auth verifier for FastAPI that a team can ship: the one lesson 03b builds (copy this one).

Keys come from the issuer's JWKS (fetched with httpx, refetched when a ``kid`` is unknown, at most
once a second, and whenever the set is older than ``MAX_KEY_AGE``, so a key the issuer withdrew
stops being trusted); the algorithm list is ours, never the token's; ``iss``, ``aud``, ``exp``,
``iat`` and ``sub`` are required, with a small clock-skew ``LEEWAY``; every rejection is a 401 that
says why (RFC 6750), never a 500.
"""

import time
from typing import Any

import httpx
import jwt
from fastapi import HTTPException, Request
from pydantic import BaseModel

ALGORITHMS = ["EdDSA"]  # what Better Auth's jwt plugin signs with (jwks.keyPairConfig.alg)
MAX_LIFETIME = 24 * 3600  # Better Auth mints 15 minutes; nothing legitimate lives for ever
LEEWAY = 30  # seconds of clock skew: PyJWT refuses an iat in the future, and clocks drift
MAX_KEY_AGE = 300  # seconds a fetched key set is trusted before it is fetched again
REFETCH_INTERVAL = 1.0  # unknown kids refetch at most this often: garbage kids cannot hammer the issuer


class User(BaseModel):
    id: str
    email: str | None = None
    role: str | None = None

    def has_role(self, role: str) -> bool:
        return role in (self.role or "").split(",")  # Better Auth's admin plugin: no trimming


class KeySet:
    """The issuer's public keys by kid."""

    def __init__(self, jwks_url: str) -> None:
        self.jwks_url, self.keys, self.fetched_at = jwks_url, {}, float("-inf")

    async def get(self, kid: str) -> jwt.PyJWK:
        age = time.monotonic() - self.fetched_at
        if age > MAX_KEY_AGE or (kid not in self.keys and age > REFETCH_INTERVAL):
            self.fetched_at = time.monotonic()
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.jwks_url)
            response.raise_for_status()
            # Replaced, never merged: a key the issuer withdrew goes with the old set.
            self.keys = {jwk["kid"]: jwt.PyJWK(jwk) for jwk in response.json()["keys"]}
        if kid not in self.keys:
            raise jwt.InvalidTokenError("no key with this kid in the issuer's JWKS")
        return self.keys[kid]


async def verify_token(token: str, keys: KeySet, issuer: str) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token).get("kid")
    if not isinstance(kid, str):
        raise jwt.InvalidTokenError("the token has no kid")
    claims = jwt.decode(token, await keys.get(kid), algorithms=ALGORITHMS, issuer=issuer, audience=issuer,
                        leeway=LEEWAY, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    if any(type(claims.get(name, 0)) not in (int, float) for name in ("exp", "iat", "nbf")):
        raise jwt.InvalidTokenError("a time claim is not a number")
    if claims["exp"] - claims["iat"] > MAX_LIFETIME or not isinstance(claims["sub"], str) or not claims["sub"]:
        raise jwt.InvalidTokenError("the token's lifetime or subject is invalid")
    return claims


def authenticate(keys: KeySet, issuer: str, verify=verify_token):
    """The dependency: the verified ``User`` of the request, or a 401 that says why."""

    async def current_user(request: Request) -> User:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = await verify(token, keys, issuer)
        except jwt.PyJWTError as error:
            challenge = f'Bearer error="invalid_token", error_description="{type(error).__name__}"'
            raise HTTPException(401, "Invalid token", headers={"WWW-Authenticate": challenge}) from None
        except httpx.HTTPError:
            raise HTTPException(503, "The issuer's keys are unavailable", headers={"Retry-After": "5"}) from None
        return User(id=claims["sub"], email=claims.get("email"), role=claims.get("role"))

    return current_user


def is_owner(user: User, user_id: str) -> bool:
    return user.id == user_id  # the token's sub, never a user id the client sends
