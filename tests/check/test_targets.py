"""The checker proven against real targets: the reference backend passes every case, a careful
PyJWT app passes every required case, and each weak app is flagged by exactly its weakness."""

from __future__ import annotations

import pytest
from targets import apps

from playground import check
from playground.backend import BackendSettings, create_app

FRONTEND = "http://localhost:5173"
ROUTES = dict(protected="/api/me", owner="/api/users/{user_id}/profile", admin="/api/admin/stats",
              public="/api/public", frontend_origin=FRONTEND)
ENV = {"BETTER_AUTH_URL": "{issuer}", "BETTER_AUTH_SECRET": "{secret}"}
#: The weak apps are graded on the required cases: those are what each weakness must trip.
REQUIRED = tuple(case.id for case in check.CASES if case.weight != "advisory")


def reference_app():
    # Built once the checker has set BETTER_AUTH_URL: the settings come from the environment.
    return create_app(BackendSettings(cors_origins=[FRONTEND]))


#: With a leeway, every case applies (skew-within-leeway needs one to be meaningful).
LEEWAY = {"BACKEND_LEEWAY_SECONDS": "30"}


def test_the_reference_backend_passes_every_case():
    report = check.run(app_factory=reference_app, env={**ENV, **LEEWAY}, leeway=30, **ROUTES)
    statuses = {r.case.id: r.status for r in report.results}
    assert {s for s in statuses.values()} == {"passed"}, str(report)
    assert set(statuses) == set(check.CASE_IDS), "every case ran: all routes were given"
    assert report.exit_code == 0 and report.summary().startswith("PASS")


@pytest.mark.node
def test_the_reference_backend_passes_every_case_against_the_real_better_auth():
    report = check.run(app_factory=reference_app, env={**ENV, **LEEWAY}, leeway=30, issuer="better-auth", **ROUTES)
    assert {r.status for r in report.results} == {"passed"}, str(report)
    assert report.issuer_label.startswith("better-auth ")


def test_a_careful_pyjwt_app_passes_every_required_case():
    # (Its full run, advisory cases included, is tests/check/test_cli.py's TOML test.)
    report = check.run(app_factory=apps.create_app, env=ENV, only=REQUIRED + ("missing-sub", "exp-enormous"), **ROUTES)
    assert report.failed_ids() == set(), str(report)
    assert report.exit_code == 0
    # What a careful PyJWT app still lets through, and the checker reports as advisory (an outside
    # run found exactly these in a FastAPI-docs-style backend).
    assert {"missing-sub", "exp-enormous"} <= {r.case.id for r in report.advisories}, str(report)
    with_strict = check.run(app_factory=apps.create_app, env=ENV, strict=True, only=("missing-sub",), **ROUTES)
    assert with_strict.exit_code == 1 and {r.case.id for r in with_strict.failures} == {"missing-sub"}


FORGERY_CASES = {
    "alg-none", "alg-confusion-hs256-public-key", "hs256-with-secret", "weak-hmac-secret", "tampered-payload",
    "stripped-signature", "unknown-kid", "attacker-key-known-kid", "other-algorithm-foreign-key", "embedded-jwk",
    "jku-injection", "kid-path-traversal", "forged-sub-on-profile", "forged-role",
}
EXPECTED = {
    # Reads claims without checking any signature: every forgery passes, and so does any token
    # with a well-formed payload, however broken its header (malformed-tokens) or size.
    "decode_without_verifying": FORGERY_CASES | {"malformed-tokens", "oversized-token"},
    # alg from the header: "none" skips the check, HS256 keys the HMAC with the public JWK's x.
    "alg_from_header": {"alg-none", "alg-confusion-hs256-public-key"},
    "trusts_jwk_header": {"embedded-jwk"},
    "trusts_jku_header": {"jku-injection"},
    "kid_as_file_path": {"kid-path-traversal"},
    "hs256_shared_secret": {"weak-hmac-secret"},
}


@pytest.mark.parametrize("weakness", sorted(EXPECTED))
def test_each_weak_app_is_flagged_by_exactly_its_weakness(weakness):
    report = check.run(app_factory=lambda: apps.create_app(apps.WEAK[weakness]), env=ENV, only=REQUIRED, **ROUTES)
    assert report.failed_ids() == EXPECTED[weakness], str(report)
    assert report.exit_code == 1
    # --allow records the known weakness: the run passes, the report still shows it.
    allowed = check.run(app_factory=lambda: apps.create_app(apps.WEAK[weakness]), env=ENV, only=REQUIRED,
                        allow=tuple(EXPECTED[weakness]), **ROUTES)
    assert allowed.exit_code == 0
    assert {r.case.id for r in allowed.results if r.status == "allowed"} == EXPECTED[weakness]


def test_the_seeds_hs256_backend_is_a_setup_problem_that_names_its_mistake():
    with pytest.raises(check.SetupProblem) as problem:
        check.run(app_factory=apps.create_seeds_app, env=ENV, **ROUTES)
    message = str(problem.value)
    assert "rejected a valid token" in message and "but accepted an HS256 token signed with BETTER_AUTH_SECRET" in message
    assert "EdDSA keys at /api/auth/jwks" in message
    assert problem.value.report.result("valid-token-accepted").status == "failed"


def test_an_app_that_does_not_trust_the_issuer_is_told_which_env_to_set():
    # The reference backend pointed at another issuer: every valid token fails its iss/JWKS check.
    with pytest.raises(check.SetupProblem, match=r"is it configured with BETTER_AUTH_URL=http://127\.0\.0\.1:\d+"):
        check.run(app_factory=reference_app, env={"BETTER_AUTH_URL": "http://127.0.0.1:9"}, **ROUTES)


def test_cases_that_need_a_route_say_so_instead_of_passing_silently():
    report = check.run(app_factory=reference_app, env=ENV, protected="/api/me",
                       only=("other-users-profile", "cors-preflight-frontend"))
    not_run = {r.case.id: r.outcome.detail for r in report.results if r.status == "not-run"}
    assert not_run["other-users-profile"] == "not run: give --owner to check it"
    assert not_run["cors-preflight-frontend"] == "not run: give --frontend-origin to check it"
    assert "not run" in report.summary() and report.exit_code == 0


def test_fastapi_better_auth_bridge_in_jwt_mode_is_graded_without_a_crash():
    # The one target nobody here wrote (README: "Check your own backend" reports this run).
    from targets import bridge

    report = check.run(app_factory=bridge.create_app, env={"BETTER_AUTH_URL": "{issuer}"}, **ROUTES)
    assert report.complete and report.failed_ids() == set(), str(report)
    advisories = {r.case.id for r in report.advisories}
    # An unknown kid is "a refusal rather than a search" in the bridge: a rotated-in key waits for its
    # key-set cache (300 s); nbf = true passes its number check; its 401 challenge has no error code.
    assert {"key-rotated-in", "time-claims-odd-types", "www-authenticate-invalid-token"} <= advisories, str(report)
