"""A careful app with a stricter policy: users whose email is not verified get 403. Sound, not a hole;
the checker's users are fresh sign-ups (``emailVerified: false``), so it cannot be graded, and must be
told that rather than guess at HS256."""

import os
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(auto_error=False)


def create_app() -> FastAPI:
    issuer = os.environ["BETTER_AUTH_URL"].rstrip("/")
    keys = jwt.PyJWKClient(f"{issuer}/api/auth/jwks", cache_keys=True)
    app = FastAPI()

    def current_user(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> dict:
        if credentials is None:
            raise HTTPException(401, "missing token", headers={"WWW-Authenticate": "Bearer"})
        try:
            key = keys.get_signing_key_from_jwt(credentials.credentials).key
            claims = jwt.decode(credentials.credentials, key, algorithms=["EdDSA"], audience=issuer, issuer=issuer,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.PyJWTError:
            challenge = 'Bearer error="invalid_token"'
            raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": challenge}) from None
        if claims.get("emailVerified") is not True:
            raise HTTPException(403, "verify your email first")
        return claims

    @app.get("/api/me")
    def me(user: Annotated[dict, Depends(current_user)]) -> dict:
        return {"id": user["sub"]}

    return app
