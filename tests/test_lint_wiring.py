"""ruff and mypy run in CI: `.ci/run` lints before it tests, and `make lint` checks the whole tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_lints_before_it_tests():
    steps = (ROOT / ".ci" / "run").read_text().splitlines()
    assert steps.index("make lint") < steps.index("make test")


def test_make_lint_runs_ruff_on_the_tree_and_mypy_strict_on_the_backend():
    planned = subprocess.run(["make", "-n", "lint"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert planned.returncode == 0, planned.stderr
    commands = planned.stdout.splitlines()
    assert ".venv/bin/ruff check ." in commands
    assert ".venv/bin/python -m mypy --strict playground/backend" in commands


def test_ruff_lints_the_notebooks_too():
    # ruff reads .ipynb itself; the configuration must not exclude the lessons.
    listed = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "--show-files", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=120).stdout
    assert "notebooks/03_verify_in_fastapi.ipynb" in listed and "playground/backend/verify.py" in listed
    assert "node_modules" not in listed and ".venv" not in listed
