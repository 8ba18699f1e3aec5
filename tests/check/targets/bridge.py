"""fastapi-better-auth-bridge 0.6.0 in its JWT / JWKS mode (Mode B), wired as its README shows.

The one target nobody here wrote. ``BetterAuth.from_env()`` reads ``BETTER_AUTH_URL``: its
origin is the required ``iss`` and ``aud`` and where the key set comes from.
"""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi_better_auth import AdminUser, BetterAuth, JwtVerifier, Session, normalize_base_url


def create_app() -> FastAPI:
    import os

    auth = BetterAuth(verifiers=[JwtVerifier(base_url=normalize_base_url(os.environ["BETTER_AUTH_URL"]))])
    CurrentSession = Annotated[Session[AdminUser], Depends(auth.current_session(user_model=AdminUser))]
    # The role check is the app's own code (the bridge gives the user record): Better Auth's way.
    Admin = Annotated[Session[AdminUser], Depends(auth.require(lambda s: "admin" in (s.user.role or "").split(","),
                                                               reason="admin role", user_model=AdminUser))]
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:5173"], allow_credentials=True,
                       allow_methods=["GET"], allow_headers=["Authorization"])

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.get("/api/me")
    async def me(session: CurrentSession) -> dict:
        return {"id": session.user.id, "email": session.user.email}

    @app.get("/api/users/{user_id}/profile")
    async def profile(user_id: str, session: CurrentSession) -> dict:
        if session.user.id != user_id:
            raise HTTPException(403, "Not your profile")
        return {"id": user_id}

    @app.get("/api/admin/stats")
    async def admin(session: Admin) -> dict:
        return {"ok": True}

    return app
