"""The real-JupyterHub test is skipped only by its named opt-out, and never in CI."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.workshop.hub import ROOT


def _run_hub_test(**variables: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("PLAYGROUND_SKIP_HUB", "PLAYGROUND_REQUIRE_ALL")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "0", "-rs",
                           "tests/workshop/test_hub.py"], cwd=ROOT, capture_output=True, text=True,
                          env={**environment, **variables}, timeout=110)


def test_the_opt_out_skips_the_hub_test_and_says_so():
    result = _run_hub_test(PLAYGROUND_SKIP_HUB="1")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout and "PLAYGROUND_SKIP_HUB=1" in result.stdout


def test_the_opt_out_fails_under_require_all():
    result = _run_hub_test(PLAYGROUND_SKIP_HUB="1", PLAYGROUND_REQUIRE_ALL="1")
    assert result.returncode == 1, result.stdout
    assert "nothing may be skipped" in result.stdout and "PLAYGROUND_SKIP_HUB=1" in result.stdout
