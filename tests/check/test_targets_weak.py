"""The checker against a careful PyJWT app (every required case passes) and the weak apps (each
flagged by exactly its weakness), including the seeds' HS256-with-the-secret backend."""

from __future__ import annotations

import pytest
from targets import apps
from targets_common import ENV, REQUIRED, ROUTES

from playground import check


def test_a_careful_pyjwt_app_passes_every_required_case(check_run):
    # (Its full run, advisory cases included, is tests/check/test_cli_grading.py's TOML test.)
    report = check_run(app_factory=apps.create_app, env=ENV, only=REQUIRED + ("missing-sub", "exp-enormous"), **ROUTES)
    assert report.failed_ids() == set(), str(report)
    assert report.exit_code == 0
    # What a careful PyJWT app still lets through, and the checker reports as advisory (an outside
    # run found exactly these in a FastAPI-docs-style backend).
    assert {"missing-sub", "exp-enormous"} <= {r.case.id for r in report.advisories}, str(report)
    with_strict = check_run(app_factory=apps.create_app, env=ENV, strict=True, only=("missing-sub",), **ROUTES)
    assert with_strict.exit_code == 1 and {r.case.id for r in with_strict.failures} == {"missing-sub"}


FORGERY_CASES = {
    "alg-none", "alg-confusion-hs256-public-key", "hs256-with-secret", "weak-hmac-secret", "tampered-payload",
    "stripped-signature", "unknown-kid", "attacker-key-known-kid", "other-algorithm-foreign-key", "embedded-jwk",
    "jku-injection", "kid-path-traversal", "forged-sub-on-profile", "forged-role", "key-source-from-token",
    "jwks-fetch-amplification",
}
#: The naive verifiers that download the JWKS for every token: a flood of made-up kids is a flood of fetches.
FETCH_PER_TOKEN = {"jwks-fetch-amplification"}
EXPECTED = {
    # Reads claims without checking any signature: every forgery passes, and so does any token
    # with a well-formed payload, however broken its header (malformed-tokens) or size.
    "decode_without_verifying": FORGERY_CASES | {"malformed-tokens", "oversized-token"},
    # alg from the header: "none" skips the check, HS256 keys the HMAC with the public JWK's x.
    "alg_from_header": {"alg-none", "alg-confusion-hs256-public-key"} | FETCH_PER_TOKEN,
    "trusts_jwk_header": {"embedded-jwk"} | FETCH_PER_TOKEN,
    "trusts_jku_header": {"jku-injection"} | FETCH_PER_TOKEN,
    "kid_as_file_path": {"kid-path-traversal"},
    "hs256_shared_secret": {"weak-hmac-secret"},
}


@pytest.mark.parametrize("weakness", sorted(EXPECTED))
def test_each_weak_app_is_flagged_by_exactly_its_weakness(weakness, check_run):
    report = check_run(app_factory=lambda: apps.create_app(apps.WEAK[weakness]), env=ENV, only=REQUIRED, **ROUTES)
    assert report.failed_ids() == EXPECTED[weakness], str(report)
    assert report.exit_code == 1
    # --allow records the known weakness: the run passes, the report still shows it (graded on the
    # weakness's cases alone: every other required case passed above).
    allowed = check_run(app_factory=lambda: apps.create_app(apps.WEAK[weakness]), env=ENV,
                        only=tuple(EXPECTED[weakness]), allow=tuple(EXPECTED[weakness]), **ROUTES)
    assert allowed.exit_code == 0
    assert {r.case.id for r in allowed.results if r.status == "allowed"} == EXPECTED[weakness]


def test_the_seeds_hs256_backend_is_a_setup_problem_that_names_its_mistake(check_run):
    with pytest.raises(check.SetupProblem) as problem:
        check_run(app_factory=apps.create_seeds_app, env=ENV, **ROUTES)
    message = str(problem.value)
    assert "rejected a valid token" in message
    assert "but accepted an HS256 token signed with BETTER_AUTH_SECRET" in message
    assert "EdDSA keys at /api/auth/jwks" in message
    assert problem.value.report.result("valid-token-accepted").status == "failed"
