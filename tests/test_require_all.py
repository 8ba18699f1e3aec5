"""The rule that keeps CI honest (tests/conftest.py): under ``PLAYGROUND_REQUIRE_ALL=1`` every skip
fails the run, whoever raised it, with its reason; without the flag a skip stays a skip.

Each case runs a tiny test file in a real pytest subprocess with our conftest loaded as a plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SKIPPING_TESTS = '''
import pytest

def test_passes():
    assert True

def test_skips_inline():
    pytest.skip("inline reason")

@pytest.mark.skipif(True, reason="marker reason")
def test_skipped_by_marker():
    pass

@pytest.fixture
def missing_tool():
    pytest.skip("fixture reason")

def test_skipped_by_fixture(missing_tool):
    pass

@pytest.mark.xfail(strict=True, reason="a known gap, not a skip")
def test_known_gap():
    assert False
'''
MODULE_SKIP = '''
import pytest

pytest.importorskip("no_such_module_anywhere")

def test_never_collected():
    pass
'''
NODE_TEST = '''
import pytest

@pytest.mark.node
def test_needs_node():
    pass
'''


def run_pytest(directory: Path, *, require_all: bool) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PLAYGROUND_REQUIRE_ALL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # Debian 12's nodejs, first on PATH: too old for better-auth 1.7, though `node` is there.
    env["PATH"] = os.pathsep.join([str(directory / "bin"), env.get("PATH", "")])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # faster: the rule needs none of nbval, xdist, ...
    if require_all:
        env["PLAYGROUND_REQUIRE_ALL"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-rA",
         # A collection error (the module-level skip, under the flag) would stop the run before the rest.
         "--continue-on-collection-errors", "-o", "markers=node: needs node", "suite"],
        cwd=directory, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def skipping_suite(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("require-all")
    (directory / "bin").mkdir()
    fake_node = directory / "bin" / "node"
    fake_node.write_text("#!/bin/sh\necho v18.20.4\n")
    fake_node.chmod(0o755)
    suite = directory / "suite"
    suite.mkdir()
    (suite / "test_skipping.py").write_text(SKIPPING_TESTS)
    (suite / "test_module_skip.py").write_text(MODULE_SKIP)
    (suite / "test_node.py").write_text(NODE_TEST)
    return directory


def summary(result: subprocess.CompletedProcess) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_without_the_flag_skips_stay_skips(skipping_suite):
    result = run_pytest(skipping_suite, require_all=False)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 5 skipped, 1 xfailed" in summary(result), result.stdout
    # The node marker asks the launcher's own check, which knows the version.
    assert "node v18.20.4 is too old for better-auth 1.7" in result.stdout


def test_under_the_flag_every_skip_fails_with_its_reason(skipping_suite):
    result = run_pytest(skipping_suite, require_all=True)
    assert result.returncode == 1, result.stdout
    # A skip in a test's body fails it; one in setup (marker, fixture) or at collection is an error.
    assert "1 failed, 1 passed, 1 xfailed, 4 errors" in summary(result), result.stdout
    for reason in ("inline reason", "marker reason", "fixture reason",
                   "could not import 'no_such_module_anywhere'", "node v18.20.4 is too old"):
        assert f"PLAYGROUND_REQUIRE_ALL=1 (CI): nothing may be skipped, but this was: {reason}" in result.stdout
