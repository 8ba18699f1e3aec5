"""Lesson 03b's first draft: a verifier with the mistakes learners typically make. NEVER COPY IT.

Each function here has the same name and job as its counterpart in ``solution.py`` and exactly
one kind of mistake, so the lesson can fix them one at a time and re-grade after each fix:

* ``KeySet``: fetches the keys once and looks a kid up with ``next(...)`` — an unknown kid is a
  500 (``StopIteration``), and a rotated-in key is never seen;
* ``verify_token``: turns off the audience check ("it raised InvalidAudienceError") and never
  checks the issuer or requires the claims — a token for another API, or without ``exp``, passes;
* ``authenticate``: catches only ``ExpiredSignatureError`` — every other bad token is a 500;
* ``is_owner``: "the route is authenticated, so it is safe" — any user reads any profile.
"""

from typing import Any

import httpx
import jwt
from fastapi import HTTPException, Request

from .solution import ALGORITHMS, User


class KeySet:
    def __init__(self, jwks_url: str) -> None:
        self.jwks_url, self.jwks = jwks_url, None

    async def get(self, kid: str) -> jwt.PyJWK:
        if self.jwks is None:  # MISTAKE: fetched once, never again
            async with httpx.AsyncClient(timeout=5.0) as client:
                self.jwks = (await client.get(self.jwks_url)).json()
        return jwt.PyJWK(next(k for k in self.jwks["keys"] if k["kid"] == kid))  # MISTAKE: StopIteration


async def verify_token(token: str, keys: KeySet, issuer: str) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token)["kid"]
    # MISTAKE: no issuer=, no audience= (silenced with verify_aud), no required claims.
    return jwt.decode(token, await keys.get(kid), algorithms=ALGORITHMS, options={"verify_aud": False})


def authenticate(keys: KeySet, issuer: str, verify=verify_token):
    async def current_user(request: Request) -> User:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = await verify(token, keys, issuer)
        except jwt.ExpiredSignatureError:  # MISTAKE: every other error escapes as a 500
            raise HTTPException(401, "Token expired") from None
        return User(id=claims["sub"], email=claims.get("email"), role=claims.get("role"))

    return current_user


def is_owner(user: User, user_id: str) -> bool:
    return True  # MISTAKE: authenticated is not authorised
