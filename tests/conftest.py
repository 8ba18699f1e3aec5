"""Fixtures and skip rules shared by every test directory.

Tests that need Node (the real better-auth) or Chromium carry the ``node`` / ``browser``
marker. Where the tool is missing they are skipped with the reason and the fix; with
``PLAYGROUND_REQUIRE_ALL=1`` (set by ``.ci/run``) the same situation is a failure, so CI can
never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_PROJECT = ROOT / "playground" / "better_auth"
CHROMIUM = Path("/usr/bin/chromium")


def node_missing_reason() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed: install Node 20+ (apt-get install nodejs npm), then run `make test`"
    if not (NODE_PROJECT / "node_modules" / "better-auth").is_dir():
        return "better-auth is not installed: run `make test` (it runs `npm ci --prefix playground/better_auth`)"
    return None


def browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return "Chromium is not installed: apt-get install chromium (tests use /usr/bin/chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, reason_of in (("node", node_missing_reason), ("browser", browser_missing_reason)):
        if item.get_closest_marker(marker) is None:
            continue
        reason = reason_of()
        if reason is None:
            continue
        if os.environ.get("PLAYGROUND_REQUIRE_ALL") == "1":
            pytest.fail(f"PLAYGROUND_REQUIRE_ALL=1 but {reason}", pytrace=False)
        pytest.skip(reason)
