"""Routes without flags: the checker reads the app's OpenAPI document for its protected routes,
owner routes, methods and ownership flows; explicit flags override it. (The command line's runs call
its ``main`` in this process: the app still runs in a child process, as on the command line.)"""

from __future__ import annotations

import pytest
from cli_run import check_in_process
from targets_common import ENV

from playground import check
from playground.check.discovery import Flow, RouteMap, _operations, owner_template, parse_flow

TASKS = "targets.holes_routes:create_tasks_app"
#: The cases these routes decide (the rest are graded in test_targets_weak.py and the meta-test).
ROUTE_CASES = [arg for case_id in ("no-token", "no-credentials-every-method", "other-users-profile",
                                   "other-users-resource-any-method", "other-user-reads-resource",
                                   "other-user-changes-resource", "other-user-deletes-resource")
               for arg in ("--only", case_id)]


def test_an_app_given_only_by_name_and_env_is_graded_from_its_openapi_document():
    result = check_in_process("--app", TASKS, "--factory", "--env", "BETTER_AUTH_URL={issuer}", *ROUTE_CASES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(--protected /api/me, --owner /api/users/{user_id}/profile: from /openapi.json)" in result.stdout
    for case_id in ("other-user-reads-resource", "other-user-changes-resource", "other-user-deletes-resource",
                    "no-credentials-every-method", "other-users-profile"):
        assert f"✓ {case_id}" in result.stdout, result.stdout


def test_a_hole_in_a_discovered_route_fails_the_run_without_any_route_flag():
    result = check_in_process("--app", "targets.holes_routes:writes_other_users_profile", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", *ROUTE_CASES)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ other-users-resource-any-method" in result.stdout
    assert "PUT /api/users/{user_id}/profile: grace was served ada's resource" in result.stdout


def test_explicit_flags_override_discovery(check_run):
    report = check_run(app_factory=_tasks, env=ENV, protected="/api/admin/stats",
                       only=("other-users-profile", "no-token"))
    assert "from /openapi.json" not in report.target
    assert report.result("other-users-profile").status == "not-run"  # no --owner given: none is guessed
    assert report.result("no-token").outcome.exchanges[0].path == "/api/admin/stats"


def test_an_app_without_a_document_and_without_protected_gets_one_line(check_run):
    def bare():
        app = _tasks()
        app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/openapi.json"]
        return app

    with pytest.raises(check.UsageError, match=r"give --protected .*: the app publishes no OpenAPI document"):
        check_run(app_factory=bare, env=ENV)


def _tasks():
    from targets.holes_routes import create_tasks_app

    return create_tasks_app()


@pytest.mark.parametrize("path, expected", [
    ("/api/users/{user_id}/profile", "/api/users/{user_id}/profile"),
    ("/api/users/{userId}", "/api/users/{user_id}"),
    ("/v1/accounts/{account_id}/settings", "/v1/accounts/{user_id}/settings"),
    ("/api/users/{id}", "/api/users/{user_id}"),
    ("/api/profile/{uid}", "/api/profile/{user_id}"),
    ("/api/tasks/{id}", None),
    ("/api/users/{user_id}/tasks/{task_id}", None),  # a second parameter the checker cannot fill
    ("/api/me", None),
])
def test_owner_routes_are_paths_holding_a_user_id(path, expected):
    assert owner_template(path) == expected


def test_flows_pair_a_creation_with_its_item_route():
    document = {"paths": {
        "/api/tasks": {"post": {"responses": {}}, "get": {"responses": {}}},
        "/api/tasks/{task_id}": {"get": {"responses": {}}, "delete": {"responses": {}}},
        "/api/users/{user_id}": {"get": {"responses": {}}},
        "/api/notes/{note_id}/share": {"post": {"responses": {}}},
    }}
    routes = RouteMap("/openapi.json", document, _operations(document))
    assert routes.flows() == [Flow("/api/tasks", "/api/tasks/{task_id}", "task_id")]
    assert routes.methods_at("/api/tasks/42") == ("GET", "DELETE")


def test_the_owner_flow_syntax():
    assert parse_flow("POST /api/tasks -> /api/tasks/{id}") == Flow("/api/tasks", "/api/tasks/{id}", "id")
    assert parse_flow('POST /t {"a": [1]} -> /t/{tid}').body == {"a": [1]}
    assert parse_flow("/api/tasks/{id}") is None


POST_CASES = ("no-token", "alg-none", "tampered-payload", "expired", "wrong-audience", "no-credentials-every-method")


def test_an_app_whose_only_protected_route_is_a_post_is_graded_on_it(check_run):
    from targets.holes_routes import post_only

    report = check_run(app_factory=post_only, env=ENV, only=POST_CASES)
    assert "--protected 'POST /api/notes'" in report.target, report.target
    assert report.failed_ids() == set() and report.result("valid-token-accepted").status == "passed", str(report)
    sent = report.result("alg-none").outcome.exchanges[0]
    assert (sent.method, sent.path, sent.status) == ("POST", "/api/notes", 401)
    # Given by hand, the same; and a verifier that reads claims unverified is caught on it.
    from targets.apps import WEAK

    weak = check_run(app_factory=lambda: post_only(WEAK["decode_without_verifying"]), env=ENV,
                     protected="POST /api/notes", only=POST_CASES)
    assert {"alg-none", "tampered-payload"} <= weak.failed_ids(), str(weak)


def test_a_protected_route_holding_the_user_id_is_called_with_the_signed_in_users_id(check_run):
    from targets.holes_routes import per_user_routes

    report = check_run(app_factory=per_user_routes, env=ENV, protected="POST /api/{user_id}/chat", only=("no-token",))
    assert report.exit_code == 0, str(report)
    accepted = report.result("valid-token-accepted").outcome.exchanges[0]
    assert accepted.method == "POST" and accepted.path.endswith("/chat") and "{" not in accepted.path, accepted
    assert accepted.status == 200


def test_discovery_fills_the_parameters_of_a_protected_route_when_it_has_no_other():
    result = check_in_process("--app", "targets.holes_routes:per_user_routes", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--only", "no-token")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(--protected /api/{user_id}/tasks/{page}: from /openapi.json)" in result.stdout
    assert "%7B" not in result.stdout and "422" not in result.stdout


def test_the_diagnosis_probes_the_protected_route_by_its_method_and_filled_path(check_run):
    from targets.holes_routes import per_user_routes

    with pytest.raises(check.SetupProblem) as problem:
        check_run(app_factory=lambda: per_user_routes(audience=False), env=ENV, protected="POST /api/{user_id}/chat",
                  only=("no-token",))
    assert "it calls jwt.decode without audience=" in str(problem.value), str(problem.value)
    paths = {(e.method, e.path) for r in problem.value.report.results for e in r.outcome.exchanges}
    assert not any("POST" in path or "{" in path for _, path in paths), paths


def test_a_route_that_accepts_any_bearer_fails_the_baseline_and_discovery_passes_it_by(check_run):
    from targets.holes_routes import accepts_any_bearer

    with pytest.raises(check.SetupProblem) as problem:
        check_run(app_factory=accepts_any_bearer, env=ENV, protected="/api/session", only=("malformed-tokens",))
    report = problem.value.report
    assert report.exit_code == 1 and report.failed_ids() >= {"valid-token-accepted", "malformed-tokens"}, str(report)
    assert "GET /api/session does not authenticate: it accepted a garbage credential" in str(problem.value)
    first_lines = str(report).splitlines()[:6]
    assert any("the route does not authenticate" in line for line in first_lines), first_lines
    # Without --protected, the route that verifies is chosen.
    result = check_in_process("--app", "targets.holes_routes:accepts_any_bearer", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--only", "no-token")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(--protected /api/me: from /openapi.json)" in result.stdout


def test_a_role_list_accepted_where_any_credential_is_accepted_proves_nothing(check_run):
    from targets.holes_routes import accepts_any_bearer

    with pytest.raises(check.SetupProblem) as problem:
        check_run(app_factory=accepts_any_bearer, env=ENV, protected="/api/session", admin="/api/session",
                  only=("role-list-accepted",))
    result = problem.value.report.result("role-list-accepted")
    assert result.status != "passed" and "needs the app to accept a valid token" in result.outcome.detail, result
