"""The checker against fastapi-better-auth-bridge 0.6.0, the one target nobody here wrote."""

from __future__ import annotations

from targets_common import ROUTES

from playground import check


def test_fastapi_better_auth_bridge_in_jwt_mode_is_graded_without_a_crash():
    # The one target nobody here wrote (README: "Check your own backend" reports this run).
    from targets import bridge

    report = check.run(app_factory=bridge.create_app, env={"BETTER_AUTH_URL": "{issuer}"}, **ROUTES)
    assert report.complete and report.failed_ids() == set(), str(report)
    advisories = {r.case.id for r in report.advisories}
    # An unknown kid is "a refusal rather than a search" in the bridge: a rotated-in key waits for its
    # key-set cache (300 s); nbf = true passes its number check; its 401 challenge has no error code.
    assert {"key-rotated-in", "time-claims-odd-types", "www-authenticate-invalid-token"} <= advisories, str(report)
