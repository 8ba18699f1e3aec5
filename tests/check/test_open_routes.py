"""open-routes-named: documented GET routes that answer without a credential are listed (advisory)."""

from __future__ import annotations

from targets import open_routes
from targets.apps import create_app
from targets_common import ENV, ROUTES


def _outcome(factory, check_run):
    report = check_run(app_factory=factory, env=ENV, only=("open-routes-named",), **ROUTES)
    return next(result for result in report.results if result.case.id == "open-routes-named"), report


def test_a_debug_route_left_mounted_is_named_and_the_public_route_is_not(check_run):
    result, report = _outcome(open_routes.with_debug_route, check_run)
    assert result.status == "advisory", str(report)
    assert "/api/debug/users" in result.outcome.detail and "/api/public" not in result.outcome.detail
    assert report.exit_code == 0  # advisory: a person decides


def test_the_careful_app_has_no_route_open_but_its_public_one(check_run):
    result, report = _outcome(create_app, check_run)
    assert result.status == "passed", str(report)
