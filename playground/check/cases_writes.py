"""Cases on what a write does to data the caller does not own: ids and owners taken from the body
or the query, fields a caller may not set, and writes that are refused only after they were saved.

The cases before these judge a request by its status. These judge it by the data: each write
carries a marker (``bodies.marked``: every free-text field of the body set to a string no app
holds by chance), and the case then reads what the victim sees, through her own routes, as she
would. A 403 that saved the write, or a 200 that wrote into someone else's account, shows up there
whatever the status said.

grace (a plain user) is always the attacker and ada the victim: ada is the seeded admin, and an
admin may be allowed to act for others (filter by any owner, write on anyone's behalf); grace may
not. Every verdict is compared with a control: the same request without the attack (grace's own
id, no owner filter); a route that shows the control's marker to ada as well is shared by design,
and is not judged here.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .bodies import NoMinimalBody, declared_type, marked, normalized, properties_of
from .case import Outcome, is_accepted, is_rejected, not_applicable
from .cases import case
from .cases_routes import flows_to_grade, identifier_in, item_path, owner_operations, served, user_path
from .context import CREDENTIALS, Context, Exchange, Identity
from .discovery import Flow, Operation, choose_admin, concrete, owner_template

ALL = CREDENTIALS
BODY_METHODS = ("POST", "PUT", "PATCH")
#: Body fields that name the user a resource belongs to.
OWNER_FIELDS = ("user_id", "userId", "owner_id", "ownerId", "owner", "author_id", "authorId", "created_by",
                "createdBy", "creator_id", "creatorId", "account_id", "accountId", "uid")
#: Query parameters a write may take its owner from (the usual few: each one lengthens every URL).
OWNER_QUERY_ON_WRITES = ("user_id", "userId", "owner_id", "ownerId")
#: Body fields that grant privileges, each with the value that would make its sender an admin.
PRIVILEGED_FIELDS: dict[str, Any] = {
    "role": "admin", "roles": ["admin"], "isAdmin": True, "is_admin": True, "admin": True,
    "permissions": ["admin"], "is_superuser": True, "isSuperuser": True, "is_staff": True, "scopes": ["admin"]}
#: Body fields that hold a resource's own id (besides the item path's parameter name).
ID_FIELDS = ("id", "_id", "uuid")
#: Query parameters that filter a list by owner: each is given the victim's id (the emails her email).
OWNER_QUERY = (*OWNER_FIELDS, "user", "sub", "as_user", "for_user")
OWNER_EMAIL_QUERY = ("email", "owner_email", "user_email")
#: Headers a list may take its owner from (a gateway's, or the frontend's own): the ids, then the emails.
OWNER_HEADERS = ("X-Owner-Id", "X-User-Id", "X-Forwarded-User", "X-Auth-Request-User", "X-Owner-Email",
                 "X-User-Email", "X-Forwarded-Email")
OWNER_NAMES = frozenset(normalized(name) for name in OWNER_FIELDS)
#: What the marker never goes into (``bodies.normalized`` names): the fields a case sets itself.
NOT_MARKED = frozenset(normalized(name) for name in (*OWNER_FIELDS, *PRIVILEGED_FIELDS, *ID_FIELDS))
#: At most this many writes, and this many routes read back, per case: enough for any one app.
MAX_WRITES = 12
MAX_VIEWS = 12
FLOW_HINT = "give --owner 'POST /api/tasks -> /api/tasks/{id}' (a resource one user creates)"


@dataclass(frozen=True)
class Write:
    """A write one user makes to her own data: ``method path`` with the body of ``op`` (or ``given``)."""

    method: str
    template: str
    path: str
    op: Operation | None
    given: Any = None  # the body a --owner flow gave by hand
    item_id: str | None = None  # the resource a write on a flow's item path changes


@dataclass(frozen=True)
class Carried:
    """The fields a case set in a write's body (those its schema declares, and the others) and query."""

    declared: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    query: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.declared or self.extra or self.query)

    def __str__(self) -> str:
        # The declared ones are what the app reads; the others ride along on every write.
        said = ", ".join(self.declared) if self.declared else \
            f"one of {', '.join(self.extra)} (beside the schema's fields)" if self.extra else ""
        if self.query:
            asked = ", ".join(f"?{name}=" for name in self.query[:2]) + ", … in the query"
            said = f"{said} (or {asked})" if said else asked
        return said


def _nothing_to_try(ctx: Context, what: str) -> Outcome:
    """Not run: the app showed nothing ``what`` names, and how to show the checker one (or, when it has a
    resource one user creates, that ada could not create one)."""
    if flows_to_grade(ctx)[0]:
        return not_applicable(f"not run: no {what} to try, and ada could not create a resource and read it back, "
                              "or grace reads it too (other-user-reads-resource says which)")
    where = f"its OpenAPI document ({ctx.routes.source}) lists none" if ctx.routes.document is not None \
        else "it serves no OpenAPI document"
    return not_applicable(f"not run: no {what} to try ({where}): {FLOW_HINT}")


# --- bodies and reads -------------------------------------------------------------------------------------


def _body(ctx: Context, write: Write, marker: str, fields: dict[str, Any], *,
          undeclared: bool = True) -> tuple[Any, Carried]:
    """``write``'s marked body with ``fields`` set (each as its declared type takes it); undeclared
    fields too when the schema admits them and ``undeclared``. Returns (body, the fields it carries);
    the body is None when the schema admits no body."""
    document = ctx.routes.document
    schema = write.op.body_schema if write.op is not None else None
    if schema is not None:
        try:
            body = marked(schema, document, marker, skip=NOT_MARKED)
        except NoMinimalBody:
            return None, Carried()
        properties, open_ = properties_of(schema, document)
    elif write.op is not None and ctx.routes.document is not None:
        return None, Carried()  # a write the document says takes no JSON body
    else:
        given = write.given if isinstance(write.given, dict) else {}
        body = {key: marker if isinstance(value, str) and normalized(key) not in NOT_MARKED else value
                for key, value in given.items()}
        body = body or {"name": marker, "title": marker, "text": marker}
        properties, open_ = {}, True
    if not isinstance(body, dict):
        return None, Carried()
    declared = {normalized(name): name for name in properties}
    carried: list[str] = []
    extra: list[str] = []
    for name, value in fields.items():
        real = declared.get(normalized(name))
        if real is not None:
            typed = _as_type(declared_type(schema, document, real), value)
            if typed is not None:
                body[real] = typed
                carried.append(real)
        elif undeclared and open_:
            body[name] = value
            extra.append(name)
    return body, Carried(tuple(dict.fromkeys(carried)), tuple(extra))


def _as_type(kind: str | None, value: Any) -> Any:
    """``value`` as a property of JSON type ``kind`` takes it; None when it cannot."""
    if isinstance(value, bool):
        return value if kind in (None, "boolean") else None
    if isinstance(value, list):
        return value if kind in (None, "array") else value[0] if kind == "string" else None
    if kind in (None, "string"):
        return value
    if kind == "array":
        return [value]
    if kind == "integer" and str(value).isdigit():
        return int(value)
    return None


def _write(ctx: Context, write: Write, user: Identity, marker: str, fields: dict[str, Any],
           describe: str, *, query: dict[str, str] | None = None) -> tuple[Exchange | None, Carried]:
    """Send ``write`` as ``user`` with a marked body and ``fields`` (and ``query`` in its URL). An app
    that refuses what its schema does not name (400/422) is asked again with the declared fields only.
    Returns (the answer, what it carried); no answer when no body can be built."""
    body, carried = _body(ctx, write, marker, fields)
    if body is None:
        return None, Carried()
    path = write.path
    if query:
        path, carried = _with_query(path, query), Carried(carried.declared, carried.extra, tuple(query))
    answer = ctx.send(path, method=write.method, json=body, as_user=user, describe=describe)
    if answer.status in (400, 422):
        declared_body, declared = _body(ctx, write, marker, fields, undeclared=False)
        if declared_body is not None and (declared.extra != carried.extra or query):
            body, carried = declared_body, declared
            answer = ctx.send(write.path, method=write.method, json=body, as_user=user,
                              describe=f"{describe} (the schema's fields only)")
    return answer, carried


def _marker(case_tag: str, *parts: object) -> str:
    """A string no app holds by chance, the same on every run (reports stay comparable)."""
    return "chk-" + "-".join([case_tag, *map(str, parts)])


def _shows(exchange: Exchange, marker: str) -> bool:
    return is_accepted(exchange) and marker in exchange.full_body


def _shows_unattributed(exchange: Exchange, marker: str, author: Identity) -> bool:
    """``exchange`` shows ``marker`` in a record that does not name ``author``: as the reader's own data,
    not as something ``author`` sent her (a message, a comment, an invitation name their sender)."""
    if not _shows(exchange, marker):
        return False
    try:
        data = json.loads(exchange.full_body)
    except ValueError:
        return author.id not in exchange.full_body and author.email not in exchange.full_body
    records = _records_holding(data, marker) or [exchange.full_body]
    return any(author.id not in record and author.email not in record for record in records)


def _records_holding(data: Any, marker: str) -> list[str]:
    """Each JSON object one of whose values (or list items) holds ``marker``, serialised."""
    found: list[str] = []

    def holds(value: Any) -> bool:
        items = value if isinstance(value, list) else [value]
        return any(isinstance(item, str) and marker in item for item in items)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if any(holds(value) for value in node.values()):
                found.append(json.dumps(node))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found


def _read(ctx: Context, path: str, user: Identity, what: str) -> Exchange:
    return ctx.send(path, as_user=user, describe=f"{ctx.credential_label(user)}: {what}")


def _changed_for_ada(ctx: Context, path: str, kept: str, planted: str, exchanges: list[Exchange]) -> Exchange | None:
    """Ada reads her resource at ``path`` again (recorded): that read when it no longer shows ``kept`` or
    shows grace's ``planted`` marker, else None."""
    after = _read(ctx, path, ctx.ada, "read her resource again")
    exchanges.append(after)
    return after if not _shows(after, kept) or _shows(after, planted) else None


# --- what a user writes to, and where she reads her own data ----------------------------------------------


def _own_writes(ctx: Context, user: Identity) -> list[Write]:
    """The writes with a JSON body ``user`` makes to her own data: documented protected ones on paths
    without parameters or whose one parameter is a user id (hers), and the creation of a --owner flow."""
    writes: list[Write] = []
    for op in ctx.routes.protected:
        if op.method in BODY_METHODS and op.body_schema is not None and \
                (not op.path_params or owner_template(op.path) is not None):
            writes.append(Write(op.method, owner_template(op.path) or op.path, concrete(op, user.id), op))
    flows, given = flows_to_grade(ctx)
    if given and ctx.routes.document is None:
        writes += [_creation(ctx, flow, user) for flow in flows]
    return writes[:MAX_WRITES]


def _views(ctx: Context, user: Identity) -> list[str]:
    """The GET routes that show ``user`` her own data: the protected route, the owner route with her
    id, and every documented protected GET whose only parameter (if any) is a user id."""
    paths: list[str] = []

    def add(path: str) -> None:
        if path not in paths:
            paths.append(path)

    if ctx.protected_template is not None and ctx.protected_method == "GET":
        op = ctx.routes.operation("GET", ctx.protected_template) or Operation("GET", ctx.protected_template, True)
        add(concrete(op, user.id))
    if ctx.owner:
        add(ctx.owner_path(user.id))
    for op in ctx.routes.protected:
        if op.method == "GET" and (not op.path_params or owner_template(op.path) is not None):
            add(concrete(op, user.id))
    return paths[:MAX_VIEWS]


def _creation(ctx: Context, flow: Flow, user: Identity, method: str = "POST") -> Write:
    """``user``'s creation of a resource of ``flow`` (or another ``method`` on its collection)."""
    return Write(method, flow.create, user_path(flow.create, user), ctx.routes.operation(method, flow.create),
                 flow.body)


def _plant(ctx: Context, flow: Flow, marker: str, exchanges: list[Exchange]) -> tuple[str, str] | None:
    """A resource of ``flow`` ada creates with ``marker`` and can read back with it: (its path, its id)."""
    created, _ = _write(ctx, _creation(ctx, flow, ctx.ada), ctx.ada, marker, {},
                        f"{ctx.credential_label(ctx.ada)}: create a resource marked {marker!r}")
    if created is None:
        return None
    exchanges.append(created)
    identifier = identifier_in(created, flow) if is_accepted(created) else None
    if identifier is None:
        return None
    path = item_path(flow, identifier, ctx.ada)
    read = _read(ctx, path, ctx.ada, "read what she created")
    exchanges.append(read)
    return (path, identifier) if _shows(read, marker) else None


# --- the owner named in the body ----------------------------------------------------------------------------


@case("owner-from-body", group="ownership", weight="required", credentials=ALL,
      title="a write that names another user as its owner in the body (user_id, ownerId, author_id, …) does "
            "not land in that user's data",
      expect="the write refused (403/422), or stored as the caller's own: ada never sees what grace wrote as "
             "if it were hers",
      fix="take the owner from the verified token (owner_id = user.sub) and drop user_id/owner_id/… from the "
          "request model; where a body must name a user, refuse it unless it is the caller "
          "(if body.user_id != user.sub: 403)")
def owner_from_body(ctx: Context) -> Outcome:
    flows = flows_to_grade(ctx)[0]
    exchanges: list[Exchange] = []
    writes = _own_writes(ctx, ctx.grace) + _own_items(ctx, flows, exchanges)
    if not writes:
        return _nothing_to_try(ctx, "write with a JSON body")
    views = _views(ctx, ctx.ada)
    judged = 0
    for index, write in enumerate(writes):
        own_mark, planted_mark = _marker("own", index), _marker("planted", index)
        own, _ = _write(ctx, write, ctx.grace, own_mark, dict.fromkeys(OWNER_FIELDS, ctx.grace.id),
                        f"{ctx.credential_label(ctx.grace)}, the owner fields naming herself (the control)",
                        query=dict.fromkeys(OWNER_QUERY_ON_WRITES, ctx.grace.id))
        if own is None:
            continue
        exchanges.append(own)
        if not is_accepted(own):
            continue
        # Where ada would find it: her own routes, and the resource itself; not those that show her grace's
        # own write as well (shared by design, or she is an admin who may read anyone's).
        flow = next((f for f in flows if write.template == f.item or
                     (write.method == "POST" and write.template == f.create)), None)
        control_item = _item(ctx, write, flow, own)
        looks = [*views, *filter(None, [control_item])]
        shared = {view for view in looks if _shows(_read(ctx, view, ctx.ada, "the control: does she see grace's "
                                                         "own write?"), own_mark)}
        if control_item in shared:
            flow = None  # ada reads grace's resources: the one grace gives her proves nothing
        planted, carried = _write(ctx, write, ctx.grace, planted_mark, dict.fromkeys(OWNER_FIELDS, ctx.ada.id),
                                  f"{ctx.credential_label(ctx.grace)}, the owner fields naming ada",
                                  query=dict.fromkeys(OWNER_QUERY_ON_WRITES, ctx.ada.id))
        if planted is None or not carried:
            continue
        exchanges.append(planted)
        judged += 1
        if not is_accepted(planted):
            continue
        item = _item(ctx, write, flow, planted)
        for view in dict.fromkeys([*views, *filter(None, [item])]):
            if view in shared:
                continue
            seen = _read(ctx, view, ctx.ada, "read her own data")
            exchanges.append(seen)
            if _shows_unattributed(seen, planted_mark, ctx.grace):
                return Outcome(False, exchanges, f"{write.method} {write.template}: grace's write with {carried} = "
                               f"ada's id landed in ada's data (GET {view} shows it to ada as hers)",
                               culprit=planted)
    if not judged:
        return not_applicable("not run: no write took an owner field (each refused its control, or its schema "
                              "names none and admits no other field)")
    return Outcome(True, exchanges)


def _item(ctx: Context, write: Write, flow: Flow | None, answer: Exchange) -> str | None:
    """Where ada would read the resource of ``flow`` that ``write`` created (from its answer) or changed;
    None for other writes."""
    if flow is None:
        return None
    identifier = write.item_id if write.template == flow.item else \
        identifier_in(answer, flow) if is_accepted(answer) else None
    return None if identifier is None else item_path(flow, identifier, ctx.ada)


def _own_items(ctx: Context, flows: list[Flow], exchanges: list[Exchange]) -> list[Write]:
    """The PUT/PATCH of a resource grace created (one each): changing its owner field would give it away."""
    writes = []
    for index, flow in enumerate(flows):
        methods = served(ctx, flow.item, ("PUT", "PATCH"))
        if not methods:
            continue
        created, _ = _write(ctx, _creation(ctx, flow, ctx.grace), ctx.grace, _marker("hers", index), {},
                            f"{ctx.credential_label(ctx.grace)}: create a resource of her own")
        if created is None:
            continue
        exchanges.append(created)
        identifier = identifier_in(created, flow) if is_accepted(created) else None
        if identifier is not None:
            path = item_path(flow, identifier, ctx.grace)
            writes += [Write(method, flow.item, path, ctx.routes.operation(method, flow.item), item_id=identifier)
                       for method in methods]
    return writes


# --- a refused write is not saved ---------------------------------------------------------------------------


def _changed(ctx: Context, read_paths: list[str], own_mark: str | None, attack_mark: str,
             exchanges: list[Exchange]) -> Exchange | None:
    """ada's read that shows ``attack_mark``, or lost ``own_mark`` (None when it was never shown)."""
    for path in read_paths:
        after = _read(ctx, path, ctx.ada, "read her own data again")
        exchanges.append(after)
        if _shows(after, attack_mark) or (own_mark is not None and path == read_paths[0]
                                          and not _shows(after, own_mark)):
            return after
    return None


@case("refused-write-not-saved", group="ownership", weight="required", credentials=ALL,
      title="a write refused to another user was not saved anyway (the owner check runs before the write)",
      expect="after grace's refused PUT/PATCH/POST/DELETE on ada's resource, ada's data is what it was",
      fix="check ownership first, then write: load WHERE id = ? AND owner_id = <the verified user>, refuse "
          "when nothing matched, and only then save; never save and check afterwards")
def refused_write_not_saved(ctx: Context) -> Outcome:
    exchanges: list[Exchange] = []
    graded = 0
    by_template: dict[str, list[str]] = {}
    for method, template in owner_operations(ctx):
        if method != "GET":
            by_template.setdefault(template, []).append(method)
    for index, (template, methods) in enumerate(by_template.items()):
        path = ctx.owner_path(ctx.ada.id, template)
        reads = [path] if served(ctx, template, ("GET",)) else _views(ctx, ctx.ada)
        own_mark: str | None = _marker("kept", index)
        for method in (m for m in ("PUT", "PATCH", "POST") if m in methods):
            write = Write(method, template, path, ctx.routes.operation(method, template))
            mine, _ = _write(ctx, write, ctx.ada, own_mark, {}, f"{ctx.credential_label(ctx.ada)} on her own path")
            if mine is not None:
                exchanges.append(mine)
                if is_accepted(mine):
                    break
        first = _read(ctx, reads[0], ctx.ada, "read her own data") if reads else None
        if first is not None:
            exchanges.append(first)
        if first is None or not _shows(first, own_mark):
            own_mark = None
        for method in methods:
            attack_mark = _marker("refused", index, method.lower())
            write = Write(method, template, path, ctx.routes.operation(method, template))
            describe = f"{ctx.credential_label(ctx.grace)} on ada's path"
            if method == "DELETE":
                attempt: Exchange | None = ctx.send(path, method="DELETE", as_user=ctx.grace, describe=describe)
            else:
                attempt, _ = _write(ctx, write, ctx.grace, attack_mark, {}, describe)
            if attempt is None:
                continue
            exchanges.append(attempt)
            if not is_rejected(attempt) or attempt.status == 405:
                continue  # served: other-users-resource-any-method's finding; a 5xx: no-server-errors'
            graded += 1
            changed = _changed(ctx, reads, own_mark, attack_mark, exchanges)
            if changed is not None:
                return Outcome(False, exchanges, f"{method} {template} answered {attempt.status} to grace, but ada's "
                               f"data changed anyway (GET {changed.path} now gives ada {changed.got})",
                               culprit=attempt)
    for index, flow in enumerate(flows_to_grade(ctx)[0]):
        for method in served(ctx, flow.item, ("PUT", "PATCH", "DELETE")):
            own_mark = _marker("kept", "flow", index, method.lower())
            planted = _plant(ctx, flow, own_mark, exchanges)
            if planted is None:
                break
            item, identifier = planted
            # Under a user's path: ada's resource under ada's path, then its id under grace's own.
            for target in dict.fromkeys([item, item_path(flow, identifier, ctx.grace)]):
                attack_mark = _marker("refused", "flow", index, method.lower(), int(target != item))
                write = Write(method, flow.item, target, ctx.routes.operation(method, flow.item))
                describe = f"{ctx.credential_label(ctx.grace)} on ada's resource" + \
                    (" under her own path" if target != item else "")
                if method == "DELETE":
                    attempt = ctx.send(target, method="DELETE", as_user=ctx.grace, describe=describe)
                else:
                    attempt, _ = _write(ctx, write, ctx.grace, attack_mark, {}, describe)
                if attempt is None:
                    continue
                exchanges.append(attempt)
                if not is_rejected(attempt) or attempt.status == 405:
                    continue  # served: other-user-changes-resource's (or -deletes-) finding
                graded += 1
                after = _changed_for_ada(ctx, item, own_mark, attack_mark, exchanges)
                if after is not None:
                    return Outcome(False, exchanges, f"{method} {flow.item} answered {attempt.status} to grace, but "
                                   f"ada's resource changed anyway (ada now gets {after.got})", culprit=attempt)
    if not graded:
        return _nothing_to_try(ctx, "write on a {user_id} route or on a resource one user creates")
    return Outcome(True, exchanges)


# --- a client-chosen id does not take over another user's resource -----------------------------------------


def _upserts(ctx: Context) -> list[Write]:
    """Documented protected PUTs on an item path (one parameter, not a user id) that no POST creates
    and a GET reads: the client chooses the id, so a PUT there creates (an upsert)."""
    created = {flow.item for flow in ctx.routes.flows()}
    return [Write("PUT", op.path, op.path, op) for op in ctx.routes.protected
            if op.method == "PUT" and len(op.path_params) == 1 and owner_template(op.path) is None
            and op.path not in created and ctx.routes.operation("GET", op.path) is not None][:MAX_WRITES]


def _shared(ctx: Context, item: str, exchanges: list[Exchange]) -> bool:
    """grace reads ada's resource: shared by design (a wiki page), or other-user-reads-resource's finding;
    either way, that grace may also write it is no takeover."""
    read = _read(ctx, item, ctx.grace, "read ada's resource (is it shared?)")
    exchanges.append(read)
    return is_accepted(read)


@case("client-id-takes-over", group="ownership", weight="required", credentials=ALL,
      title="a create or upsert with an id the client chose cannot overwrite or take over another user's resource",
      expect="grace's POST with ada's resource's id (in the body: id, task_id, …) or PUT on it gets a new "
             "resource, a 404 or a 409; ada's resource stays hers and unchanged",
      fix="let the server choose ids (uuid4) and ignore an id in the body; for an upsert, look the id up "
          "first and refuse (404/409) when it exists and belongs to someone else")
def client_id_takes_over(ctx: Context) -> Outcome:
    exchanges: list[Exchange] = []
    graded = 0
    for index, flow in enumerate(flows_to_grade(ctx)[0]):
        own_mark, attack_mark = _marker("theirs", index), _marker("taken", index)
        planted = _plant(ctx, flow, own_mark, exchanges)
        if planted is None:
            continue
        item, identifier = planted
        if _shared(ctx, item, exchanges):
            continue
        ids = dict.fromkeys((flow.param, *ID_FIELDS), identifier)
        # The creation, a PUT/PATCH of the collection (a bulk upsert), and of grace's own resource (saved
        # under the body's id?), each with ada's resource's id in the body.
        writes = [_creation(ctx, flow, ctx.grace, method)
                  for method in ("POST", *served(ctx, flow.create, ("PUT", "PATCH")))]
        writes += _own_items(ctx, [flow], exchanges)
        for step, write in enumerate(writes):
            mark = f"{attack_mark}-{step}"
            describe = f"{ctx.credential_label(ctx.grace)}: {write.method} with the id of ada's resource"
            attempt, carried = _write(ctx, write, ctx.grace, mark, ids, describe)
            if attempt is None or not carried:
                continue
            exchanges.append(attempt)
            graded += 1
            what = f"{write.method} {write.template} with {carried} = the id of ada's resource"
            if _shows(attempt, own_mark):
                return Outcome(False, exchanges, f"{what} answered grace with ada's resource ({attempt.got})",
                               culprit=attempt)
            after = _changed_for_ada(ctx, item, own_mark, mark, exchanges)
            if after is not None:
                return Outcome(False, exchanges, f"{what} ({attempt.got}) took it over or overwrote it: ada now gets "
                               f"{after.got}", culprit=attempt)
    for index, write in enumerate(_upserts(ctx)):
        assert write.op is not None
        param = next(iter(write.op.path_params))
        chosen = "900017" if declared_type({"properties": write.op.path_params}, None, param) == "integer" \
            else _marker("id", index)
        path = write.template.replace(f"{{{param}}}", chosen)
        write = Write("PUT", write.template, path, write.op)
        own_mark, attack_mark = _marker("theirs", "put", index), _marker("taken", "put", index)
        mine, _ = _write(ctx, write, ctx.ada, own_mark, {}, f"{ctx.credential_label(ctx.ada)}: create by PUT")
        if mine is None or not is_accepted(mine):
            continue
        exchanges.append(mine)
        first = _read(ctx, path, ctx.ada, "read what she put")
        exchanges.append(first)
        if not _shows(first, own_mark) or _shared(ctx, path, exchanges):
            continue
        attempt, _ = _write(ctx, write, ctx.grace, attack_mark, {},
                            f"{ctx.credential_label(ctx.grace)}: PUT on the id of ada's resource")
        if attempt is None:
            continue
        exchanges.append(attempt)
        graded += 1
        if _shows(attempt, own_mark):
            return Outcome(False, exchanges, f"PUT {write.template} on the id of ada's resource answered grace with "
                           f"ada's resource ({attempt.got})", culprit=attempt)
        after = _changed_for_ada(ctx, path, own_mark, attack_mark, exchanges)
        if after is not None:
            return Outcome(False, exchanges, f"PUT {write.template} on the id of ada's resource ({attempt.got}) "
                           f"took it over or overwrote it: ada now gets {after.got}", culprit=attempt)
    if not graded:
        return _nothing_to_try(ctx, "resource one user creates")
    return Outcome(True, exchanges)


# --- the same resource through another route ----------------------------------------------------------------


def _id_routes(ctx: Context, flow: Flow) -> list[Operation]:
    """Documented GETs (protected or not) other than ``flow``'s item that take one id (not a user's): a sub-route
    (``/api/tasks/{id}/export``), a twin under another version (``/api/v1/tasks/{id}``)."""
    return [op for op in ctx.routes.operations if op.method == "GET" and len(op.path_params) == 1
            and owner_template(op.path) is None and op.path != flow.item and not op.query_params][:MAX_VIEWS]


def _id_bodies(ctx: Context, flows: list[Flow]) -> list[Operation]:
    """Documented writes (protected or not) without path parameters, other than a creation, whose body names
    resources by id (``{"ids": [...]}``, ``{"task_id": ...}``): a batch read, a bulk delete, a query endpoint."""
    creations = {flow.create for flow in flows}
    return [op for op in ctx.routes.operations if op.method in (*BODY_METHODS, "DELETE") and not op.path_params
            and op.body_schema is not None and op.path not in creations
            and any(normalized(name).endswith(("id", "ids")) and normalized(name) not in OWNER_NAMES
                    for name in properties_of(op.body_schema, ctx.routes.document)[0])][:MAX_WRITES]


@case("resource-on-other-routes", group="ownership", weight="required", credentials=ALL,
      title="a resource one user created is not shown to another, nor changed, through any other route that takes "
            "its id (a sub-route such as /export, an old API version's twin, a batch read or bulk delete by ids)",
      expect="grace's GET of every other documented route that takes an id in its path, and her write to every "
             "route that takes ids in its body, given ada's resource's id, show nothing ada wrote and leave it as "
             "it was",
      fix="load the resource in one function that compares its owner with the verified user "
          "(get_owned(id, user): WHERE id = ? AND owner_id = ?) and call it from every route that takes the id, "
          "downloads and old API versions included (or unmount the old router)")
def resource_on_other_routes(ctx: Context) -> Outcome:
    exchanges: list[Exchange] = []
    graded, found = 0, False
    flows = flows_to_grade(ctx)[0]
    bodies = _id_bodies(ctx, flows)
    for index, flow in enumerate(flows):
        routes = _id_routes(ctx, flow)
        if not routes and not bodies:
            continue
        found = True
        mark = _marker("elsewhere", index)
        planted = _plant(ctx, flow, mark, exchanges)
        if planted is None:
            continue
        item, identifier = planted
        if _shared(ctx, item, exchanges):
            continue
        for op in routes:
            path = op.path.replace(f"{{{next(iter(op.path_params))}}}", urllib.parse.quote(identifier, safe=""))
            seen = _read(ctx, path, ctx.grace, "the id of ada's resource on another route")
            exchanges.append(seen)
            graded += 1
            if _shows(seen, mark):
                return Outcome(False, exchanges, f"GET {op.path} with the id of ada's resource showed it to grace "
                               f"(GET {flow.item} refuses her): that route loads it without the owner check",
                               culprit=seen)
        for index_op, op in enumerate(bodies):
            write = Write(op.method, op.path, op.path, op)
            fields = {name: [identifier] if normalized(name).endswith("ids") else identifier
                      for name in properties_of(op.body_schema, ctx.routes.document)[0]
                      if normalized(name).endswith(("id", "ids")) and normalized(name) not in OWNER_NAMES}
            attack_mark = _marker("batch", index, index_op)
            attempt, carried = _write(ctx, write, ctx.grace, attack_mark, fields,
                                      f"{ctx.credential_label(ctx.grace)}: the id of ada's resource in the body")
            if attempt is None or not carried.declared:
                continue
            exchanges.append(attempt)
            graded += 1
            what = f"{op.method} {op.path} with {carried} = the id of ada's resource"
            if _shows(attempt, mark):
                return Outcome(False, exchanges, f"{what} answered grace with ada's resource (GET {flow.item} refuses "
                               "her): that route loads it without the owner check", culprit=attempt)
            after = _changed_for_ada(ctx, item, mark, attack_mark, exchanges)
            if after is not None:
                return Outcome(False, exchanges, f"{what} ({attempt.got}) changed or removed it: ada now gets "
                               f"{after.got}", culprit=attempt)
    if not graded:
        return _nothing_to_try(ctx, "resource one user creates") if found or not ctx.routes.operations else \
            not_applicable("not run: no route besides a resource's own takes its id (in its path or body)")
    return Outcome(True, exchanges)


# --- an owner filter in the query ---------------------------------------------------------------------------


def _owner_queries(victim: Identity) -> list[dict[str, str]]:
    """Each owner filter alone, naming ``victim``."""
    return [{name: victim.id} for name in OWNER_QUERY] + [{name: victim.email} for name in OWNER_EMAIL_QUERY]


def _declared_query(ctx: Context, path: str) -> list[str]:
    """The query parameters (optional ones too) the OpenAPI document declares for GET ``path``."""
    op = ctx.routes.operation("GET", path.partition("?")[0])
    item = (ctx.routes.document or {}).get("paths", {}).get(op.path, {}) if op is not None else {}
    get = item.get("get", {}) if isinstance(item, dict) else {}
    parameters = [*(item.get("parameters") or []), *(get.get("parameters") or [])] if isinstance(get, dict) else []
    return [p["name"] for p in parameters if isinstance(p, dict) and p.get("in") == "query"
            and isinstance(p.get("name"), str)]


def _owner_headers(victim: Identity) -> dict[str, str]:
    return {name: victim.email if "email" in name else victim.id for name in OWNER_HEADERS}


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urllib.parse.urlencode(query)}"


@case("owner-filter-from-query", group="ownership", weight="required", credentials=ALL,
      title="a list shows a user only her own resources, also filtered by an owner in the query (?owner_id=, "
            "?userId=, ?email=, a declared ?author= or ?q=) or a header (X-Owner-Id, …)",
      expect="grace's GET /api/tasks, ?owner_id=<ada>, ?q=<ada's words> show none of the resources of ada's that "
             "GET /api/tasks/{id} refuses her (her own, a 403, or a 422)",
      fix="filter every list and search by the verified user (WHERE owner_id = user.sub); drop an owner "
          "parameter, or honour it only for admins (checked from the token's role)")
def owner_filter_from_query(ctx: Context) -> Outcome:
    exchanges: list[Exchange] = []
    flows = flows_to_grade(ctx)[0]
    # ada's resources that grace may not read directly: no list may show them to her either.
    marks = []
    for index, flow in enumerate(flows):
        planted = _plant(ctx, flow, mark := _marker("listed", index), exchanges)
        if planted is not None and not _shared(ctx, planted[0], exchanges):
            marks.append(mark)
    if not marks:
        return _nothing_to_try(ctx, "resource one user creates")
    lists = _views(ctx, ctx.grace)
    for flow in flows:
        listed = user_path(flow.create, ctx.grace)
        if served(ctx, flow.create, ("GET",)) and listed not in lists:
            lists.append(listed)
    label = ctx.credential_label(ctx.grace)

    def leaks(exchange: Exchange) -> bool:
        exchanges.append(exchange)
        return any(_shows(exchange, mark) for mark in marks)

    graded = 0
    for path in lists:
        plain = _read(ctx, path, ctx.grace, "her own list")
        graded += 1
        if leaks(plain):
            return Outcome(False, exchanges, f"GET {path} showed grace ada's resources, which their own route "
                           "refuses her: a list or search without the owner filter", culprit=plain)
        singles = _owner_queries(ctx.ada)
        every = ctx.send(_with_query(path, {k: v for query in singles for k, v in query.items()}), as_user=ctx.grace,
                         describe=f"{label}, every owner parameter naming ada")
        # All at once first; each alone when that leaked (to name it) or was refused as unknown (400/422);
        # and each parameter the document declares (?author=, ?q=) set to ada's id, email and words.
        tries = list(singles) if leaks(every) or every.status in (400, 422) else []
        tries += [{name: value} for name in _declared_query(ctx, path)
                  for value in (ctx.ada.id, ctx.ada.email, *marks) if {name: value} not in singles]
        for query in tries:
            name, value = next(iter(query.items()))
            alone = ctx.send(_with_query(path, query), as_user=ctx.grace, describe=f"{label}, ?{name}= naming ada")
            if leaks(alone):
                kind = "email" if value == ctx.ada.email else "id" if value == ctx.ada.id else "words"
                return Outcome(False, exchanges, f"GET {path}?{name}=<ada's {kind}> showed grace ada's resources: "
                               "the app took the owner from the query, or searched everyone's", culprit=alone)
        if any(_shows(every, mark) for mark in marks):
            return Outcome(False, exchanges, f"GET {path} with the owner parameters naming ada showed grace ada's "
                           "resources: the app took the owner from the query", culprit=every)
        headed = ctx.send(path, as_user=ctx.grace, headers=_owner_headers(ctx.ada),
                          describe=f"{label}, {', '.join(OWNER_HEADERS[:2])}, … naming ada")
        if leaks(headed):
            return Outcome(False, exchanges, f"GET {path} with {', '.join(OWNER_HEADERS)} naming ada showed grace "
                           "ada's resources: the app took the owner from a header", culprit=headed)
    if not graded:
        return not_applicable("not run: grace has no list to read")
    return Outcome(True, exchanges)


# --- privileged fields in the body (mass assignment): last, as a hole leaves grace an admin ----------------------


@case("privileged-field-from-body", group="ownership", weight="required", credentials=ALL,
      title="a user cannot make herself an admin through a write (role, isAdmin, permissions… in the body: "
            "mass assignment)",
      expect="grace's write with role=admin, is_admin=true, … refused or the fields ignored: the admin route "
             "still refuses her",
      fix="declare the fields a user may change in the request model (pydantic ignores the rest; never "
          "extra='allow', never **body into the stored user); the role comes from Better Auth's admin plugin, "
          "read from the verified token")
def privileged_field_from_body(ctx: Context) -> Outcome:
    exchanges: list[Exchange] = []
    admin = ctx.admin or choose_admin(ctx)  # discovery chose none when --protected was given
    if admin is None:
        return not_applicable("not run: give --admin (a route only admins may call)")
    before = _read(ctx, admin, ctx.grace, "the admin route, before")
    exchanges.append(before)
    if not is_rejected(before):
        return not_applicable(f"not run: grace already gets {before.got} from {admin} (non-admin-denied's finding)")
    writes = _own_writes(ctx, ctx.grace)
    if ctx.routes.document is None:  # the methods are unknown: the usual ones on her own routes
        for path in filter(None, (ctx.protected_template, ctx.owner and ctx.owner_path(ctx.grace.id))):
            if "{" not in path:
                writes += [Write(method, path, path, None) for method in ("PATCH", "PUT")]
    if not writes:
        return _nothing_to_try(ctx, "write with a JSON body")
    sent = 0
    for index, write in enumerate(writes):
        attempt, carried = _write(ctx, write, ctx.grace, _marker("priv", index), PRIVILEGED_FIELDS,
                                  f"{ctx.credential_label(ctx.grace)} (role user) with role=admin, is_admin=true, …")
        if attempt is None or not carried:
            continue
        exchanges.append(attempt)
        sent += 1
        if not is_accepted(attempt):
            continue
        after = _read(ctx, admin, ctx.grace, "the admin route, after her write")
        exchanges.append(after)
        if is_accepted(after):
            return Outcome(False, exchanges, f"{write.method} {write.template} with {carried} made grace "
                           f"an admin: {admin} now answers her {after.got}", culprit=attempt)
    if not sent:
        return not_applicable("not run: no write could carry a role field")
    return Outcome(True, exchanges)
