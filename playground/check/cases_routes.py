"""Cases over every method and every resource the app serves (OWASP API1 and API2 as requests).

Real apps put their holes where a checker that sends only GETs never looks: a ``DELETE`` without
an auth dependency next to a protected ``GET``, a ``PUT /users/{id}`` that never compares the id,
a ``/tasks/{id}`` that any signed-in user may read. These cases take the methods and routes from
``discovery`` (the app's OpenAPI document, else every write method: a 405 counts as refused) and
send each write with the smallest body its schema allows (``bodies``), so that a 422 never hides a
missing auth check.

Order matters: the requests that must be refused go first, and an app that wrongly accepts one
may change its state; the owner's own writes, which do change it, come last.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

from .case import Outcome, all_rejected, is_accepted, is_rejected, not_applicable
from .cases import case
from .context import CREDENTIALS, Context, Exchange, Identity
from .discovery import METHODS, WRITE_METHODS, Flow, concrete, owner_template, parse_flow

ALL = CREDENTIALS
FLOW_HINT = ("not run: give --owner 'POST /api/tasks -> /api/tasks/{id}' (a resource one user creates), or serve an "
             "OpenAPI document with such routes")


def served(ctx: Context, path: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The methods of ``candidates`` the app serves at ``path``; all of them when it has no document."""
    known = ctx.routes.methods_at(path)
    return candidates if known is None else tuple(m for m in candidates if m in known)


def _send(ctx: Context, method: str, path: str, template: str, describe: str, **kwargs: Any) -> Exchange:
    body = ctx.routes.body(method, template)
    return ctx.send(path, method=method, describe=describe, json=body, **kwargs)


# --- every method refuses a request without credentials ------------------------------------------------


@case("no-credentials-every-method", group="methods", weight="required", credentials=ALL,
      title="every method of every protected route refuses a request without credentials",
      expect="401 (or 403, or 405 where the method is not served) for GET, POST, PUT, PATCH and DELETE alike, "
             "with a body the schema accepts",
      fix="put the auth dependency on the router (APIRouter(dependencies=[Depends(current_user)])) or on every "
          "operation, and authenticate before validating the body")
def no_credentials_every_method(ctx: Context) -> Outcome:
    targets: dict[tuple[str, str], str] = {}  # (method, concrete path) -> template
    protected = ctx.protected
    for method in served(ctx, protected, METHODS):
        targets.setdefault((method, protected), protected)
    if ctx.owner:
        for method in served(ctx, ctx.owner, METHODS):
            targets.setdefault((method, ctx.owner_path(ctx.grace.id)), ctx.owner)
    for op in ctx.routes.protected:
        targets.setdefault((op.method, concrete(op, ctx.grace.id)), op.path)
    exchanges = [_send(ctx, method, path, template, f"no credentials, {method} with "
                       f"{'the smallest valid body' if method in ('POST', 'PUT', 'PATCH') else 'no body'}")
                 for (method, path), template in targets.items()]
    return all_rejected(exchanges)


# --- another user's id in the path, on every method -----------------------------------------------------


def owner_operations(ctx: Context) -> list[tuple[str, str]]:
    """(method, template) pairs on paths that hold a user id: the configured --owner and the discovered ones."""
    pairs: list[tuple[str, str]] = []
    if ctx.owner:
        pairs += [(method, ctx.owner) for method in served(ctx, ctx.owner, WRITE_METHODS)]
    for op in ctx.routes.protected:
        template = owner_template(op.path)
        if template is not None and template != ctx.owner and (op.method, template) not in pairs:
            pairs.append((op.method, template))
    return pairs


@case("other-users-resource-any-method", group="identity", weight="required", credentials=ALL,
      title="another user's id in the path is refused on every method "
            "(POST, PUT, PATCH, DELETE; GET on discovered routes)",
      expect="403 (or 404, or 405 where the method is not served) for grace's credential on ada's path (grace: a "
             "plain user; ada, the admin, may be allowed on anyone's)",
      fix="compare the verified user id with the path's user id in every operation of the route, writes included")
def other_users_resource_any_method(ctx: Context) -> Outcome:
    pairs = owner_operations(ctx)
    if not pairs:
        if ctx.owner:
            return not_applicable(f"not run: --owner {ctx.owner} serves no write method "
                                  "(other-users-profile grades its GET)")
        return not_applicable("not run: give --owner, or serve an OpenAPI document with a {user_id} route")
    exchanges = []
    for method, template in pairs:
        exchange = _send(ctx, method, ctx.owner_path(ctx.ada.id, template), template,
                         f"{ctx.credential_label(ctx.grace)} on ada's path", as_user=ctx.grace)
        exchanges.append(exchange)
        if is_accepted(exchange):
            return Outcome(False, exchanges, f"{method} {template}: grace was served ada's resource", culprit=exchange)
    return all_rejected(exchanges)


# --- a resource one user creates: nobody else reads, changes or deletes it ---------------------------------


def flows_to_grade(ctx: Context) -> tuple[list[Flow], bool]:
    """The flows to grade, and whether they were given (not discovered)."""
    if ctx.owner_flow:
        flow = parse_flow(ctx.owner_flow)
        return ([flow] if flow else []), True
    return ctx.routes.flows() + _user_scoped_flows(ctx), False


def _user_scoped_flows(ctx: Context) -> list[Flow]:
    """Flows under the user's own path: ``POST /api/{user_id}/tasks`` beside ``GET /api/{user_id}/tasks/{id}``
    (the user parameter written ``{user_id}``, filled with the acting user's id by ``user_path``). Grace
    must be refused ada's resource under ada's path and under her own (``/api/<grace>/tasks/<ada's>``)."""
    found: list[Flow] = []
    for op in ctx.routes.operations:
        create = owner_template(op.path) if op.method == "POST" else None
        if create is None:
            continue
        for item in ctx.routes.operations:
            last = re.fullmatch(re.escape(op.path.rstrip("/")) + r"/\{([^{}/]+)\}", item.path)
            if item.method == "GET" and last is not None:
                flow = Flow(create, f"{create.rstrip('/')}/{{{last.group(1)}}}", last.group(1))
                if flow not in found:
                    found.append(flow)
    return found


def user_path(template: str, user: Identity) -> str:
    """``template`` with ``{user_id}`` (a flow under the user's own path) set to ``user``'s id."""
    return template.replace("{user_id}", urllib.parse.quote(user.id, safe=""))


def item_path(flow: Flow, identifier: str, user: Identity) -> str:
    """The resource ``identifier`` of ``flow``, under ``user``'s path when the flow has one."""
    return user_path(flow.item.replace(f"{{{flow.param}}}", urllib.parse.quote(identifier, safe="")), user)


def _created(ctx: Context, flow: Flow, *, fresh: bool = False) -> tuple[str | None, list[Exchange], str]:
    """A resource of ``flow`` that ada created and can read: (its path, the exchanges, why not)."""
    key = flow.label
    if not fresh and key in ctx.owned:
        return ctx.owned[key]
    describe = f"{ctx.credential_label(ctx.ada)}: create a resource"
    create = user_path(flow.create, ctx.ada)
    created = (ctx.send(create, method="POST", json=flow.body, as_user=ctx.ada, describe=describe)
               if flow.body is not None else _send(ctx, "POST", create, flow.create, describe, as_user=ctx.ada))
    exchanges = [created]
    path, why = None, ""
    identifier = identifier_in(created, flow) if is_accepted(created) else None
    if not is_accepted(created):
        why = f"POST {flow.create} as ada answered {created.got}"
    elif identifier is None:
        also = "" if flow.param == "id" else " (nor 'id')"
        why = f"POST {flow.create} answered no '{flow.param}'{also} in its JSON: {created.got}"
    else:
        candidate = item_path(flow, identifier, ctx.ada)
        read = ctx.send(candidate, as_user=ctx.ada, describe=f"{ctx.credential_label(ctx.ada)}: read what ada created")
        exchanges.append(read)
        if is_accepted(read):
            path = candidate
        else:
            why = f"ada could not read what she created: GET {candidate} answered {read.got}"
    ctx.owned[key] = (path, exchanges, why)
    return path, exchanges, why


def identifier_in(exchange: Exchange, flow: Flow) -> str | None:
    """The created resource's id in a creation's JSON answer: the item path's parameter (``task_id``, also
    spelt ``taskId``), ``<resource>Id`` (``taskId`` for ``/tasks``), ``id``, ``uuid`` or ``_id``, at the top
    or one level down (an envelope: ``{"data": {...}}``, ``{"task": {...}}``)."""
    try:
        body = json.loads(exchange.full_body)
    except ValueError:
        return None
    resource = flow.create.rstrip("/").rsplit("/", 1)[-1].lower()
    names = [_plain(name) for name in (flow.param, "id", "uuid", "_id", f"{resource}id", f"{resource[:-1]}id")]
    for holder in [body, *(v for v in body.values() if isinstance(v, dict))] if isinstance(body, dict) else []:
        keys = {_plain(key): key for key in holder if isinstance(key, str)}
        for name in names:
            value = holder.get(keys.get(name, ""))
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return str(value)
    return None


def _plain(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _grade_flows(ctx: Context, methods: tuple[str, ...], verb: str) -> Outcome:
    flows, given = flows_to_grade(ctx)
    if not flows:
        return not_applicable(FLOW_HINT)
    exchanges: list[Exchange] = []
    graded = 0
    for flow in flows:
        path, setup, why = _created(ctx, flow)
        exchanges += setup
        if path is None:
            if given:
                return Outcome(False, exchanges, f"{flow.label}: {why}", culprit=setup[-1])
            continue
        graded += 1
        before = setup[-1].full_body
        if "GET" in methods:
            # An id that does not exist, as text (ids here may be numbers): a 404, never a crash (a 5xx is
            # no-server-errors' finding, so this answer is kept out of the verdict below).
            ctx.send(item_path(flow, "chk-no-such-id", ctx.ada), as_user=ctx.ada,
                     describe=f"{ctx.credential_label(ctx.ada)}, an id that does not exist")
        # Nobody but ada: grace (under ada's path, and under her own when the flow lives under a user's
        # path), and no credential or a garbage one (optional auth that lets guests in).
        grace = ctx.credential_label(ctx.grace)
        tries: list[tuple[str, str, str, dict[str, Any]]] = [(path, "grace", "", {"as_user": ctx.grace})]
        if "{user_id}" in flow.item:
            mine = path.replace(user_path("{user_id}", ctx.ada), user_path("{user_id}", ctx.grace), 1)
            tries.append((mine, "grace", " (on ada's resource's id under her own path)", {"as_user": ctx.grace}))
        tries += [(path, "a request without credentials", "", {}),
                  (path, "a garbage credential", "", {"headers": ctx.garbage_credential()})]
        for method, (target, who, where, options) in ((m, t) for m in served(ctx, flow.item, methods) for t in tries):
            describe = f"{grace if who == 'grace' else who} on ada's resource{where}"
            attempt = _send(ctx, method, target, flow.item, describe, **options)
            exchanges.append(attempt)
            if is_accepted(attempt):
                return Outcome(False, exchanges, f"{method} {flow.item}: {who} {verb} the resource ada created{where}",
                               culprit=attempt)
            if not is_rejected(attempt):
                return all_rejected(exchanges)
            if method != "GET":
                # A refusal that changed the resource anyway is no refusal.
                after = ctx.send(path, as_user=ctx.ada, describe=f"{ctx.credential_label(ctx.ada)}: read it again")
                exchanges.append(after)
                if not is_accepted(after) or after.full_body != before:
                    ctx.owned.pop(flow.label, None)
                    return Outcome(False, exchanges, f"{method} {flow.item} answered {attempt.status} to {who}, but "
                                   f"ada's resource changed (ada now gets {after.got})", culprit=attempt)
    nested = _grade_nested(ctx, methods, verb, exchanges) if not given else 0
    if isinstance(nested, Outcome):
        return nested
    if not graded + nested:
        return not_applicable("not run: no discovered flow could create a resource as ada ("
                              + "; ".join(ctx.owned[f.label][2] for f in flows) + ")")
    return Outcome(True, exchanges)


# --- a resource created under another (a project's tasks) ----------------------------------------------------


def _nested_flows(ctx: Context) -> list[tuple[Flow, Flow]]:
    """(parent, child) flows: ``POST /api/projects/{project_id}/tasks`` beside ``GET /api/projects/{project_id}/
    tasks/{task_id}``, under the resource of the flow ``POST /api/projects -> /api/projects/{project_id}``."""
    found: list[tuple[Flow, Flow]] = []
    for parent in ctx.routes.flows():
        prefix = parent.item.rstrip("/") + "/"
        for op in ctx.routes.operations:
            if op.method != "POST" or not op.path.startswith(prefix) or len(op.path_params) != 1:
                continue
            for item in ctx.routes.operations:
                last = re.fullmatch(re.escape(op.path.rstrip("/")) + r"/\{([^{}/]+)\}", item.path)
                if item.method == "GET" and last is not None and (parent, Flow(op.path, item.path, last.group(1))) \
                        not in found:
                    found.append((parent, Flow(op.path, item.path, last.group(1))))
    return found[:4]


def _parent_of(ctx: Context, parent: Flow, user: Identity, exchanges: list[Exchange]) -> str | None:
    """The id of a new resource of ``parent`` that ``user`` creates."""
    created = _send(ctx, "POST", parent.create, parent.create, f"{ctx.credential_label(user)}: create a parent "
                    "resource", as_user=user)
    exchanges.append(created)
    return identifier_in(created, parent) if is_accepted(created) else None


def _grade_nested(ctx: Context, methods: tuple[str, ...], verb: str, exchanges: list[Exchange]) -> Outcome | int:
    """grace is refused ada's resource under ada's parent and under her own parent (a route that checks the
    parent's owner, then loads the child by its id alone). Returns the failure, or how many were graded."""
    graded = 0
    for parent, child in _nested_flows(ctx):
        hers, mine = _parent_of(ctx, parent, ctx.ada, exchanges), _parent_of(ctx, parent, ctx.grace, exchanges)
        if hers is None or mine is None:
            continue

        def under(template: str, parent_id: str, child_id: str | None = None,
                  parent: Flow = parent, child: Flow = child) -> str:
            path = template.replace(f"{{{parent.param}}}", urllib.parse.quote(parent_id, safe=""))
            return path if child_id is None else path.replace(f"{{{child.param}}}",
                                                              urllib.parse.quote(child_id, safe=""))

        created = _send(ctx, "POST", under(child.create, hers), child.create,
                        f"{ctx.credential_label(ctx.ada)}: create a resource under her own", as_user=ctx.ada)
        exchanges.append(created)
        child_id = identifier_in(created, child) if is_accepted(created) else None
        if child_id is None:
            continue
        item = under(child.item, hers, child_id)
        read = ctx.send(item, as_user=ctx.ada, describe=f"{ctx.credential_label(ctx.ada)}: read what she created")
        exchanges.append(read)
        if not is_accepted(read):
            continue
        graded += 1
        for method in served(ctx, child.item, methods):
            for target, where in ((item, ""), (under(child.item, mine, child_id), " (under grace's own parent)")):
                attempt = _send(ctx, method, target, child.item,
                                f"{ctx.credential_label(ctx.grace)} on ada's resource{where}", as_user=ctx.grace)
                exchanges.append(attempt)
                if is_accepted(attempt):
                    return Outcome(False, exchanges, f"{method} {child.item}: grace {verb} the resource ada created"
                                   f"{where}", culprit=attempt)
    return graded


@case("other-user-reads-resource", group="ownership", weight="required", credentials=ALL,
      title="a resource one user created is not readable by another (broken object-level authorisation)",
      expect="403 or 404 for grace's GET of ada's resource",
      fix="store the creator's user id with the resource and compare it with the verified user on every read")
def other_user_reads(ctx: Context) -> Outcome:
    return _grade_flows(ctx, ("GET",), "read")


@case("other-user-changes-resource", group="ownership", weight="required", credentials=ALL,
      title="a resource one user created cannot be changed by another",
      expect="403 or 404 for grace's PUT and PATCH, and the resource unchanged",
      fix="load the resource with the verified user's id in the query (WHERE id = ? AND owner_id = ?) before updating")
def other_user_changes(ctx: Context) -> Outcome:
    return _grade_flows(ctx, ("PUT", "PATCH"), "changed")


@case("other-user-deletes-resource", group="ownership", weight="required", credentials=ALL,
      title="a resource one user created cannot be deleted by another",
      expect="403 or 404 for grace's DELETE, and the resource still there",
      fix="delete only WHERE id = ? AND owner_id = <the verified user>; answer 404 when nothing matched")
def other_user_deletes(ctx: Context) -> Outcome:
    return _grade_flows(ctx, ("DELETE",), "deleted")


@case("owner-changes-and-deletes-resource", group="ownership", weight="advisory", credentials=ALL,
      title="the user who created a resource may change and delete it",
      expect="2xx for ada's own PUT/PATCH and DELETE (so the refusals above were about the user, not the request)",
      fix="authorise by owner, not by refusing every write")
def owner_changes_and_deletes(ctx: Context) -> Outcome:
    flows, _ = flows_to_grade(ctx)
    if not flows:
        return not_applicable(FLOW_HINT)
    exchanges: list[Exchange] = []
    graded = 0
    for flow in flows:
        path, setup, why = _created(ctx, flow, fresh=True)
        exchanges += setup
        if path is None:
            continue
        graded += 1
        for method in served(ctx, flow.item, ("PUT", "PATCH", "DELETE")):
            attempt = _send(ctx, method, path, flow.item, f"{ctx.credential_label(ctx.ada)} on her own resource",
                            as_user=ctx.ada)
            exchanges.append(attempt)
            if not is_accepted(attempt):
                return Outcome(False, exchanges, f"{method} {flow.item}: ada was refused on her own resource "
                               f"({attempt.got})", culprit=attempt)
    if not graded:
        return not_applicable("not run: no flow could create a resource as ada")
    return Outcome(True, exchanges)

