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
    # README's table, row by row: a rotated-in key waits for its 10 s refetch interval, a rotated-out
    # one stays trusted while its 300 s cache is fresh, nbf = true reaches PyJWT's int(), and its
    # 401 and 403 carry no RFC 6750 error code.
    assert advisories == {"key-rotated-in", "key-rotated-out", "time-claims-odd-types",
                          "www-authenticate-invalid-token", "insufficient-scope-403"}, str(report)
