"""What the app serves: its routes and methods, read from its OpenAPI document, else probed.

FastAPI publishes ``/openapi.json``, Litestar ``/schema/openapi.json``, Django Ninja
``/api/openapi.json``. From the document the checker learns, without any flag:

* every method served at a path (a route given by path is graded on all of them);
* which operations are protected: they declare a ``security`` requirement, or (for a GET without
  path parameters) answer 401/403 without credentials; a write on the path of a protected
  operation is protected too;
* owner routes: a path parameter that names a user (``{user_id}``, ``{userId}``, ``{uid}``,
  ``{id}`` right after ``/users/``), written here as ``{user_id}`` as ``--owner`` takes it;
* ownership flows: ``POST /api/tasks`` next to ``/api/tasks/{task_id}``: one user creates, another
  must not read, change or delete;
* the request body schema of each operation, for ``bodies.minimal``.

Without a document, a path's methods are unknown: the cases then send every write method, and a
405 (not served) counts as refused.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .bodies import NoMinimalBody, minimal

if TYPE_CHECKING:
    from .context import Context

OPENAPI_PATHS = ("/openapi.json", "/schema/openapi.json", "/api/openapi.json", "/docs/openapi.json")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
#: Path parameters that name a user (compared without '_' and case).
USER_ID_PARAMS = {"userid", "uid", "user", "ownerid", "accountid", "memberid", "profileid"}
#: Parameter names that hold a created resource's id in a flow, tried in this order after the path's own name.
ID_KEYS = ("id", "uuid", "_id")
_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template, e.g. /api/tasks/{task_id}
    secured: bool  # declares a security requirement
    body_schema: Any = None  # the JSON request body's schema (None: no JSON body)
    body_required: bool = False
    path_params: dict[str, Any] = field(default_factory=dict)  # name -> schema
    query_params: dict[str, Any] = field(default_factory=dict)  # required ones only
    response_keys: tuple[str, ...] = ()  # top-level properties of its 2xx JSON answer


@dataclass(frozen=True)
class Flow:
    """``POST create`` as one user, then ``item`` (with ``{key}`` taken from the answer) as another."""

    create: str
    item: str
    param: str  # the name in the item path's braces
    #: The creation's JSON body, when given by hand (else the smallest its schema allows).
    body: Any = None

    @property
    def label(self) -> str:
        return f"POST {self.create} -> {self.item}"


@dataclass
class RouteMap:
    source: str | None  # where the document came from (None: no document)
    document: dict[str, Any] | None
    operations: list[Operation] = field(default_factory=list)
    #: Operations found protected (declared, or answered 401/403 without credentials).
    protected: list[Operation] = field(default_factory=list)

    def methods_at(self, path: str) -> tuple[str, ...] | None:
        """The methods served at ``path`` (a template or a concrete path); None without a document."""
        if self.document is None:
            return None
        return tuple(op.method for op in self._matching(path))

    def operation(self, method: str, path: str) -> Operation | None:
        return next((op for op in self._matching(path) if op.method == method), None)

    def _matching(self, path: str) -> list[Operation]:
        """The operations of ``path``: its own when the document names it exactly (``/api/me``), else
        those of the template it fills (``/api/{item}``)."""
        exact = [op for op in self.operations if op.path.rstrip("/") == path.split("?")[0].rstrip("/")]
        return exact or [op for op in self.operations if _same_route(op.path, path)]

    def body(self, method: str, path: str) -> Any:
        """The smallest JSON body the operation's schema allows; ``{}`` for a write the document does
        not describe; no body for an operation that takes none."""
        from .context import NO_BODY

        op = self.operation(method, path)
        if op is None or op.body_schema is None:
            return {} if method in ("POST", "PUT", "PATCH") and op is None else NO_BODY
        try:
            return minimal(op.body_schema, self.document)
        except NoMinimalBody:
            return {}

    def flows(self) -> list[Flow]:
        found = []
        for op in self.operations:
            if op.method != "POST" or op.path_params:
                continue
            for item in self.operations:
                params = _PARAM.findall(item.path)
                if item.method == "GET" and len(params) == 1 and \
                        item.path == f"{op.path.rstrip('/')}/{{{params[0]}}}" and owner_template(item.path) is None:
                    flow = Flow(op.path, item.path, params[0])
                    if flow not in found:
                        found.append(flow)
        return found


def discover(ctx: Context) -> RouteMap:
    """The app's route map; protected operations probed (recorded in ``ctx``) where the document is silent."""
    document, source = (_fetch_document(ctx.client) if ctx.discover else (None, None))
    if document is None:
        return RouteMap(None, None)
    routes = RouteMap(source, document, _operations(document))
    protected_paths = set()
    for op in routes.operations:
        if op.secured:
            routes.protected.append(op)
            protected_paths.add(op.path)
        elif op.method == "GET" and op.path not in OPENAPI_PATHS:
            answer = ctx.send(concrete(op, ctx.grace.id), describe="no credentials (is this route protected?)")
            if answer.status in (401, 403):
                routes.protected.append(op)
                protected_paths.add(op.path)
    if not any(op.method == "GET" and not op.path_params for op in routes.protected):
        # Only writes can be protected here (a chat or upload API): probe the POSTs without a user.
        for op in routes.operations:
            if op.method == "POST" and not op.secured and not op.path_params and not op.query_params:
                answer = ctx.send(op.path, method="POST", json=routes.body("POST", op.path),
                                  describe="no credentials (is this route protected?)")
                if answer.status in (401, 403):
                    routes.protected.append(op)
                    protected_paths.add(op.path)
    for op in routes.operations:
        # A write on a protected path, or on a user's own path, is never meant for anyone at all.
        if op not in routes.protected and (op.path in protected_paths or
                                           (op.method in WRITE_METHODS and owner_template(op.path) is not None)):
            routes.protected.append(op)
    # What creates a resource that belongs to its creator needs a creator.
    for flow in routes.flows():
        create = routes.operation("POST", flow.create)
        if create is not None and create not in routes.protected and \
                any(op.path == flow.item for op in routes.protected):
            routes.protected.append(create)
    return routes


def concrete(op: Operation, user_id: str) -> str:
    """``op``'s path with its user-id parameters set to ``user_id``, any other path parameter and each
    required query parameter set to its schema's smallest value (a 422 must not hide a missing check)."""
    segments = op.path.split("/")
    for index, segment in enumerate(segments):
        match = _PARAM.fullmatch(segment)
        if match and _names_user(match.group(1), segments[index - 1] if index else ""):
            segments[index] = urllib.parse.quote(user_id, safe="")
    path = "/".join(segments)
    for name in _PARAM.findall(path):
        path = path.replace(f"{{{name}}}", urllib.parse.quote(_text(op.path_params.get(name, {})), safe=""))
    if op.query_params:
        path += "?" + urllib.parse.urlencode({name: _text(schema) for name, schema in op.query_params.items()})
    return path


def _text(schema: Any) -> str:
    """The smallest value ``schema`` allows, as it is written in a URL; ``1`` when that is empty."""
    try:
        value = minimal(schema)
    except NoMinimalBody:
        value = None
    if isinstance(value, bool):
        return "false" if not value else "true"
    return str(value) if isinstance(value, (str, int, float)) and value != "" else "1"


def parse_flow(text: str) -> Flow | None:
    """``'POST /api/tasks -> /api/tasks/{id}'`` (optionally with a JSON body after the creation's
    path: ``'POST /api/tasks {"title": "x"} -> /api/tasks/{id}'``) as a ``Flow``; None when it is not one."""
    match = re.fullmatch(r"\s*POST\s+(/\S*)\s*(\{.*\})?\s*->\s*(/\S*)\s*", text, re.DOTALL)
    if not match:
        return None
    params = _PARAM.findall(match.group(3))
    body = None
    if match.group(2):
        try:
            body = json.loads(match.group(2))
        except ValueError:
            return None
    if len(params) != 1:
        return None
    return Flow(match.group(1), match.group(3), params[0], body)


def owner_template(path: str) -> str | None:
    """``path`` with its user-id parameter written ``{user_id}``, or None when it holds none. Under an
    admin segment (``/api/admin/users/{user_id}``) the id is whom an admin acts on, not an owner."""
    segments = path.split("/")
    if is_admin_path(path):
        return None
    for index, segment in enumerate(segments):
        match = _PARAM.fullmatch(segment)
        if not match:
            continue
        if _names_user(match.group(1), segments[index - 1] if index else ""):
            if len(_PARAM.findall(path)) > 1:
                return None  # another parameter too: the checker cannot fill it meaningfully
            return "/".join([*segments[:index], "{user_id}", *segments[index + 1:]])
    return None


def _names_user(param: str, previous_segment: str) -> bool:
    """Does the path parameter ``param`` (after the segment ``previous_segment``) hold a user id?"""
    name = param.replace("_", "").replace("-", "").lower()
    after_users = previous_segment.lower() in ("users", "user", "members", "accounts", "profiles")
    return name in USER_ID_PARAMS or (name == "id" and after_users)


def _fetch_document(client: httpx.Client) -> tuple[dict[str, Any] | None, str | None]:
    for path in OPENAPI_PATHS:
        try:
            response = client.get(path)
        except httpx.HTTPError:
            continue
        if response.status_code != 200:
            continue
        try:
            document = response.json()
        except ValueError:
            continue
        if isinstance(document, dict) and isinstance(document.get("paths"), dict):
            return document, path
    return None, None


def _operations(document: dict[str, Any]) -> list[Operation]:
    default_security = document.get("security")
    operations = []
    for path, item in document["paths"].items():
        if not isinstance(item, dict) or not isinstance(path, str) or not path.startswith("/"):
            continue
        shared = [p for p in item.get("parameters", []) if isinstance(p, dict)]
        for method, op in item.items():
            if method.upper() not in METHODS or not isinstance(op, dict):
                continue
            security = op.get("security", default_security)
            secured = bool(security) and any(requirement for requirement in security if isinstance(requirement, dict))
            parameters = [_deref(p, document) for p in [*shared, *op.get("parameters", [])]]
            path_params = {p.get("name"): p.get("schema", {}) for p in parameters if p.get("in") == "path"}
            query = {p.get("name"): p.get("schema", {}) for p in parameters
                     if p.get("in") == "query" and p.get("required")}
            body_schema, body_required = None, False
            body = _deref(op.get("requestBody"), document) if op.get("requestBody") else None
            if isinstance(body, dict):
                content = body.get("content", {})
                json_type = next((t for t in content if t == "application/json" or t.endswith("+json")), None)
                if json_type is not None:
                    body_schema = content[json_type].get("schema", {})
                    body_required = bool(body.get("required"))
            operations.append(Operation(method.upper(), path, secured, body_schema, body_required, path_params, query,
                                        _response_keys(op, document)))
    return operations


def _response_keys(op: dict[str, Any], document: dict[str, Any]) -> tuple[str, ...]:
    for status, response in op.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        schema = _deref(response, document).get("content", {}).get("application/json", {}).get("schema")
        schema = _deref(schema, document) if isinstance(schema, dict) else None
        if isinstance(schema, dict):
            return tuple(schema.get("properties", {}))
    return ()


def _deref(node: Any, document: dict[str, Any]) -> Any:
    for _ in range(10):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return {}


def _same_route(template: str, path: str) -> bool:
    """Do ``template`` and ``path`` name the same route (``{...}`` segments match anything)?"""
    left, right = template.rstrip("/").split("/"), path.split("?")[0].rstrip("/").split("/")
    return len(left) == len(right) and all(
        a == b or _PARAM.fullmatch(a) or _PARAM.fullmatch(b) for a, b in zip(left, right, strict=True))


#: Last path segments that name "the signed-in user's own" route, the usual --protected.
SELF_NAMES = ("me", "whoami", "session", "user", "profile", "account")


def choose_protected(ctx: Context) -> str | None:
    """A protected route that accepts ada's credential: the run's --protected. Routes without path
    parameters first (one with a parameter is called with ada's id, or its schema's smallest value),
    then GET routes, those named like ``/me`` before the others; an app whose protected routes
    are all writes is graded on one (``'POST /api/chat'``). When none accepts, the first (the
    baseline then says why)."""
    candidates = choose_candidates(ctx)
    for op in candidates:
        path, body = concrete(op, ctx.ada.id), ctx.routes.body(op.method, op.path)
        answer = ctx.send(path, method=op.method, json=body, as_user=ctx.ada,
                          describe=f"{ctx.credential_label(ctx.ada)} (is this --protected?)")
        if 200 <= answer.status < 300 and \
                not 200 <= ctx.send_garbage(path, method=op.method, json=body).status < 300:
            return op.path if op.method == "GET" else f"{op.method} {op.path}"
    if not candidates:
        return None
    return candidates[0].path if candidates[0].method == "GET" else f"{candidates[0].method} {candidates[0].path}"


def choose_candidates(ctx: Context) -> list[Operation]:
    """The protected operations ``choose_protected`` tries, best first."""
    candidates = [op for op in ctx.routes.protected if op.method in ("GET", "POST", "PUT", "PATCH")
                  and not op.query_params]
    candidates.sort(key=lambda op: (bool(op.path_params), op.method != "GET",
                                    op.path.rstrip("/").rsplit("/", 1)[-1].lower() not in SELF_NAMES))
    return candidates


#: Path segments that name an admin-only area (alone, or first in ``admin-stats``, ``admin_users``).
ADMIN_SEGMENTS = ("admin", "admins", "administration", "staff", "superuser")


def is_admin_path(path: str) -> bool:
    """Does ``path`` lie under an admin segment (``admin``, ``admin-stats``, ``admin_users``, …)?"""
    return any(re.split(r"[-_.]", segment.lower())[0] in ADMIN_SEGMENTS for segment in path.split("/"))


def choose_admin(ctx: Context) -> str | None:
    """A protected GET route under an admin segment (``/api/admin/stats``) that serves ada (role admin)
    and refuses grace (role user): the run's --admin, so the role cases run without flags. Routes
    without path parameters first. (One that serves grace too may be meant for every user: an
    "am I an admin?" route; it is not chosen.)"""
    candidates = [op for op in ctx.routes.protected if op.method == "GET" and not op.query_params and
                  is_admin_path(op.path)]
    candidates.sort(key=lambda op: bool(op.path_params))
    for op in candidates:
        path = concrete(op, ctx.ada.id)
        answer = ctx.send(path, as_user=ctx.ada, describe=f"{ctx.credential_label(ctx.ada)} (role admin; is this "
                                                         "--admin?)")
        if 200 <= answer.status < 300 and not 200 <= ctx.send_garbage(path).status < 300 and \
                400 <= ctx.send(path, as_user=ctx.grace, describe=f"{ctx.credential_label(ctx.grace)} (role user; "
                                                                  "is this --admin?)").status < 500:
            return path
    return None


def choose_owner(ctx: Context) -> str | None:
    """A protected GET route holding a user id that serves ada her own: the run's --owner."""
    for op in ctx.routes.protected:
        template = owner_template(op.path)
        if op.method == "GET" and template is not None and not op.query_params:
            answer = ctx.send(ctx.owner_path(ctx.ada.id, template), as_user=ctx.ada,
                              describe=f"{ctx.credential_label(ctx.ada)} on her own path (is this --owner?)")
            if 200 <= answer.status < 300:
                return template
    return None
