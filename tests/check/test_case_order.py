"""The order cases run in: nothing that needs a valid token runs after the checker rotates the
issuer's key, because a correct app may refetch its JWKS only every so often.

PyJWKClient's default cooldown is 30 s: an app built on it refuses a token of a key it has not
fetched yet for that long. A blind review found a correct tasks API failing the ownership cases
(ada could not create a task) because they ran after the key rotation.
"""

# No `from __future__ import annotations`: FastAPI must resolve the route functions' local User alias.

import itertools
import os
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from targets_common import ENV

from playground import check

FLOW = 'POST /api/tasks {"title": "checker"} -> /api/tasks/{task_id}'


class Task(BaseModel):
    title: str


def tasks_api_on_one_pyjwkclient() -> FastAPI:
    """A correct tasks API as PyJWT's docs write it: ONE PyJWKClient with its defaults for every route,
    so the key set /api/me fetched is still in its 30 s cooldown when the checker rotates the key."""
    issuer = os.environ["BETTER_AUTH_URL"]
    keys = jwt.PyJWKClient(f"{issuer}/api/auth/jwks")
    app = FastAPI()
    tasks: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def claims(credentials: Annotated[HTTPAuthorizationCredentials, Depends(HTTPBearer())]) -> dict[str, Any]:
        try:
            key = keys.get_signing_key_from_jwt(credentials.credentials)
            return jwt.decode(credentials.credentials, key, algorithms=["EdDSA"], issuer=issuer, audience=issuer,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.PyJWTError:
            raise HTTPException(401, "Invalid token", headers={"WWW-Authenticate": "Bearer"}) from None

    User = Annotated[dict[str, Any], Depends(claims)]

    def owned(task_id: str, user: dict[str, Any]) -> dict[str, Any]:
        task = tasks.get(task_id)
        if task is None or task["owner"] != user["sub"]:
            raise HTTPException(404, "No such task")
        return task

    @app.get("/api/me")
    def me(user: User) -> dict:
        return {"id": user["sub"]}

    @app.post("/api/tasks", status_code=201)
    def create(body: Task, user: User) -> dict:
        task_id = str(next(ids))
        tasks[task_id] = {"id": task_id, "owner": user["sub"], "title": body.title}
        return tasks[task_id]

    @app.get("/api/tasks/{task_id}")
    def read(task_id: str, user: User) -> dict:
        return owned(task_id, user)

    @app.put("/api/tasks/{task_id}")
    def replace(task_id: str, body: Task, user: User) -> dict:
        task = owned(task_id, user)
        task["title"] = body.title
        return task

    @app.delete("/api/tasks/{task_id}", status_code=204)
    def delete(task_id: str, user: User) -> None:
        del tasks[owned(task_id, user)["id"]]

    return app


def test_key_rotation_and_outages_run_after_every_case_that_needs_a_valid_token():
    ids = [case.id for case in check.CASES]
    first_key_case = min(ids.index(case.id) for case in check.CASES if case.group == "keys")
    assert all(case.group == "keys" for case in check.CASES[first_key_case:-1]), ids[first_key_case:]
    assert ids[-1] == "no-server-errors"


def test_a_correct_tasks_api_on_pyjwkclient_defaults_passes_a_full_run_ownership_flow_included():
    # The whole run (rotation included), not only=: the ownership cases must still create as ada.
    report = check.run(app_factory=tasks_api_on_one_pyjwkclient, env=ENV, owner=FLOW, protected="/api/me",
                       discover=False)
    assert report.result("other-user-reads-resource").status == "passed", str(report)
    assert {r.case.id for r in report.failures} == set(), str(report)
