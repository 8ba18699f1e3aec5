"""Where a token comes from and what a route makes of its claims (``cases_delivery``), the cold start
of ``jwks-outage-fails-closed``, the shared-hosting CORS look-alikes and the discovered --admin.

Each hole of ``targets/holes_delivery.py`` fails its own case and no other of the family; the careful
app they are built from passes them all (``test_required_cases_can_fail.py`` grades each hole on
its case alone).
"""

from __future__ import annotations

import functools

import pytest
from targets import holes, holes_delivery
from targets_common import ENV, ROUTES

from playground import check
from playground.check.cases import look_alikes
from playground.check.discovery import owner_template

DELIVERY = tuple(holes_delivery.HOLES)
VERCEL = "https://myapp.vercel.app"


def test_the_careful_app_passes_every_delivery_case(check_run):
    report = check_run(app_factory=holes_delivery.create_app, env=ENV, **ROUTES, only=DELIVERY)
    assert report.failed_ids() == set() and report.exit_code == 0, str(report)
    assert {r.case.id for r in report.results if r.status == "passed"} >= set(DELIVERY), str(report)


@pytest.mark.parametrize("case_id", DELIVERY)
def test_each_delivery_hole_fails_its_case_and_no_other_of_the_family(case_id, check_run):
    factory, settings = holes_delivery.HOLES[case_id]
    report = check_run(app_factory=factory, env=ENV, **{**ROUTES, **settings}, only=DELIVERY)
    assert report.failed_ids() == {case_id}, str(report)


def test_a_fallback_that_fails_open_only_before_the_first_key_fetch_is_caught_at_the_start(check_run):
    # PyJWKClient holds its keys for 300 s: a later outage never reaches the fallback, the start does.
    fails_open = functools.partial(holes_delivery.create_app, holes_delivery.Flaws(fail_open=True))
    report = check_run(app_factory=fails_open, env=ENV, **ROUTES, only=("jwks-outage-fails-closed",))
    detail = report.result("jwks-outage-fails-closed").outcome.detail
    assert report.failed_ids() == {"jwks-outage-fails-closed"} and "since the app started" in detail, str(report)


def test_a_preview_deployment_pattern_on_a_shared_hosting_domain_admits_the_attackers_project(check_run):
    assert "https://myapp-evil.vercel.app" in look_alikes(VERCEL)
    # On a domain of one's own, a neighbour label is one's own too: not a look-alike.
    assert not any("app-evil" in origin for origin in look_alikes("https://app.example.com"))
    only = ("cors-foreign-origin-with-credentials",)
    previews = functools.partial(holes_delivery.create_app,
                                 holes_delivery.Flaws(cors_regex=r"https://myapp(-[a-z0-9-]+)?\.vercel\.app"))
    report = check_run(app_factory=previews, env=ENV, **{**ROUTES, "frontend_origin": VERCEL}, only=only)
    assert "https://myapp-evil.vercel.app is allowed" in report.result(only[0]).outcome.detail, str(report)
    exact = functools.partial(holes_delivery.create_app, frontend=VERCEL)
    report = check_run(app_factory=exact, env=ENV, **{**ROUTES, "frontend_origin": VERCEL}, only=only)
    assert report.failed_ids() == set(), str(report)


def test_discovery_chooses_an_admin_route_that_refuses_a_user_so_the_role_cases_run(check_run):
    factory, _ = holes_delivery.HOLES["role-absent-not-admin"]
    report = check_run(app_factory=factory, env=ENV, only=("role-absent-not-admin",))
    assert "--admin /api/admin/stats" in report.target and report.failed_ids() == {"role-absent-not-admin"}, \
        str(report)


def test_discovery_does_not_take_a_route_every_user_reaches_for_the_admin_route(check_run):
    # An admin route that serves grace too may be meant for everyone ("am I an admin?"): not chosen.
    factory, _ = holes.HOLES["non-admin-denied"]
    report = check_run(app_factory=factory, env=ENV, only=("non-admin-denied",))
    assert "--admin" not in report.target and report.result("non-admin-denied").status == "not-run", str(report)


def test_a_token_in_the_url_read_on_another_route_only_is_found_there(check_run):
    events_only = functools.partial(holes_delivery.create_app,
                                    holes_delivery.Flaws(token_query="access_token", token_route="/api/items"))
    report = check_run(app_factory=events_only, env=ENV, **ROUTES, only=("forged-token-in-query",))
    assert report.result("forged-token-in-query").outcome.detail.startswith("GET /api/items accepted"), str(report)


def test_keys_fetched_from_an_iss_that_merely_starts_with_the_issuers_are_a_key_source_from_the_token(check_run):
    tenants = functools.partial(holes_delivery.create_app, holes_delivery.Flaws(issuer_prefix_tenants=True))
    report = check_run(app_factory=tenants, env=ENV, **ROUTES, only=("key-source-from-token",))
    assert "a URL built from a token's iss" in report.result("key-source-from-token").outcome.detail, str(report)


def test_an_admin_acting_on_a_users_id_is_no_owner_route():
    assert owner_template("/api/admin/users/{user_id}") is None
    assert owner_template("/api/users/{user_id}/profile") == "/api/users/{user_id}/profile"


def test_a_write_route_with_its_own_weaker_decoding_is_found_too(check_run):
    weak_post = functools.partial(holes_delivery.create_app, holes_delivery.Flaws(weak_route="POST"))
    report = check_run(app_factory=weak_post, env=ENV, **ROUTES, only=("every-route-verifies",))
    assert report.failed_ids() == {"every-route-verifies"}, str(report)
    assert report.result("every-route-verifies").outcome.detail.startswith("POST /api/items accepted"), str(report)


def test_every_route_verifies_says_when_it_knows_no_other_route(check_run):
    report = check_run(app_factory=holes_delivery.create_app, env=ENV, protected="/api/me", discover=False,
                       only=("every-route-verifies",))
    assert report.result("every-route-verifies").status == "not-run", str(report)


def test_an_app_that_never_refetches_after_the_cold_start_outage_is_told_so(monkeypatch, check_run):
    from playground.check import cases_keys

    monkeypatch.setattr(cases_keys, "COLD_START_RECOVERY", 2.0)  # the real wait is 35 s
    latches, _ = holes.HOLES["jwks-outage-recovers"]  # one failed fetch: refuses everything from then on
    with pytest.raises(check.SetupProblem, match=r"cold-start outage.*had not fetched the JWKS again"):
        check_run(app_factory=latches, env=ENV, **ROUTES, only=("jwks-outage-fails-closed",))


@pytest.mark.node
def test_the_delivery_cases_grade_against_the_real_better_auth(check_run):
    # The role hole needs tokens without a role and with role null, as the real issuer's controls mint them.
    report = check_run(app_factory=holes_delivery.create_app, env=ENV, issuer="better-auth", **ROUTES, only=DELIVERY)
    assert report.issuer_label.startswith("better-auth ") and report.failed_ids() == set(), str(report)
    factory, _ = holes_delivery.HOLES["role-absent-not-admin"]
    report = check_run(app_factory=factory, env=ENV, issuer="better-auth", **ROUTES, only=("role-absent-not-admin",))
    assert report.failed_ids() == {"role-absent-not-admin"}, str(report)
