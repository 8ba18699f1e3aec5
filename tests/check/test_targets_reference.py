"""The reference backend graded by the checker: every case passes, against both issuers; a
backend that trusts another issuer, or lacks routes, is told so."""

from __future__ import annotations

import pytest
from targets_common import ENV, LEEWAY, ROUTES, reference_app

from playground import check

#: What the reference backend does not serve, so those cases say "not run": the session credentials
#: (test_credentials_modes.py grades its session routes), a resource one user creates, a write on
#: a user's own path, any write at all (the write cases: test_writes.py).
NOT_SERVED = {c.id for c in check.CASES if "jwt" not in c.credentials} | {
    "other-user-reads-resource", "other-user-changes-resource", "other-user-deletes-resource",
    "owner-changes-and-deletes-resource", "other-users-resource-any-method",
    "owner-from-body", "privileged-field-from-body", "refused-write-not-saved", "client-id-takes-over",
    "owner-filter-from-query", "resource-on-other-routes",
    "forged-token-in-body"}  # it has no token exchange (no write takes a token in its body)


def test_the_reference_backend_passes_every_case(check_run):
    report = check_run(app_factory=reference_app, env={**ENV, **LEEWAY}, leeway=30, **ROUTES)
    statuses = {r.case.id: r.status for r in report.results}
    assert {s for case_id, s in statuses.items() if case_id not in NOT_SERVED} == {"passed"}, str(report)
    assert {case_id for case_id, s in statuses.items() if s == "not-run"} == NOT_SERVED, str(report)
    assert set(statuses) == set(check.CASE_IDS), "every case ran: all routes were given"
    assert report.exit_code == 0 and report.summary().startswith("PASS")


@pytest.mark.node
def test_the_reference_backend_passes_every_case_against_the_real_better_auth(check_run):
    report = check_run(app_factory=reference_app, env={**ENV, **LEEWAY}, leeway=30, issuer="better-auth", **ROUTES)
    assert {r.status for r in report.results if r.case.id not in NOT_SERVED} == {"passed"}, str(report)
    assert report.issuer_label.startswith("better-auth ")


def test_an_app_that_does_not_trust_the_issuer_is_told_which_env_to_set(check_run):
    # The reference backend pointed at another issuer: every valid token fails its iss/JWKS check.
    with pytest.raises(check.SetupProblem, match=r"is it configured with BETTER_AUTH_URL=http://127\.0\.0\.1:\d+"):
        check_run(app_factory=reference_app, env={"BETTER_AUTH_URL": "http://127.0.0.1:9"}, **ROUTES)


def test_cases_that_need_a_route_say_so_instead_of_passing_silently(check_run):
    report = check_run(app_factory=reference_app, env=ENV, protected="/api/me",
                       only=("other-users-profile", "cors-preflight-frontend"))
    not_run = {r.case.id: r.outcome.detail for r in report.results if r.status == "not-run"}
    assert not_run["other-users-profile"] == "not run: give --owner to check it"
    assert not_run["cors-preflight-frontend"] == "not run: give --frontend-origin to check it"
    assert "not run" in report.summary() and report.exit_code == 0
