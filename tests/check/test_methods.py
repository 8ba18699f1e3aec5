"""Every method: writes without credentials, another user's resource on every method, ownership
flows, and the smallest valid body that keeps a 422 from hiding a missing auth check."""

from __future__ import annotations

import jsonschema
import pytest
from targets import holes_routes
from targets_common import ENV, REQUIRED, ROUTES

from playground import check
from playground.check.bodies import NoMinimalBody, minimal

ROUTE_CASES = set(holes_routes.HOLES)


@pytest.mark.parametrize("case_id", sorted(holes_routes.HOLES))
def test_each_route_hole_fails_exactly_its_required_case(case_id, check_run):
    report = check_run(app_factory=holes_routes.HOLES[case_id], env=ENV, only=REQUIRED, **ROUTES)
    assert report.failed_ids() == {case_id}, str(report)
    assert report.exit_code == 1


def test_the_careful_task_api_passes_every_ownership_case_and_the_owner_keeps_her_rights(check_run):
    report = check_run(app_factory=holes_routes.create_tasks_app, env=ENV,
                       only=(*REQUIRED, "owner-changes-and-deletes-resource"), **ROUTES)
    assert report.failed_ids(include_advisory=True) == set(), str(report)
    statuses = {r.case.id: r.status for r in report.results}
    flow_cases = ("other-user-reads-resource", "other-user-changes-resource", "other-user-deletes-resource",
                  "owner-changes-and-deletes-resource")
    assert all(statuses[c] == "passed" for c in flow_cases), statuses
    # The refusals were judged on a resource that exists: ada created it and read it first; then grace,
    # no credential and a garbage one were refused it.
    reads = report.result("other-user-reads-resource").outcome.exchanges
    assert [(e.method, e.status) for e in reads] == [("POST", 201), ("GET", 200), ("GET", 404), ("GET", 401),
                                                     ("GET", 401)]


def test_a_422_does_not_hide_a_write_without_auth(check_run):
    # The hole app validates the body first: an empty body is refused with 422, the smallest valid
    # one ({"text": "aaa"}) is accepted without credentials, and that is what the case reports.
    report = check_run(app_factory=holes_routes.writes_without_auth, env=ENV, only=("no-credentials-every-method",),
                       **ROUTES)
    culprit = report.result("no-credentials-every-method").outcome.culprit
    assert (culprit.method, culprit.path, culprit.status) == ("POST", "/api/me", 201)
    assert '"saved":"aaa"' in culprit.body


def test_a_required_query_parameter_is_filled_so_its_422_hides_nothing(check_run):
    report = check_run(app_factory=holes_routes.deletes_without_auth_behind_a_query, env=ENV,
                       only=("no-credentials-every-method",), **ROUTES)
    culprit = report.result("no-credentials-every-method").outcome.culprit
    assert culprit is not None and (culprit.method, culprit.path, culprit.status) == ("DELETE", "/api/me?confirm=false",
                                                                                     200), str(report)


def test_without_an_openapi_document_every_write_method_is_tried_and_405_counts_as_refused(check_run):
    def app():
        built = holes_routes.create_app()
        # No document: the methods are unknown, so every one is sent.
        built.router.routes = [r for r in built.router.routes if getattr(r, "path", "") != "/openapi.json"]
        return built

    report = check_run(app_factory=app, env=ENV, only=("no-credentials-every-method",), **ROUTES)
    outcome = report.result("no-credentials-every-method").outcome
    assert outcome.passed, str(report)
    sent = {(e.method, e.path, e.status) for e in outcome.exchanges}
    assert {("POST", "/api/me", 405), ("PUT", "/api/me", 405), ("DELETE", "/api/me", 405)} <= sent


def test_an_explicit_owner_flow_is_graded_without_a_document_and_catches_the_one_method_that_forgets(check_run):
    # Without a document the body of the creation is given by hand.
    flow = 'POST /api/tasks {"title": "checker"} -> /api/tasks/{task_id}'
    careful = check_run(app_factory=holes_routes.create_tasks_app, env=ENV, owner=flow, protected="/api/me",
                        discover=False, only=tuple(ROUTE_CASES))
    assert careful.failed_ids() == set() and careful.result("other-user-changes-resource").status == "passed", \
        str(careful)
    holed = check_run(app_factory=lambda: holes_routes.create_tasks_app("PATCH"), env=ENV, owner=flow,
                      protected="/api/me", discover=False, only=tuple(ROUTE_CASES))
    assert holed.failed_ids() == {"other-user-changes-resource"}, str(holed)


def test_an_owner_flow_that_cannot_create_fails_with_the_reason(check_run):
    report = check_run(app_factory=holes_routes.create_tasks_app, env=ENV, protected="/api/me",
                       owner="POST /api/nowhere -> /api/nowhere/{id}", only=("other-user-reads-resource",))
    result = report.result("other-user-reads-resource")
    assert result.status == "failed" and "POST /api/nowhere as ada answered 404" in result.outcome.detail


@pytest.mark.parametrize("owner", ["POST /api/tasks -> /api/tasks", "GET /a -> /a/{id}", "/api/users/me",
                                   "POST /a {not json} -> /a/{id}"])
def test_a_malformed_owner_is_a_usage_error(owner):
    with pytest.raises(check.UsageError, match="--owner"):
        check.CheckConfig(app="m:a", owner=owner)


DOCUMENT = {"components": {"schemas": {
    "Email": {"type": "string", "format": "email"},
    "Base": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["task", "note"]}}},
}}}
SCHEMAS = [
    {"type": "object", "required": ["title"], "properties": {"title": {"type": "string", "minLength": 3},
                                                             "optional": {"type": "integer"}}},
    {"type": "object", "required": ["owner", "count", "ratio"], "properties": {
        "owner": {"$ref": "#/components/schemas/Email"},
        "count": {"type": "integer", "minimum": 5, "multipleOf": 3},
        "ratio": {"type": "number", "exclusiveMinimum": 0}}},
    {"allOf": [{"$ref": "#/components/schemas/Base"},
               {"type": "object", "required": ["tags"], "properties": {
                   "tags": {"type": "array", "minItems": 2,
                            "items": {"type": "string", "pattern": "^[a-z]{2}\\d$"}}}}]},
    {"type": "object", "required": ["when", "id", "maybe"], "properties": {
        "when": {"type": "string", "format": "date-time"}, "id": {"type": "string", "format": "uuid"},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 2}]}}},
    {"type": "object", "required": ["level"], "properties": {"level": {"const": "admin"}}},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_smallest_body_is_valid_for_its_schema_and_holds_only_what_is_required(schema):
    body = minimal(schema, DOCUMENT)
    jsonschema.validate(body, {**schema, "components": DOCUMENT["components"]},
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert "optional" not in body
    assert minimal(schema, DOCUMENT) == body  # the same body on every run


def test_a_schema_no_value_satisfies_is_said_so():
    with pytest.raises(NoMinimalBody):
        minimal({"type": "integer", "minimum": 10, "maximum": 2})
    with pytest.raises(NoMinimalBody):
        minimal({"$ref": "#/components/schemas/Missing"}, DOCUMENT)


def test_a_forged_token_refused_only_by_validation_got_past_authentication(check_run):
    from targets.holes_routes import validates_after_a_legacy_token

    report = check_run(app_factory=validates_after_a_legacy_token, env=ENV, protected="/api/notes",
                       only=("weak-hmac-secret", "no-token"))
    assert report.failed_ids() == {"weak-hmac-secret"}, str(report)
    detail = report.result("weak-hmac-secret").outcome.detail
    assert "the token passed authentication; only validation refused the request" in detail
    assert "without a credential: 401" in detail
