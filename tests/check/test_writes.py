"""What a write may change: owners and roles from the body, owner filters from the query, a write
saved before its refusal, a client-chosen id that takes another user's resource (``cases_writes``).

Each hole target fails its own case and no other case of its family or of the route cases before
it; the careful writes app, which holds the look-alikes a status-only or marker-only checker would
flag (a message that names its recipient, a public feed, an admin-only owner filter, an
offline-first create that takes the client's id), passes every one of them, each actually judged."""

from __future__ import annotations

import pytest
from targets import holes_routes
from targets.holes_writes import (
    VARIANTS,
    WRITE_CASES,
    create_enveloped_tasks_app,
    create_projects_app,
    create_user_tasks_app,
    create_writes_app,
)
from targets_common import ENV, REQUIRED, ROUTES

from playground.check.bodies import marked

#: The write cases with the route cases whose ground they share: a hole must fail only its own.
FAMILY = (*WRITE_CASES, *holes_routes.HOLES, "owner-changes-and-deletes-resource")


def test_the_careful_writes_app_passes_every_required_case_and_each_write_case_is_judged(check_run):
    report = check_run(app_factory=create_writes_app, env=ENV, only=(*REQUIRED, *FAMILY), **ROUTES)
    assert report.failed_ids(include_advisory=True) == set(), str(report)
    statuses = {r.case.id: r.status for r in report.results}
    assert all(statuses[case_id] == "passed" for case_id in WRITE_CASES), statuses


@pytest.mark.parametrize("hole", [*WRITE_CASES, *VARIANTS])
def test_each_write_hole_fails_exactly_its_case_of_its_family(hole, check_run):
    # A variant is another form of its case's hole: "owner-from-body/reassign" (a task's owner changed by
    # its PUT), "owner-from-body/query" (POST /api/tasks?user_id=), "client-id-takes-over/put" (an upsert),
    # "client-id-takes-over/sync" (PUT /api/tasks with the id in the body), "client-id-takes-over/item" (a PUT
    # of her own task saved under the body's id), "owner-filter-from-query/header" (X-Owner-Id),
    # "owner-filter-from-query/search" (?q= searches everyone's), "owner-filter-from-query/all" (GET /api/tasks
    # lists everyone's), "resource-on-other-routes/batch" and "/bulk-delete" (ids in a body, unscoped),
    # "resource-on-other-routes/v1" (an old
    # router's GET /api/v1/tasks/{id} without the owner check).
    report = check_run(app_factory=lambda: create_writes_app(hole), env=ENV, only=FAMILY, **ROUTES)
    assert report.failed_ids(include_advisory=True) == {hole.partition("/")[0]}, str(report)
    assert report.exit_code == 1


def test_an_owner_in_the_body_is_reported_with_the_field_and_where_the_victim_saw_it(check_run):
    report = check_run(app_factory=lambda: create_writes_app("owner-from-body"), env=ENV, only=("owner-from-body",),
                       **ROUTES)
    outcome = report.result("owner-from-body").outcome
    assert "PUT /api/profile: grace's write with user_id (or ?user_id=, ?userId=, … in the query) = ada's id " \
        "landed in ada's data (GET /api/profile" in outcome.detail, outcome.detail
    culprit = outcome.culprit
    assert (culprit.method, culprit.path.partition("?")[0], culprit.status) == ("PUT", "/api/profile", 200)


def test_a_refused_write_is_judged_by_what_the_victim_reads_afterwards_not_by_its_status(check_run):
    report = check_run(app_factory=lambda: create_writes_app("refused-write-not-saved"), env=ENV,
                       only=("refused-write-not-saved", "other-users-resource-any-method"), **ROUTES)
    assert report.failed_ids() == {"refused-write-not-saved"}, str(report)  # every status was right
    outcome = report.result("refused-write-not-saved").outcome
    assert outcome.culprit.status == 403 and "chk-refused" in outcome.exchanges[-1].full_body, str(report)


def test_without_a_document_a_given_flow_is_enough(check_run):
    # No document: the creation's body is given by hand, the item's methods are unknown (all are sent).
    flow = 'POST /api/tasks {"title": "checker"} -> /api/tasks/{task_id}'
    only = ("owner-from-body", "refused-write-not-saved", "client-id-takes-over", "owner-filter-from-query")
    settings = dict(env=ENV, owner=flow, protected="/api/tasks", discover=False, only=only)
    careful = check_run(app_factory=create_writes_app, **settings)
    assert careful.failed_ids() == set() and {careful.result(c).status for c in only} == {"passed"}, str(careful)
    for hole in ("owner-from-body/reassign", "owner-from-body/query", "client-id-takes-over",
                 "owner-filter-from-query"):
        holed = check_run(app_factory=lambda hole=hole: create_writes_app(hole), **settings)
        assert holed.failed_ids() == {hole.partition("/")[0]}, str(holed)


@pytest.mark.parametrize(("hole", "case_id"), [("", None), ("GET", "other-user-reads-resource"),
                                               ("PUT", "other-user-changes-resource"),
                                               ("DELETE", "other-user-deletes-resource")])
def test_tasks_under_the_users_own_path_are_a_flow_and_grace_is_refused_ada_s_under_her_own_path(hole, case_id,
                                                                                                 check_run):
    # POST /api/{user_id}/tasks -> /api/{user_id}/tasks/{task_id}: found without flags; grace tries ada's task
    # under ada's path (the path check refuses) and under her own (only the task's owner check refuses).
    report = check_run(app_factory=lambda: create_user_tasks_app(hole), env=ENV, only=FAMILY, **ROUTES)
    assert report.failed_ids(include_advisory=True) == ({case_id} if case_id else set()), str(report)
    if case_id is None:
        judged = ("other-user-reads-resource", "owner-from-body", "refused-write-not-saved", "client-id-takes-over",
                  "owner-filter-from-query")
        assert {report.result(c).status for c in judged} == {"passed"}, str(report)
    else:
        assert "(on ada's resource's id under her own path)" in report.result(case_id).outcome.detail


@pytest.mark.parametrize(("options", "who"), [({}, None), ({"guests_read": True}, "a request without credentials"),
                                              ({"owner_check": False}, "grace")])
def test_an_enveloped_id_is_found_and_a_guest_is_another_user(options, who, check_run):
    # {"data": {"taskId": 1}}: the id is found one level down under <resource>Id; a request without a token
    # (optional auth that compares the owner only "if user") must be refused ada's task too.
    only = ("other-user-reads-resource",)
    report = check_run(app_factory=lambda: create_enveloped_tasks_app(**options), env=ENV, only=only, **ROUTES)
    outcome = report.result(only[0]).outcome
    assert outcome.applicable and report.failed_ids() == ({only[0]} if who else set()), str(report)
    if who:
        assert outcome.detail == f"GET /api/tasks/{{task_id}}: {who} read the resource ada created", outcome.detail


def test_an_id_that_is_not_a_number_is_asked_for_and_a_crash_on_it_is_no_server_errors_finding(check_run):
    only = ("other-user-reads-resource", "no-server-errors")
    careful = check_run(app_factory=create_enveloped_tasks_app, env=ENV, only=only, **ROUTES)
    assert careful.failed_ids() == set(), str(careful)
    crashing = check_run(app_factory=lambda: create_enveloped_tasks_app(parse_in_handler=True), env=ENV, only=only,
                         **ROUTES)
    assert crashing.failed_ids() == {"no-server-errors"}, str(crashing)
    assert "an id that does not exist" in crashing.result("no-server-errors").outcome.detail


@pytest.mark.parametrize(("hole", "case_id"), [("", None), ("GET", "other-user-reads-resource"),
                                               ("PUT", "other-user-changes-resource"),
                                               ("DELETE", "other-user-deletes-resource")])
def test_a_resource_under_another_is_refused_under_grace_s_own_parent(hole, case_id, check_run):
    # POST /api/projects/{project_id}/tasks -> .../tasks/{task_id} under the flow of projects: grace tries
    # ada's task under ada's project and under her own (only the task's own check refuses that one).
    only = ("other-user-reads-resource", "other-user-changes-resource", "other-user-deletes-resource")
    report = check_run(app_factory=lambda: create_projects_app(hole), env=ENV, only=only, **ROUTES)
    assert report.failed_ids() == ({case_id} if case_id else set()), str(report)
    if case_id is not None:
        assert report.result(case_id).outcome.detail.endswith("(under grace's own parent)"), str(report)


def test_the_reference_backend_has_no_writes_so_the_write_cases_do_not_apply(check_run):
    from targets_common import reference_app

    report = check_run(app_factory=reference_app, env=ENV, only=WRITE_CASES, **ROUTES)
    assert {r.case.id: r.status for r in report.results if r.case.id in WRITE_CASES} == \
        dict.fromkeys(WRITE_CASES, "not-run"), str(report)


def test_a_marked_body_fills_optional_free_text_and_leaves_what_it_must_not_mark():
    schema = {"type": "object", "required": ["kind"], "properties": {
        "kind": {"enum": ["a", "b"]}, "title": {"type": "string", "minLength": 12},
        "notes": {"type": "array", "items": {"type": "string"}}, "code": {"type": "string", "maxLength": 3},
        "owner_id": {"type": "string"}, "when": {"type": "string", "format": "date"},
        "label": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
    body = marked(schema, None, "chk-x", skip=frozenset({"ownerid"}))
    assert body == {"kind": "a", "title": "chk-xaaaaaaa", "notes": ["chk-x"], "label": "chk-x"}
