"""The apps the reference backend is measured against, each as a uvicorn factory.

Both peers serve the same two routes as the reference backend — ``/api/public`` (no
authentication) and ``/api/me`` (the verified user) — and read ``BETTER_AUTH_URL`` from the
environment, so one load script drives all three:

* ``bridge_app``: fastapi-better-auth-bridge 0.6.0 in its JWT mode (Mode B), configured as its
  README's quickstart says (``playground.lessons.libraries.bridge_jwt_app``, which lesson 03c runs).
* ``docs_style_app``: what FastAPI's security tutorial becomes for Better Auth tokens — PyJWT with
  a ``PyJWKClient`` called inside an ``async def`` dependency on ``HTTPBearer``.

And one control, not a peer: ``controls_app`` is the reference app plus two routes placed right
after ``/api/public``, where ``/api/me`` sits (route matching is linear, so position costs):

* ``/api/noop``: one dependency that does nothing — what FastAPI charges to solve one ``Depends``;
* ``/api/fixed-user``: ``/api/me`` exactly (a ``BetterAuthBearer``, ``response_model=User``) except
  that the dependency returns a constant user (the one in ``BENCH_CONTROL_CLAIMS``) instead of
  verifying anything — the ceiling for ``/api/me`` however cheap verification became.
"""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependencies that the
# factories define locally as objects, not as strings it cannot resolve at module level.
import json
import os
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

PUBLIC_BODY = {"message": "Anyone can read this.", "authenticated": False}


def _auth_url() -> str:
    return os.environ["BETTER_AUTH_URL"].rstrip("/")


def bridge_app() -> FastAPI:
    from playground.lessons.libraries import bridge_jwt_app  # the app lesson 03c runs

    return bridge_jwt_app(_auth_url())


def controls_app() -> FastAPI:
    from playground.backend import BetterAuthBearer, User
    from playground.backend.app import create_app_from_env

    app = create_app_from_env()
    user = User.from_claims(json.loads(os.environ["BENCH_CONTROL_CLAIMS"]))

    async def nothing() -> None:
        return None

    class ConstantUser(BetterAuthBearer):
        async def __call__(self, request: Request) -> User:
            return user

    @app.get("/api/fixed-user", response_model=User)
    async def fixed_user(current: Annotated[User, Depends(ConstantUser(auto_error=False))]) -> User:
        return current

    @app.get("/api/noop")
    async def noop(_: Annotated[None, Depends(nothing)]) -> dict:
        return PUBLIC_BODY

    routes = app.router.routes
    controls = routes[-2:]
    del routes[-2:]
    after_public = next(i for i, route in enumerate(routes) if getattr(route, "path", None) == "/api/public") + 1
    routes[after_public:after_public] = controls
    return app


def docs_style_app() -> FastAPI:
    url = _auth_url()
    jwks_client = jwt.PyJWKClient(f"{url}/api/auth/jwks")
    bearer = HTTPBearer()
    app = FastAPI()

    async def current_claims(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> dict[str, Any]:
        try:
            signing_key = jwks_client.get_signing_key_from_jwt(credentials.credentials)
            return jwt.decode(credentials.credentials, signing_key.key, algorithms=["EdDSA"],
                              issuer=url, audience=url)
        except jwt.PyJWTError as error:
            raise HTTPException(401, "Could not validate credentials",
                                headers={"WWW-Authenticate": "Bearer"}) from error

    @app.get("/api/public")
    async def public() -> dict:
        return PUBLIC_BODY

    @app.get("/api/me")
    async def me(claims: Annotated[dict[str, Any], Depends(current_claims)]) -> dict[str, Any]:
        return {"id": claims["sub"], "email": claims.get("email"), "name": claims.get("name")}

    return app
