"""The target apps (see the package docstring). ``app`` objects for ``--app``, factories for tests.

    DELIBERATELY BROKEN verifiers live in ``playground.lessons.attack_lab``; the apps below
    wire them in — NEVER COPY ONE.
"""


import asyncio
import os
import tempfile
import weakref
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware

from playground.lessons import attack_lab
from playground.tls import client_tls

#: verify(token, settings) -> the claims if the SIGNATURE is acceptable; raises otherwise.
SignatureCheck = Callable[[str, "Settings"], dict[str, Any]]
REQUIRED = ["exp", "iat", "iss", "aud", "sub"]


class Settings:
    def __init__(self) -> None:
        self.issuer = os.environ["BETTER_AUTH_URL"].rstrip("/")
        self.jwks_url = os.environ.get("JWKS_URL", f"{self.issuer}/api/auth/jwks")
        self.secret = os.environ.get("BETTER_AUTH_SECRET", "")
        self.jwks_client = jwt.PyJWKClient(self.jwks_url, cache_keys=True)
        # Removed with the settings (or at exit): thousands of graded apps leave no folder behind.
        self._keys_dir = tempfile.TemporaryDirectory(prefix="legacy-hmac-keys-")
        self.keys_dir = self._keys_dir.name
        # One client for every fetch: the naive verifiers still fetch the JWKS for each token, without
        # paying for a new client (its TLS setup alone is ~20 ms of CPU) on each of the run's requests;
        # and the process's one TLS context: the checker's tests build an app like this one per run.
        self.http = httpx.Client(timeout=10, verify=client_tls())
        weakref.finalize(self, self.http.close)

    def jwks(self) -> dict[str, Any]:
        return self.http.get(self.jwks_url).json()


def careful_signature(token: str, settings: Settings) -> dict[str, Any]:
    """The PyJWT docs' way: the key for the token's kid from the JWKS, algorithms pinned."""
    key = settings.jwks_client.get_signing_key_from_jwt(token)
    return jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_aud": False, "verify_iss": False,
                                                                  "verify_exp": False, "verify_iat": False,
                                                                  "verify_nbf": False})


def check_claims(token: str, settings: Settings) -> dict[str, Any]:
    """The claims checks every target shares, PyJWT's own (exp, nbf, iat, iss, aud, required)."""
    return jwt.decode(token, options={"verify_signature": False, "verify_exp": True, "verify_nbf": True,
                                      "verify_iat": True, "verify_iss": True, "verify_aud": True,
                                      "require": ["exp", "iss", "aud"]},
                      issuer=settings.issuer, audience=settings.issuer)


def create_app(signature_check: SignatureCheck = careful_signature) -> FastAPI:
    settings = Settings()
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:5173"], allow_credentials=True,
                       allow_methods=["GET"], allow_headers=["Authorization"])

    async def current_claims(request: Request) -> dict[str, Any]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            # PyJWKClient is synchronous: keep it off the event loop.
            await asyncio.to_thread(signature_check, token, settings)
            return check_claims(token, settings)
        except Exception:  # each naive verifier raises its own errors: all mean "refused"
            raise HTTPException(401, "Invalid token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    Claims = Annotated[dict[str, Any], Depends(current_claims)]

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.get("/api/me")
    async def me(claims: Claims) -> dict:
        return {"id": claims.get("sub"), "email": claims.get("email")}

    @app.get("/api/users/{user_id}/profile")
    async def profile(user_id: str, claims: Claims) -> dict:
        if claims.get("sub") != user_id:
            raise HTTPException(403, "Not your profile")
        return {"id": user_id}

    @app.get("/api/admin/stats")
    async def admin(claims: Claims) -> dict:
        if claims.get("role") != "admin":
            raise HTTPException(403, "Admins only")
        return {"ok": True}

    return app


# --- one mistake each -------------------------------------------------------------------------


def _jwks_or_legacy_hmac(legacy: Callable[[str, Settings], dict[str, Any]]) -> SignatureCheck:
    """EdDSA tokens verified carefully; any other alg handed to a legacy HMAC path (the mistake)."""

    def check(token: str, settings: Settings) -> dict[str, Any]:
        if jwt.get_unverified_header(token).get("alg") == "EdDSA":
            return careful_signature(token, settings)
        return legacy(token, settings)

    return check


WEAK: dict[str, SignatureCheck] = {
    "decode_without_verifying": lambda token, s: attack_lab.naive_decode_without_verifying(token, {}),
    "alg_from_header": lambda token, s: attack_lab.naive_alg_from_header(token, s.jwks()),
    "trusts_jwk_header": lambda token, s: attack_lab.naive_trusts_jwk_header(token, s.jwks()),
    "trusts_jku_header": lambda token, s: attack_lab.naive_trusts_jku_header(token, s.jwks_url),
    "kid_as_file_path": _jwks_or_legacy_hmac(lambda token, s: attack_lab.naive_kid_as_file_path(token, s.keys_dir)),
    "hs256_shared_secret": _jwks_or_legacy_hmac(lambda token, s: attack_lab.naive_hs256_shared_secret(token, "secret")),
}


def create_seeds_app() -> FastAPI:
    """The seeds' backend: HS256 with BETTER_AUTH_SECRET (the tutorial error), claims checked."""
    secret = os.environ["BETTER_AUTH_SECRET"]
    return create_app(lambda token, s: jwt.decode(token, secret, algorithms=["HS256"],
                                                   options={"verify_aud": False, "verify_iss": False}))
