"""Targets with one hole each where a GET-only checker never looks: a write method, another user's
resource, a session credential. ``HOLES`` maps a required case id to a factory of an app (graded
with the usual ``targets_common.ROUTES`` and the JWT) that fails exactly that required case;
``SESSION_HOLES`` does the same for the session credentials, with the settings each needs.

Every app is the careful one of ``apps.py`` (or the reference backend's session routes) plus routes
that are careful except for the one mistake, so any other failure is the checker's.
"""


import base64
import hashlib
import hmac
import itertools
import json
import os
import time
import urllib.parse
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, Field

from .apps import WEAK, Settings, SignatureCheck, careful_signature, check_claims, create_app

Claims = dict[str, Any]


def _current_claims_dependency(signature_check: SignatureCheck = careful_signature) -> Callable[[Request], Any]:
    settings = Settings()

    async def current_claims(request: Request) -> Claims:
        import asyncio

        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            await asyncio.to_thread(signature_check, token, settings)
            return check_claims(token, settings)
        except Exception:
            raise HTTPException(401, "Invalid token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    return current_claims


class Note(BaseModel):
    text: str = Field(min_length=3, max_length=200)


class Profile(BaseModel):
    name: str = Field(min_length=1)


def writes_without_auth() -> FastAPI:
    """POST /api/me validates its body before anything else and never authenticates: with a bad
    body it answers 422 (what hid the hole), with a valid one 201 to anyone."""
    app = create_app()

    @app.post("/api/me", status_code=201)
    async def add_note(note: Note) -> dict:
        return {"saved": note.text}

    return app


def deletes_without_auth_behind_a_query() -> FastAPI:
    """DELETE /api/me?confirm=true erases without authenticating; without its required query
    parameter it answers 422, which is what hid the hole."""
    app = create_app()

    @app.delete("/api/me")
    async def erase(confirm: bool) -> dict:
        return {"erased": confirm}

    return app


def writes_other_users_profile() -> FastAPI:
    """PUT /api/users/{user_id}/profile authenticates, but never compares the id (GET does)."""
    app = create_app()
    Current = Annotated[Claims, Depends(_current_claims_dependency())]

    @app.put("/api/users/{user_id}/profile")
    async def update_profile(user_id: str, profile: Profile, claims: Current) -> dict:
        return {"id": user_id, "name": profile.name}

    return app


def post_only(signature_check: SignatureCheck = careful_signature) -> FastAPI:
    """An app whose one protected route is a write (a chat or upload API): POST /api/notes."""
    app = FastAPI()
    Current = Annotated[Claims, Depends(_current_claims_dependency(signature_check))]

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.post("/api/notes", status_code=201)
    async def add_note(note: Note, claims: Current) -> dict:
        return {"owner": claims["sub"], "text": note.text}

    return app


def validates_after_a_legacy_token() -> FastAPI:
    """GET /api/notes also accepts HS256 tokens signed with 'secret' (a legacy verifier), then asks
    those for an X-Legacy-Client header nobody else sends: a forged token gets past authentication
    and only a 422 refuses the request, while the same request without a token gets a 401."""
    app = FastAPI()
    Current = Annotated[Claims, Depends(_current_claims_dependency(WEAK["hs256_shared_secret"]))]

    @app.get("/api/notes")
    async def notes(request: Request, claims: Current) -> dict:
        token = request.headers["authorization"].partition(" ")[2]
        if jwt.get_unverified_header(token).get("alg") == "HS256" and "x-legacy-client" not in request.headers:
            raise HTTPException(422, "legacy tokens need the X-Legacy-Client header")
        return {"owner": claims["sub"], "notes": []}

    return app


def accepts_any_bearer() -> FastAPI:
    """A debug route, GET /api/session, that needs an Authorization header but never verifies it
    (listed first), and a careful GET /api/me."""
    app = FastAPI()
    Current = Annotated[Claims, Depends(_current_claims_dependency())]

    @app.get("/api/session")
    async def session(request: Request) -> dict:
        if not request.headers.get("authorization", "").lower().startswith("bearer "):
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        return {"debug": True}

    @app.get("/api/me")
    async def me(claims: Current) -> dict:
        return {"id": claims["sub"]}

    return app


def per_user_routes(*, audience: bool = True) -> FastAPI:
    """An app whose protected routes all hold the user's id (``/api/{user_id}/chat``, ``/api/{user_id}/tasks``),
    each comparing it with the token's sub. ``audience=False``: it calls ``jwt.decode`` without
    ``audience=``, so PyJWT refuses every Better Auth token (they carry an aud)."""
    settings = Settings()
    app = FastAPI()

    def verify(token: str) -> Claims:
        if audience:
            careful_signature(token, settings)
            return check_claims(token, settings)
        key = settings.jwks_client.get_signing_key_from_jwt(token)
        return jwt.decode(token, key, algorithms=["EdDSA"], issuer=settings.issuer)

    async def current_claims(request: Request) -> Claims:
        import asyncio

        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            return await asyncio.to_thread(verify, token)
        except Exception as exc:
            raise HTTPException(401, f"Invalid token: {exc}",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    Current = Annotated[Claims, Depends(current_claims)]

    def own(user_id: str, claims: Claims) -> None:
        if claims["sub"] != user_id:
            raise HTTPException(403, "Not your resource")

    @app.get("/api/public")
    async def public() -> dict:
        return {"public": True}

    @app.post("/api/{user_id}/chat")
    async def chat(user_id: str, note: Note, claims: Current) -> dict:
        own(user_id, claims)
        return {"reply": note.text}

    @app.get("/api/{user_id}/tasks/{page}")
    async def tasks(user_id: str, page: int, claims: Current) -> dict:
        own(user_id, claims)
        return {"tasks": [], "page": page}

    return app


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    done: bool = False


class TaskPatch(BaseModel):
    title: str | None = Field(default=None, min_length=1)
    done: bool | None = None


def create_tasks_app(hole: str | None = None) -> FastAPI:
    """The careful app plus a task API: each task belongs to its creator. ``hole`` is the one
    method ("GET", "PUT", "PATCH", "DELETE") that forgets to compare the owner."""
    app = create_app()
    Current = Annotated[Claims, Depends(_current_claims_dependency())]
    tasks: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def owned(task_id: str, claims: Claims, method: str) -> dict[str, Any]:
        task = tasks.get(task_id)
        if task is None or (method != hole and task["owner"] != claims["sub"]):
            raise HTTPException(404, "No such task")  # another user's task is hidden, not forbidden
        return task

    @app.post("/api/tasks", status_code=201)
    async def create(body: TaskIn, claims: Current) -> dict:
        task_id = str(next(ids))
        tasks[task_id] = {"id": task_id, "owner": claims["sub"], **body.model_dump()}
        return tasks[task_id]

    @app.get("/api/tasks/{task_id}")
    async def read(task_id: str, claims: Current) -> dict:
        return owned(task_id, claims, "GET")

    @app.put("/api/tasks/{task_id}")
    async def replace(task_id: str, body: TaskIn, claims: Current) -> dict:
        task = owned(task_id, claims, "PUT")
        task.update(body.model_dump())
        return task

    @app.patch("/api/tasks/{task_id}")
    async def change(task_id: str, body: TaskPatch, claims: Current) -> dict:
        task = owned(task_id, claims, "PATCH")
        task.update(body.model_dump(exclude_none=True))
        return task

    @app.delete("/api/tasks/{task_id}", status_code=204)
    async def delete(task_id: str, claims: Current) -> Response:
        owned(task_id, claims, "DELETE")
        del tasks[task_id]
        return Response(status_code=204)

    return app


HOLES: dict[str, Callable[[], FastAPI]] = {
    "no-credentials-every-method": writes_without_auth,
    "other-users-resource-any-method": writes_other_users_profile,
    "other-user-reads-resource": lambda: create_tasks_app("GET"),
    "other-user-changes-resource": lambda: create_tasks_app("PATCH"),
    "other-user-deletes-resource": lambda: create_tasks_app("DELETE"),
}


# --- session credentials: the reference backend's session routes are the careful targets ---------------


def session_cache_app(strategy: str, *, verify: bool = True, check_expiry: bool = True) -> FastAPI:
    """GET /api/session/cached from the ``session_data`` cookie cache in ``strategy``, read with the
    secret the way Better Auth reads it (``playground/issuer/cookie_cache.py``); ``verify=False``
    skips the signature (compact, jwt), ``check_expiry=False`` the lifetime."""
    from playground.issuer.cookie_cache import _compact_signature, _jwe_decrypt
    from playground.jose import b64url_decode

    secret = os.environ["BETTER_AUTH_SECRET"]
    app = FastAPI()

    def read(value: str) -> dict[str, Any] | None:
        now = time.time()
        if strategy == "jwt":
            data = jwt.decode(value, secret.encode(), algorithms=["HS256"],
                              options={"verify_signature": verify, "verify_exp": check_expiry, "require": ["exp"]})
            return data
        if strategy == "compact":
            outer = json.loads(b64url_decode(value))
            if verify and _compact_signature(secret, outer["session"], outer["expiresAt"]) != outer["signature"]:
                return None
            if check_expiry and outer["expiresAt"] < now * 1000:
                return None
            return outer["session"]
        # jwe: _jwe_decrypt checks exp against ``now``; an hour later than any cache lives ignores it.
        return _jwe_decrypt(value, secret, now if check_expiry else now - 7200)

    @app.get("/api/session/cached")
    async def cached(request: Request) -> dict:
        value = request.cookies.get("better-auth.session_data")
        if not value:
            raise HTTPException(401, "Not signed in")
        try:
            data = read(urllib.parse.unquote(value))
        except (ValueError, KeyError, TypeError, jwt.PyJWTError):
            data = None
        if not data:
            raise HTTPException(401, "Invalid session")
        return {"id": data["user"]["id"]}

    return app


def _strips_signature_app() -> FastAPI:
    """GET /api/session/me asks get-session with the bare session token: the signature is thrown away."""
    base = os.environ["BETTER_AUTH_URL"].rstrip("/")
    app = FastAPI()

    @app.get("/api/session/me")
    async def me(request: Request) -> dict:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        value = value if scheme.lower() == "bearer" else request.cookies.get("better-auth.session_token", "")
        token = urllib.parse.unquote(value).split(".")[0]
        if not token:
            raise HTTPException(401, "Not signed in")
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{base}/api/auth/get-session", headers={"authorization": f"Bearer {token}"})
        body = answer.json() if answer.status_code == 200 else None
        if not body:
            raise HTTPException(401, "No session")
        return {"id": body["user"]["id"]}

    return app


def hmac_only_session_app() -> FastAPI:
    """GET /api/session/me trusts any session token whose HMAC matches the secret, cookie or Bearer,
    and never asks get-session: the signature proves Better Auth issued the token once, not that the
    session still exists (``playground/backend/sessions.py`` says so)."""
    secret = os.environ["BETTER_AUTH_SECRET"]
    app = FastAPI()

    @app.get("/api/session/me")
    async def me(request: Request) -> dict:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        value = value if scheme.lower() == "bearer" else request.cookies.get("better-auth.session_token", "")
        token, _, signature = urllib.parse.unquote(value).rpartition(".")
        expected = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
        if not token or not hmac.compare_digest(signature, expected):
            raise HTTPException(401, "Not signed in")
        return {"authenticated": True}

    return app


#: case id -> (factory, the check.run settings it is graded with): the session routes only.
NO_ROUTES = {"owner": None, "admin": None, "public": None, "frontend_origin": None}
CACHED = {"credential": "cookie", "protected": "/api/session/cached", **NO_ROUTES}
SESSION_HOLES: dict[str, tuple[Callable[[], FastAPI], dict[str, Any]]] = {
    "session-data-forged": (lambda: session_cache_app("jwt", verify=False), CACHED),
    "session-data-expired": (lambda: session_cache_app("jwt", check_expiry=False), CACHED),
    "session-token-forged-signature": (_strips_signature_app,
                                       {"credential": "bearer-session", "protected": "/api/session/me", **NO_ROUTES}),
    "signed-out-session": (hmac_only_session_app,
                           {"credential": "cookie", "protected": "/api/session/me", **NO_ROUTES}),
}
