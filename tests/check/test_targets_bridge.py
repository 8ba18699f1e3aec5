"""The checker against fastapi-better-auth-bridge 0.6.0, the one target nobody here wrote."""

from __future__ import annotations

from targets_common import ROUTES

from playground import check


def test_fastapi_better_auth_bridge_in_jwt_mode_is_graded_without_a_crash():
    # The one target nobody here wrote (README: "Check your own backend" reports this run).
    from targets import bridge

    report = check.run(app_factory=bridge.create_app, env={"BETTER_AUTH_URL": "{issuer}"}, **ROUTES)
    assert report.complete and report.failed_ids() == set(), str(report)
    advisories = {r.case.id: r.outcome.detail for r in report.advisories}
    # README's table, row by row: nbf = true reaches PyJWT's int(), and its 401 and 403 carry no
    # RFC 6750 error code.
    table = {"time-claims-odd-types", "www-authenticate-invalid-token", "insufficient-scope-403"}
    assert table <= set(advisories), str(report)
    # It refetches its key set at most every 10 s, and key-rotated-in retries the new key for 6 s:
    # whether that shows depends on how long before the rotation it last fetched (its baseline fetch,
    # 4 to 5 s earlier: cached-token-expires waits 3 to 4 s of it, the other cases the machine's
    # speed). When it shows, the retired key's token is still accepted too: nothing else may show.
    assert set(advisories) - table <= {"key-rotated-in", "key-rotated-out"}, str(report)
    if "key-rotated-in" in advisories:
        assert advisories["key-rotated-in"].endswith("(retried for 6 s)"), str(report)
    # A retired key still accepted is allowed only as the other face of that late refetch.
    assert "key-rotated-out" not in advisories or "key-rotated-in" in advisories, str(report)
