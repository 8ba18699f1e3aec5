"""scripts/conformance_drift.py reads what assert_same (tests/conformance/shapes.py) reports.

`make conformance-latest` turns a conformance run against better-auth@latest into rows a
maintainer can act on (scenario, option set, field, pinned value, latest value). The run here is
a real pytest run whose test fails through the real assert_same, so a change to its message that
the summary can no longer read fails this test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "conformance_drift.py"

RUN = f'''
import sys
sys.path.insert(0, {str(ROOT / "tests" / "conformance")!r})
from shapes import assert_same

def test_a_field_changed():
    latest = {{"status": 200, "body": {{"code": "USER_EXISTS", "message": "it's taken"}}}}
    pinned = {{"status": 422, "body": {{"code": "USER_EXISTS"}}}}
    assert_same(latest, pinned, expected_name="better-auth (real)", actual_name="embedded",
                what=f"scenario {{'sign-up'!r}} (option set {{'cookie-cache-jwt'!r}})")

def test_something_else_broke():
    raise RuntimeError("server did not start")

def test_unchanged():
    assert_same({{"status": 200}}, {{"status": 200}}, expected_name="a", actual_name="b", what="scenario 'x'")
'''


def junit(tmp_path: Path, source: str) -> Path:
    (tmp_path / "test_run.py").write_text(source)
    subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
                    "--junit-xml", str(tmp_path / "report.xml"), str(tmp_path / "test_run.py")],
                   cwd=tmp_path, capture_output=True, timeout=120)
    return tmp_path / "report.xml"


def drift(report: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(report), "--pinned", "1.7.29", "--latest", "1.8.0", *extra],
                          capture_output=True, text=True, timeout=60)


def test_each_changed_field_is_a_row_and_other_failures_are_named(tmp_path):
    result = drift(junit(tmp_path, RUN), "--markdown", str(tmp_path / "issue.md"))
    assert result.returncode == 1, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| sign-up")]
    assert rows == [
        "| sign-up | cookie-cache-jwt | `$.status` | `422` | `200` | test_run::test_a_field_changed |",
        "| sign-up | cookie-cache-jwt | `$.body.message` | `'<missing>'` | `\"it's taken\"` "
        "| test_run::test_a_field_changed |",
    ]
    assert "- test_run::test_something_else_broke: RuntimeError: server did not start" in result.stdout
    assert "unchanged" not in result.stdout
    issue = (tmp_path / "issue.md").read_text()
    assert issue.splitlines()[0] == "better-auth 1.8.0 (latest) diverges from the pinned 1.7.29"
    assert issue.strip() == result.stdout.strip()


def test_a_green_run_says_to_move_the_pin(tmp_path):
    report = junit(tmp_path, "def test_ok():\n    assert True\n")
    result = drift(report)
    assert result.returncode == 0
    assert result.stdout.strip() == (
        "better-auth 1.8.0 (latest) behaves as the pinned 1.7.29 in all 1 tests: move the pin.")


def test_an_unreadable_report_is_exit_2(tmp_path):
    (tmp_path / "broken.xml").write_text("<testsuite")
    result = drift(tmp_path / "broken.xml")
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_the_weekly_canary_runs_conformance_and_the_lessons_against_latest_and_files_an_issue():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "canary.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"] and "workflow_dispatch" in triggers
    assert workflow["permissions"]["issues"] == "write"
    steps = workflow["jobs"]["better-auth-latest"]["steps"]
    run = next(step for step in steps if step.get("id") == "drift")["run"]
    assert run.startswith("make conformance-latest") and "DRIFT_REPORT=drift.md" in run
    tests = run.split('LATEST_TESTS="', 1)[1].split('"', 1)[0].split()
    assert tests == ["tests/conformance", "tests/test_notebooks_real_issuer.py"]
    assert all((ROOT / path).exists() for path in tests)
    filing = "\n".join(step.get("run", "") for step in steps if step.get("if") == "steps.drift.outcome == 'failure'")
    assert "gh issue create" in filing and "gh issue comment" in filing and "exit 1" in filing
    makefile = (ROOT / "Makefile").read_text()
    assert all(part in makefile for part in ("$(LATEST_TESTS)", "scripts/conformance_drift.py", "$(DRIFT_REPORT)"))
