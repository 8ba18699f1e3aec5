"""Careful apps that do not fit the defaults: their own ``iss``/``aud`` (the jwt plugin's
``jwt.issuer``/``jwt.audience``), keys read from a file or an environment variable instead of the
JWKS URL, a ``BETTER_AUTH_URL`` that must say ``localhost``."""

import os
import urllib.parse
from collections.abc import Callable
from typing import Any

import jwt
from fastapi import FastAPI, HTTPException, Request


def _app(key_for: Callable[[str], Any], issuer: str, audience: str) -> FastAPI:
    app = FastAPI()

    @app.get("/api/me")
    async def me(request: Request) -> dict:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = jwt.decode(token, key_for(token), algorithms=["EdDSA"], issuer=issuer, audience=audience,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except Exception:
            raise HTTPException(401, "Invalid token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
        return {"id": claims["sub"]}

    return app


def _from_key_set(key_set: jwt.PyJWKSet) -> Callable[[str], Any]:
    def key_for(token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        return next(k for k in key_set.keys if k.key_id == kid)

    return key_for


def pinned_claims() -> FastAPI:
    """Keys from the JWKS URL; iss and aud its own (EXPECTED_ISSUER, EXPECTED_AUDIENCE)."""
    client = jwt.PyJWKClient(os.environ["JWKS_URL"])
    return _app(lambda token: client.get_signing_key_from_jwt(token), os.environ["EXPECTED_ISSUER"],
                os.environ["EXPECTED_AUDIENCE"])


def keys_from_file() -> FastAPI:
    """The public key set read once from JWKS_FILE (as an app that copies Better Auth's jwks table)."""
    with open(os.environ["JWKS_FILE"], encoding="utf-8") as file:
        key_set = jwt.PyJWKSet.from_json(file.read())
    issuer = os.environ["BETTER_AUTH_URL"]
    return _app(_from_key_set(key_set), issuer, issuer)


def keys_from_env() -> FastAPI:
    """The public key set from the JWKS_JSON variable."""
    issuer = os.environ["BETTER_AUTH_URL"]
    return _app(_from_key_set(jwt.PyJWKSet.from_json(os.environ["JWKS_JSON"])), issuer, issuer)


def localhost_only() -> FastAPI:
    """Refuses to start unless BETTER_AUTH_URL names localhost (its cookies and CORS are set up for it)."""
    issuer = os.environ["BETTER_AUTH_URL"]
    if urllib.parse.urlsplit(issuer).hostname != "localhost":
        raise RuntimeError(f"BETTER_AUTH_URL must be http://localhost:<port>, not {issuer}")
    client = jwt.PyJWKClient(f"{issuer}/api/auth/jwks")
    return _app(lambda token: client.get_signing_key_from_jwt(token), issuer, issuer)
