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
    # README's table, row by row: nbf = true reaches PyJWT's int(), and its 401 and 403 carry no
    # RFC 6750 error code. (Its 10 s refetch interval no longer shows in key-rotated-in: the keys
    # rotate more than 10 s after its last fetch, once cached-token-expires has waited for its token.)
    assert advisories == {"time-claims-odd-types", "www-authenticate-invalid-token",
                          "insufficient-scope-403"}, str(report)
