"""--credential cookie and bearer-session: the reference backend's session routes pass, and each
session hole (a cookie cache read without its signature or its expiry, a session token whose
signature is thrown away) fails exactly its case, in every cookie-cache strategy."""

from __future__ import annotations

import pytest
from targets import holes_routes
from targets.apps import create_app
from targets_common import ENV, ROUTES, reference_app

from playground import check

SESSION_CASES = {"session-token-forged-signature", "signed-out-session", "session-data-forged", "session-data-expired"}


def _required(report) -> set[str]:
    return {r.case.id for r in report.results if r.case.weight == "required" and r.status == "passed"}


@pytest.mark.parametrize("credential, protected, graded", [
    ("cookie", "/api/session/me", SESSION_CASES),
    ("cookie", "/api/session/cached", SESSION_CASES),
    ("bearer-session", "/api/session/me", {"session-token-forged-signature", "signed-out-session"}),
])
def test_the_reference_backends_session_routes_pass_every_case_of_their_credential(credential, protected, graded,
                                                                                   check_run):
    report = check_run(app_factory=reference_app, env=ENV, credential=credential, protected=protected)
    assert report.exit_code == 0 and report.failed_ids(include_advisory=True) == set(), str(report)
    assert graded | {"no-token", "no-credentials-every-method"} <= _required(report)
    # The JWT cases say they grade another credential instead of passing silently.
    alg_none = report.result("alg-none")
    assert alg_none.status == "not-run" and alg_none.outcome.detail == \
        f"not run: it grades --credential jwt, not {credential}"
    # The session cases do not run for a JWT app.
    jwt_run = check_run(app_factory=reference_app, env=ENV, protected="/api/me", only=("signed-out-session",))
    assert jwt_run.result("signed-out-session").status == "not-run"


@pytest.mark.parametrize("case_id", sorted(holes_routes.SESSION_HOLES))
def test_each_session_hole_fails_exactly_its_case(case_id, check_run):
    factory, settings = holes_routes.SESSION_HOLES[case_id]
    report = check_run(app_factory=factory, env=ENV, **settings)
    assert report.failed_ids() == {case_id}, str(report)


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
def test_every_cookie_cache_strategy_is_sent_forged_and_expired(strategy, check_run):
    settings = dict(env=ENV, credential="cookie", cookie_cache=strategy, protected="/api/session/cached")
    careful = check_run(app_factory=lambda: holes_routes.session_cache_app(strategy), **settings)
    assert careful.failed_ids() == set() and {"session-data-forged", "session-data-expired"} <= _required(careful), \
        str(careful)
    stale = check_run(app_factory=lambda: holes_routes.session_cache_app(strategy, check_expiry=False), **settings)
    assert stale.failed_ids() == {"session-data-expired"}, str(stale)
    if strategy != "jwe":  # a jwe cache cannot be read at all without the secret: nothing to skip
        unverified = check_run(app_factory=lambda: holes_routes.session_cache_app(strategy, verify=False), **settings)
        assert unverified.failed_ids() == {"session-data-forged"}, str(unverified)


def test_an_unknown_credential_or_strategy_is_a_usage_error():
    with pytest.raises(check.UsageError, match="--credential must be one of jwt, cookie, bearer-session"):
        check.CheckConfig(app="m:a", credential="basic")
    with pytest.raises(check.UsageError, match="--cookie-cache must be one of compact, jwt, jwe"):
        check.CheckConfig(app="m:a", cookie_cache="jws")


@pytest.mark.parametrize("factory, strategy", [("create_app", "jwt"), ("create_app_with_secret", "compact")])
def test_the_bridges_get_session_mode_passes_every_cookie_case(factory, strategy, check_run):
    from targets import bridge_remote

    report = check_run(app_factory=getattr(bridge_remote, factory), env=ENV, credential="cookie",
                       cookie_cache=strategy, protected="/api/me")
    assert report.exit_code == 0 and report.failed_ids(include_advisory=True) == set(), str(report)
    assert SESSION_CASES <= _required(report)


@pytest.mark.node
def test_the_session_cases_hold_against_the_real_better_auths_cookies(check_run):
    settings = dict(env=ENV, credential="cookie", issuer="better-auth", protected="/api/session/cached")
    careful = check_run(app_factory=reference_app, **settings)
    assert careful.failed_ids(include_advisory=True) == set() and SESSION_CASES <= _required(careful), str(careful)
    stale = check_run(app_factory=lambda: holes_routes.session_cache_app("compact", check_expiry=False),
                      cookie_cache="compact", **settings)
    assert stale.failed_ids() == {"session-data-expired"}, str(stale)


def test_a_refused_session_token_is_named_as_such_not_as_a_jwt(check_run):
    with pytest.raises(check.SetupProblem) as problem:
        check_run(app_factory=create_app, env=ENV, credential="bearer-session", only=("no-token",),
                  **{**ROUTES, "owner": None, "admin": None})
    message = str(problem.value)
    assert "your app rejected a valid session token (as Bearer)" in message and "JWT" not in message, message
