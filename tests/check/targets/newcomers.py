"""The two backends a newcomer writes first, each graded with README's command as written
(``--env BETTER_AUTH_URL={issuer}``, no secret), and two apps that cannot start or answer:

* ``tutorial`` / ``tutorial_without_default``: FastAPI's "OAuth2 with JWT" tutorial, HS256 with a
  shared secret read from ``BETTER_AUTH_SECRET``, falling back to a committed placeholder (or to
  nothing). Better Auth's jwt plugin signs EdDSA: every real token is refused.
* ``no_audience``: the PyJWT docs' ``PyJWKClient`` way, but ``jwt.decode`` without ``audience=``:
  PyJWT then refuses every token that has an ``aud`` ("Invalid audience"), and Better Auth's do.
* ``needs_database``: its start-up connects to a database that is not running.
"""

import os
import socket
from contextlib import asynccontextmanager
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer
from jwt.exceptions import InvalidTokenError

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def _tutorial(secret_key: str | None) -> FastAPI:
    app = FastAPI()

    async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
        credentials_exception = HTTPException(401, "Could not validate credentials",
                                              headers={"WWW-Authenticate": "Bearer"})
        try:
            payload = jwt.decode(token, secret_key, algorithms=["HS256"])
        except InvalidTokenError:
            raise credentials_exception from None
        if payload.get("sub") is None:
            raise credentials_exception
        return payload

    @app.get("/api/me")
    async def me(user: Annotated[dict, Depends(get_current_user)]) -> dict:
        return {"id": user["sub"]}

    return app


tutorial = _tutorial(os.environ.get("BETTER_AUTH_SECRET", "your-secret-key"))
tutorial_without_default = _tutorial(os.environ.get("BETTER_AUTH_SECRET"))


def _no_audience() -> FastAPI:
    issuer = os.environ["BETTER_AUTH_URL"].rstrip("/")
    jwks_client = jwt.PyJWKClient(f"{issuer}/api/auth/jwks")
    app = FastAPI()

    def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
        try:
            key = jwks_client.get_signing_key_from_jwt(token)
            return jwt.decode(token, key, algorithms=["EdDSA"], issuer=issuer)
        except jwt.PyJWTError as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None

    @app.get("/api/me")
    def me(user: Annotated[dict, Depends(current_user)]) -> dict:
        return {"id": user["sub"]}

    return app


def no_audience() -> FastAPI:
    return _no_audience()


@asynccontextmanager
async def _connect_to_database(app: FastAPI):
    # What a database driver does at start-up when nothing listens on its port.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        try:
            socket.create_connection(probe.getsockname(), timeout=5)
        except ConnectionRefusedError as exc:
            raise RuntimeError(f"OperationalError: could not connect to server: {exc.strerror}") from exc
    yield


def needs_database() -> FastAPI:
    app = FastAPI(lifespan=_connect_to_database)

    @app.get("/api/me")
    async def me() -> dict:
        return {"id": "anyone"}

    return app
