"""Fixtures and skip rules shared by every test directory, and the rule that CI never skips.

Tests that need Node (the real better-auth) carry the ``node`` marker, tests that need Chromium
the ``browser`` marker, and tests that serve the built browser page the ``frontend_built``
fixture. Where the tool is missing they are skipped with the reason and the fix, decided by one
check each: ``playground.better_auth.launcher.node_available`` (Node >= 20 and better-auth
installed: the launcher's own check), ``playground.frontend.browser.chromium_missing``.

With ``PLAYGROUND_REQUIRE_ALL=1`` (set by ``.ci/run``) *any* skip is a failure, whoever raised it
(a marker, a fixture, ``pytest.skip`` in a test, a module-level ``skipif``, ``importorskip``):
the report hooks below turn it into a failure that keeps the reason, so CI can never go green by
skipping.
"""

from __future__ import annotations

import os

import pytest

from playground import frontend
from playground.better_auth.launcher import node_available
from playground.frontend.browser import chromium_missing

REQUIRE_ALL = "PLAYGROUND_REQUIRE_ALL"


def _require_all() -> bool:
    return os.environ.get(REQUIRE_ALL) == "1"


def frontend_missing() -> str | None:
    """``None`` when the browser page is built, else how to build it."""
    if (frontend.DIST_DIR / "main.js").is_file():
        return None
    return f"the browser page is not built (needs Node 20+): {frontend.BUILD_COMMAND}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, reason_of in (("node", node_available), ("browser", chromium_missing)):
        if item.get_closest_marker(marker) is not None and (reason := reason_of()) is not None:
            pytest.skip(reason)


@pytest.fixture
def frontend_built() -> None:
    """Skip (a failure under PLAYGROUND_REQUIRE_ALL=1) when the browser page has not been built."""
    reason = frontend_missing()
    if reason is not None:
        pytest.skip(reason)


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_if_skipped(report) -> None:
    if _require_all() and report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_ALL}=1 (CI): nothing may be skipped, but this was: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    _fail_if_skipped(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    # A module-level skip (``pytest.skip(allow_module_level=True)``, ``importorskip``) happens here.
    outcome = yield
    _fail_if_skipped(outcome.get_result())

