"""Targets with one hole each in what a write lets a caller change (see ``cases_writes``). ``HOLES``
maps a required case id to ``(factory, settings)``, as ``holes.HOLES`` does.

``create_writes_app()`` is careful, and holds what a careless checker would mistake for holes: a
message whose body names its recipient (she sees it, marked as from its sender), a public feed
everyone reads, an admin's view of everyone's notes, an owner filter and a "create for…" that only
admins may use, an offline-first create that takes the client's id but refuses another user's, a
wiki whose pages anyone edits. ``create_writes_app(case_id)`` makes the one mistake that
case exists for, each as the red team found it in a real-looking app.
"""

import itertools
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from .apps import create_app
from .holes_routes import _current_claims_dependency

Claims = dict[str, Any]


class ProfileIn(BaseModel):
    bio: str = Field(max_length=200)
    user_id: str | None = None  # the frontend sends the signed-in user's id


class ProfilePatch(BaseModel):
    name: str | None = None


class LaxProfilePatch(ProfilePatch):
    model_config = ConfigDict(extra="allow")


class Notes(BaseModel):
    notes: list[str] = []


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    id: str | None = None  # offline-first: the client may choose the id
    owner: str | None = None  # the frontend sends back the whole task it read


class TaskIds(BaseModel):
    ids: list[str] = Field(max_length=100)


class DraftIn(BaseModel):
    text: str


class MessageIn(BaseModel):
    user_id: str  # the recipient
    text: str


class PostIn(BaseModel):
    text: str


def create_writes_app(hole: str = "") -> FastAPI:
    """The careful app plus writes, each careful unless ``hole`` names its case (``case/variant``: another
    form of the same mistake)."""
    app = create_app()
    # The admin route below reads the stored profile too (where a mass-assigned role would land).
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/api/admin/stats"]
    Current = Annotated[Claims, Depends(_current_claims_dependency())]
    profiles: dict[str, dict[str, Any]] = {}
    notes: dict[str, list[str]] = {}
    tasks: dict[str, dict[str, Any]] = {}
    drafts: dict[str, dict[str, Any]] = {}
    pages: dict[str, dict[str, Any]] = {}
    messages: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    ids = itertools.count(1)

    def effective(claims: Claims) -> Claims:
        return {**claims, **profiles.get(claims["sub"], {})}

    def is_admin(claims: Claims) -> bool:
        return "admin" in str(effective(claims).get("role") or "").split(",")

    @app.get("/api/admin/stats")
    async def admin(claims: Current) -> dict:
        if not is_admin(claims):
            raise HTTPException(403, "Admins only")
        return {"profiles": len(profiles)}

    @app.get("/api/admin/notes")
    async def all_notes(claims: Current) -> dict:
        # An admin reads everyone's notes (unattributed): what a user writes to her own shows up here.
        if not is_admin(claims):
            raise HTTPException(403, "Admins only")
        return {"notes": [note for kept in notes.values() for note in kept]}

    @app.get("/api/profile")
    async def read_profile(claims: Current) -> dict:
        return {"id": claims["sub"], **profiles.get(claims["sub"], {})}

    @app.put("/api/profile")
    async def write_profile(body: ProfileIn, claims: Current) -> dict:
        owner = body.user_id or claims["sub"]
        if hole != "owner-from-body" and owner != claims["sub"]:
            raise HTTPException(403, "You can only write your own profile")
        profiles.setdefault(owner, {})["bio"] = body.bio
        return {"id": owner, **profiles[owner]}

    @app.patch("/api/me")
    async def patch_me(body: LaxProfilePatch, claims: Current) -> dict:
        # Careful: only the declared fields are stored, whatever else the body holds.
        changes = body.model_dump(exclude_unset=True) if hole == "privileged-field-from-body" else \
            body.model_dump(exclude_unset=True, include=set(ProfilePatch.model_fields))
        profiles.setdefault(claims["sub"], {}).update(changes)
        return {"id": claims["sub"], **profiles[claims["sub"]]}

    @app.get("/api/users/{user_id}/notes")
    async def read_notes(user_id: str, claims: Current) -> dict:
        if user_id != claims["sub"]:
            raise HTTPException(403, "Not your notes")
        return {"notes": notes.get(user_id, [])}

    @app.put("/api/users/{user_id}/notes")
    async def save_notes(user_id: str, body: Notes, claims: Current) -> dict:
        if hole == "refused-write-not-saved":
            notes[user_id] = body.notes  # autosave, then decide what to answer
        if user_id != claims["sub"]:
            raise HTTPException(403, "Not your notes")
        notes[user_id] = body.notes
        return {"notes": notes[user_id]}

    @app.delete("/api/users/{user_id}/notes", status_code=204)
    async def clear_notes(user_id: str, claims: Current) -> Response:
        if user_id != claims["sub"]:
            raise HTTPException(403, "Not your notes")
        notes.pop(user_id, None)
        return Response(status_code=204)

    def owned(task_id: str, claims: Claims) -> dict[str, Any]:
        task = tasks.get(task_id)
        if task is None or task["owner"] != claims["sub"]:
            raise HTTPException(404, "No such task")
        return task

    @app.get("/api/tasks")
    async def list_tasks(request: Request, claims: Current, owner_id: str | None = None,
                         q: str | None = None) -> list[dict]:
        if q is not None:  # a search: the caller's own tasks (everyone's, in the hole)
            return [task for task in tasks.values() if q in task["title"] and
                    (hole == "owner-filter-from-query/search" or task["owner"] == claims["sub"])]
        owner = owner_id or claims["sub"]
        if hole == "owner-filter-from-query/header":
            owner = request.headers.get("x-owner-id") or owner  # set by "the admin UI"
            owner_id = owner
        if owner != claims["sub"] and not hole.startswith("owner-filter-from-query") and not is_admin(claims):
            raise HTTPException(403, "Only admins list other users' tasks")
        return [task for task in tasks.values() if task["owner"] == owner or hole == "owner-filter-from-query/all"]

    @app.post("/api/tasks", status_code=201)
    async def create_task(body: TaskIn, claims: Current, user_id: str | None = None) -> dict:
        owner = claims["sub"]
        if user_id is not None and user_id != owner:  # ?user_id= is for the admin's "create for…"
            if hole != "owner-from-body/query" and not is_admin(claims):
                raise HTTPException(403, "You create tasks for yourself only")
            owner = user_id
        task_id = body.id or f"t{next(ids)}"
        existing = tasks.get(task_id)
        if existing is not None and existing["owner"] != claims["sub"] and hole != "client-id-takes-over":
            raise HTTPException(409, "That id is taken")
        tasks[task_id] = {"id": task_id, "owner": owner, "title": body.title}
        return tasks[task_id]

    @app.put("/api/tasks")
    async def upsert_task(body: TaskIn, claims: Current) -> dict:
        # Offline sync: the client sends a task it may have created offline, under its own id.
        if body.id is None:
            raise HTTPException(422, "A synced task carries its id")
        existing = tasks.get(body.id)
        if existing is not None and existing["owner"] != claims["sub"] and hole != "client-id-takes-over/sync":
            raise HTTPException(409, "That id is taken")
        tasks[body.id] = {"id": body.id, "owner": claims["sub"], "title": body.title}
        return tasks[body.id]

    @app.get("/api/tasks/{task_id}")
    async def read_task(task_id: str, claims: Current) -> dict:
        return owned(task_id, claims)

    @app.post("/api/tasks/batch")
    async def batch_read(body: TaskIds, claims: Current) -> list[dict]:
        everyone = hole == "resource-on-other-routes/batch"
        return [tasks[i] for i in body.ids if i in tasks and (everyone or tasks[i]["owner"] == claims["sub"])]

    @app.post("/api/tasks/bulk-delete")
    async def bulk_delete(body: TaskIds, claims: Current) -> dict:
        everyone = hole == "resource-on-other-routes/bulk-delete"
        gone = [i for i in body.ids if i in tasks and (everyone or tasks[i]["owner"] == claims["sub"])]
        for i in gone:
            del tasks[i]
        return {"deleted": len(gone)}

    @app.get("/api/tasks/{task_id}/export")
    async def export_task(task_id: str, claims: Current) -> Response:
        task = tasks.get(task_id) if hole == "resource-on-other-routes" else owned(task_id, claims)
        if task is None:
            raise HTTPException(404, "No such task")
        return Response(f"# {task['title']}\n", media_type="text/markdown")

    if hole == "resource-on-other-routes/v1":
        @app.get("/api/v1/tasks/{task_id}")
        async def read_task_v1(task_id: str, claims: Current) -> dict:
            # The old router, still mounted: ownership was only added to the new one.
            if task_id not in tasks:
                raise HTTPException(404, "No such task")
            return tasks[task_id]

    @app.put("/api/tasks/{task_id}")
    async def replace_task(task_id: str, body: TaskIn, claims: Current) -> dict:
        task = owned(task_id, claims)
        if hole == "client-id-takes-over/item" and body.id:  # checked the path's id, saves under the body's
            tasks[body.id] = task = {**task, "id": body.id}
        if hole == "owner-from-body/reassign":
            task.update(body.model_dump(exclude_none=True, exclude={"id"}))  # the whole task, owner too
        task["title"] = body.title
        return task

    @app.delete("/api/tasks/{task_id}", status_code=204)
    async def delete_task(task_id: str, claims: Current) -> Response:
        owned(task_id, claims)
        del tasks[task_id]
        return Response(status_code=204)

    @app.put("/api/drafts/{draft_id}")
    async def put_draft(draft_id: str, body: DraftIn, claims: Current) -> dict:
        # An upsert: the client names the draft; another user's draft of that name is not found.
        existing = drafts.get(draft_id)
        if existing is not None and existing["owner"] != claims["sub"] and hole != "client-id-takes-over/put":
            raise HTTPException(404, "No such draft")
        drafts[draft_id] = {"id": draft_id, "owner": claims["sub"], "text": body.text}
        return drafts[draft_id]

    @app.get("/api/drafts/{draft_id}")
    async def read_draft(draft_id: str, claims: Current) -> dict:
        draft = drafts.get(draft_id)
        if draft is None or draft["owner"] != claims["sub"]:
            raise HTTPException(404, "No such draft")
        return draft

    @app.put("/api/wiki/{slug}")
    async def edit_page(slug: str, body: DraftIn, claims: Current) -> dict:
        # A wiki: every user reads and edits every page (an upsert that is shared by design).
        pages[slug] = {"slug": slug, "text": body.text, "edited_by": claims["sub"]}
        return pages[slug]

    @app.get("/api/wiki/{slug}")
    async def read_page(slug: str, claims: Current) -> dict:
        if slug not in pages:
            raise HTTPException(404, "No such page")
        return pages[slug]

    @app.post("/api/messages", status_code=201)
    async def send_message(body: MessageIn, claims: Current) -> dict:
        message = {"from": claims["sub"], "to": body.user_id, "text": body.text}
        messages.append(message)
        return message

    @app.get("/api/messages")
    async def inbox(claims: Current) -> list[dict]:
        return [m for m in messages if m["to"] == claims["sub"]]

    @app.post("/api/posts", status_code=201)
    async def publish(body: PostIn, claims: Current) -> dict:
        post = {"author": claims["sub"], "text": body.text}
        posts.append(post)
        return post

    @app.get("/api/posts")
    async def feed(claims: Current) -> list[dict]:
        return posts  # a public feed: everyone reads every post

    return app


#: The cases of ``cases_writes``, each failed by ``create_writes_app(<its id>)``, and other forms of the holes.
WRITE_CASES = ("owner-from-body", "privileged-field-from-body", "refused-write-not-saved", "client-id-takes-over",
               "owner-filter-from-query", "resource-on-other-routes")
VARIANTS = ("owner-from-body/reassign", "owner-from-body/query", "client-id-takes-over/put",
            "client-id-takes-over/sync", "client-id-takes-over/item", "owner-filter-from-query/header",
            "owner-filter-from-query/search", "owner-filter-from-query/all", "resource-on-other-routes/v1",
            "resource-on-other-routes/batch", "resource-on-other-routes/bulk-delete")

HOLES: dict[str, tuple[Callable[[], FastAPI], dict[str, Any]]] = {
    case_id: ((lambda case_id=case_id: create_writes_app(case_id)), {}) for case_id in WRITE_CASES}


def create_user_tasks_app(hole: str = "") -> FastAPI:
    """Tasks under the user's own path, as most hackathon backends write them: ``/api/{user_id}/tasks``
    and ``/api/{user_id}/tasks/{task_id}``, the path's user compared with the token first. ``hole`` is
    the one method ("GET", "PUT", "DELETE") that then looks the task up by its id alone: grace reaches
    ada's task under her own path (``/api/<grace>/tasks/<ada's task>``)."""
    app = create_app()
    Current = Annotated[Claims, Depends(_current_claims_dependency())]
    tasks: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def own_path(user_id: str, claims: Claims) -> None:
        if user_id != claims["sub"]:
            raise HTTPException(403, "Not your tasks")

    def task_of(user_id: str, task_id: str, claims: Claims, method: str) -> dict[str, Any]:
        own_path(user_id, claims)
        task = tasks.get(task_id)
        if task is None or (method != hole and task["owner"] != user_id):
            raise HTTPException(404, "No such task")
        return task

    @app.get("/api/{user_id}/tasks")
    async def list_tasks(user_id: str, claims: Current) -> list[dict]:
        own_path(user_id, claims)
        return [task for task in tasks.values() if task["owner"] == user_id]

    @app.post("/api/{user_id}/tasks", status_code=201)
    async def create_task(user_id: str, body: TaskIn, claims: Current) -> dict:
        own_path(user_id, claims)
        task_id = f"u{next(ids)}"
        tasks[task_id] = {"id": task_id, "owner": user_id, "title": body.title}
        return tasks[task_id]

    @app.get("/api/{user_id}/tasks/{task_id}")
    async def read_task(user_id: str, task_id: str, claims: Current) -> dict:
        return task_of(user_id, task_id, claims, "GET")

    @app.put("/api/{user_id}/tasks/{task_id}")
    async def replace_task(user_id: str, task_id: str, body: TaskIn, claims: Current) -> dict:
        task = task_of(user_id, task_id, claims, "PUT")
        task["title"] = body.title
        return task

    @app.delete("/api/{user_id}/tasks/{task_id}", status_code=204)
    async def delete_task(user_id: str, task_id: str, claims: Current) -> Response:
        task_of(user_id, task_id, claims, "DELETE")
        del tasks[task_id]
        return Response(status_code=204)

    return app


def create_enveloped_tasks_app(*, guests_read: bool = False, owner_check: bool = True,
                               parse_in_handler: bool = False) -> FastAPI:
    """Tasks whose creation answers an envelope, ``{"data": {"taskId": ...}}`` (the id found there too).
    ``guests_read``: optional auth, the owner compared only when there is a user ("if user and user is
    not the owner"), so a request without a token reads any task. ``owner_check=False``: nobody's is
    compared. ``parse_in_handler``: the id is declared text and parsed with ``int()`` in the handler, so
    an id that is not a number crashes it (500)."""
    app = create_app()
    strict = _current_claims_dependency()
    tasks: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    async def optional_claims(request: Request) -> Claims | None:
        if not request.headers.get("authorization"):
            return None
        try:
            return await strict(request)
        except HTTPException:
            return None  # a bad token reads as a guest

    Current = Annotated[Claims, Depends(strict)]
    Optional = Annotated[Claims | None, Depends(optional_claims if guests_read else strict)]

    @app.post("/api/tasks", status_code=201)
    async def create_task(body: TaskIn, claims: Current) -> dict:
        task_id = next(ids)
        tasks[task_id] = {"taskId": task_id, "owner": claims["sub"], "title": body.title}
        return {"data": tasks[task_id]}

    async def read_task(task_id: int, claims: Claims | None) -> dict:
        task = tasks.get(task_id)
        if task is None or (owner_check and claims is not None and task["owner"] != claims["sub"]):
            raise HTTPException(404, "No such task")
        if claims is None and not guests_read:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        return {"data": task}

    if parse_in_handler:
        @app.get("/api/tasks/{task_id}")
        async def read_text_id(task_id: str, claims: Optional) -> dict:
            return await read_task(int(task_id), claims)
    else:
        @app.get("/api/tasks/{task_id}")
        async def read_int_id(task_id: int, claims: Optional) -> dict:
            return await read_task(task_id, claims)

    return app


class ProjectIn(BaseModel):
    name: str = Field(min_length=1)


def create_projects_app(hole: str = "") -> FastAPI:
    """Projects and their tasks: ``/api/projects/{project_id}/tasks/{task_id}``, the project's owner compared
    first. ``hole`` is the one method ("GET", "PUT", "DELETE") that then loads the task by its id alone, so
    grace reaches ada's task under her own project."""
    app = create_app()
    Current = Annotated[Claims, Depends(_current_claims_dependency())]
    projects: dict[str, dict[str, Any]] = {}
    tasks: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def project_of(project_id: str, claims: Claims) -> dict[str, Any]:
        project = projects.get(project_id)
        if project is None or project["owner"] != claims["sub"]:
            raise HTTPException(404, "No such project")
        return project

    def task_of(project_id: str, task_id: str, claims: Claims, method: str) -> dict[str, Any]:
        project_of(project_id, claims)
        task = tasks.get(task_id)
        if task is None or (method != hole and task["project"] != project_id):
            raise HTTPException(404, "No such task")
        return task

    @app.post("/api/projects", status_code=201)
    async def create_project(body: ProjectIn, claims: Current) -> dict:
        project_id = f"p{next(ids)}"
        projects[project_id] = {"id": project_id, "owner": claims["sub"], "name": body.name}
        return projects[project_id]

    @app.get("/api/projects/{project_id}")
    async def read_project(project_id: str, claims: Current) -> dict:
        return project_of(project_id, claims)

    @app.post("/api/projects/{project_id}/tasks", status_code=201)
    async def create_task(project_id: str, body: TaskIn, claims: Current) -> dict:
        project_of(project_id, claims)
        task_id = f"t{next(ids)}"
        tasks[task_id] = {"id": task_id, "project": project_id, "title": body.title}
        return tasks[task_id]

    @app.get("/api/projects/{project_id}/tasks/{task_id}")
    async def read_task(project_id: str, task_id: str, claims: Current) -> dict:
        return task_of(project_id, task_id, claims, "GET")

    @app.put("/api/projects/{project_id}/tasks/{task_id}")
    async def replace_task(project_id: str, task_id: str, body: TaskIn, claims: Current) -> dict:
        task = task_of(project_id, task_id, claims, "PUT")
        task["title"] = body.title
        return task

    @app.delete("/api/projects/{project_id}/tasks/{task_id}", status_code=204)
    async def delete_task(project_id: str, task_id: str, claims: Current) -> Response:
        task_of(project_id, task_id, claims, "DELETE")
        del tasks[task_id]
        return Response(status_code=204)

    return app
