"""fastapi-better-auth-bridge 0.6.0 in Mode C (``RemoteVerifier``): the session cookie, checked by
asking Better Auth's get-session, wired as the class's docstring shows (README: "Measured on real
code"). ``secure_cookies=False``: the checker's issuer serves plain http on loopback."""
import os
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi_better_auth import BetterAuth, CsrfDisabled, RemoteVerifier, Session, SharedSecret, User


def create_app(with_secret: bool = False) -> FastAPI:
    extra = {"secret": SharedSecret(os.environ["BETTER_AUTH_SECRET"])} if with_secret else {}
    auth = BetterAuth(verifiers=[RemoteVerifier(base_url=os.environ["BETTER_AUTH_URL"], secure_cookies=False,
                                                csrf=CsrfDisabled(reason="read-only GET routes"), **extra)])
    app = FastAPI(lifespan=auth.lifespan)
    Current = Annotated[Session[User], Depends(auth.current_session())]

    @app.get("/api/me")
    async def me(session: Current) -> dict:
        return {"id": session.user.id}

    return app


def create_app_with_secret() -> FastAPI:
    return create_app(with_secret=True)
