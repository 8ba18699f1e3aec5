"""Every required case can fail: for each one a target with one realistic hole fails it.

A checker that says "passed" to an app with a hole is worse than none. ``targets/holes.py`` (the
signature, claims, identity, time, key and CORS cases) and ``targets/holes_routes.py`` (the route
and session cases) hold, for every case whose weight is ``required``, an app with that one hole;
graded on that case alone, it must fail it (and the holes of the classes issue 16 names: that case
and no other required one), while the careful app passes every required case
(``test_targets_weak.py``). ``scripts/mutate_checker.py`` proves the converse: a case made to
always pass turns some test here red.
"""

from __future__ import annotations

import pytest
from targets import holes, holes_delivery, holes_routes, holes_writes
from targets_common import ENV, REQUIRED, ROUTES, WAITING

from playground import check

#: The holes graded on their own case (with the settings each needs), module by module.
ONE_CASE_HOLES: dict[str, tuple] = {**holes.HOLES, **holes_writes.HOLES, **holes_delivery.HOLES}


def _all_holes() -> dict[str, tuple]:
    merged: dict[str, tuple] = dict(ONE_CASE_HOLES)
    for source in (holes_routes.HOLES, holes_routes.SESSION_HOLES):
        for case_id, entry in source.items():
            merged[case_id] = entry if isinstance(entry, tuple) else (entry, {})
    return merged


HOLES = _all_holes()
REQUIRED_IDS = sorted(c.id for c in check.CASES if c.weight == "required")


def test_every_required_case_has_a_target_that_fails_it():
    assert sorted(set(REQUIRED_IDS) - set(HOLES)) == [], "required cases without a hole target"
    assert sorted(set(HOLES) - set(REQUIRED_IDS)) == [], "hole targets for cases that are not required"


#: The holes of the classes real apps were found to have (issue 16): each is graded on every required
#: case (those that wait: only its own) and must fail exactly its own.
CLASSES = ("identity-from-gateway-headers", "identity-from-query", "identity-from-unverified-cookies",
           "role-matching-like-better-auth", "issuer-exact-match", "cors-foreign-origin-with-credentials",
           "key-source-from-token", "jwks-fetch-amplification", "jwks-outage-fails-closed",
           "jwks-outage-recovers", "expired", "cached-token-expires", "leeway-at-most-5-minutes",
           "hs256-with-secret", "other-users-profile", "own-profile-allowed", "admin-allowed-for-admin")


@pytest.mark.parametrize("case_id", CLASSES)
def test_each_class_hole_fails_exactly_its_case_of_every_required_one(case_id, check_run):
    factory, settings = holes.HOLES[case_id]
    only = REQUIRED + ((case_id,) if case_id in WAITING else ())
    report = check_run(app_factory=factory, **{**ROUTES, "env": ENV, **settings, "only": only})
    assert report.failed_ids() == {case_id}, str(report)
    assert report.exit_code == 1


@pytest.mark.parametrize("case_id", sorted(set(ONE_CASE_HOLES) - set(CLASSES)))
def test_each_hole_fails_its_case(case_id, check_run):
    factory, settings = ONE_CASE_HOLES[case_id]
    config = {**ROUTES, "env": ENV, "only": (case_id,), **settings}
    report = check_run(app_factory=factory, **config)
    assert case_id in report.failed_ids(), str(report)
    assert report.exit_code == 1
    # No other required case that ran failed (with only=, the ones listed there).
    assert report.failed_ids() <= {case_id, *config["only"]}, str(report)


@pytest.mark.node
@pytest.mark.parametrize("case_id", ["jwks-outage-fails-closed", "identity-from-unverified-cookies"])
def test_the_gate_and_the_cookies_work_with_the_real_better_auth(case_id, check_run):
    # The gate stands in front of the real Better Auth too (started with the gate's origin as its
    # base URL), and its session_data cookie is what the cookie hole decodes unverified.
    factory, settings = holes.HOLES[case_id]
    report = check_run(app_factory=factory, issuer="better-auth", **{**ROUTES, "env": ENV, **settings,
                                                                     "only": (case_id,)})
    assert report.issuer_label.startswith("better-auth ") and report.failed_ids() == {case_id}, str(report)


def test_a_cache_case_failed_by_an_undeclared_leeway_is_marked_a_consequence_of_expired(check_run):
    leeway, _ = holes.HOLES["expired"]  # an undeclared leeway of 120 s, no cache at all
    report = check_run(app_factory=leeway, **{**ROUTES, "env": ENV, "only": ("expired", "cached-token-expires")})
    assert report.failed_ids() == {"expired", "cached-token-expires"}, str(report)
    lines = str(report).splitlines()
    at = next(i for i, line in enumerate(lines) if "✗ cached-token-expires" in line)
    assert lines[at + 1].strip() == "a consequence of: expired (nothing more to fix here)", lines[at:at + 3]
    # A real cache of verdicts is its own finding.
    cache, _ = holes.HOLES["cached-token-expires"]
    report = check_run(app_factory=cache, **{**ROUTES, "env": ENV, "only": ("expired", "cached-token-expires")})
    assert report.failed_ids() == {"cached-token-expires"} and "a consequence of" not in str(report), str(report)


def test_a_cors_policy_that_reflects_any_origin_is_reported_as_that_not_as_a_look_alike(check_run):
    import functools

    reflects_all = functools.partial(holes.create_app, holes.Flaws(cors_regex=r".*"))
    only = ("cors-foreign-origin-with-credentials",)
    report = check_run(app_factory=reflects_all, **{**ROUTES, "env": ENV, "only": only})
    detail = report.result(only[0]).outcome.detail
    assert "the foreign origin https://evil.example is reflected with credentials" in detail, str(report)
    look_alike, _ = holes.HOLES[only[0]]  # a regex that admits *localhost:5173 only
    report = check_run(app_factory=look_alike, **{**ROUTES, "env": ENV, "only": only})
    assert "the look-alike origin" in report.result(only[0]).outcome.detail, str(report)
