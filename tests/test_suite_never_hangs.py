"""`make test` never hangs on a worker that dies: it fails, naming the worker and its test.

A tiny pytest session runs in a temporary folder with the very command of the Makefile's `test`
recipe (read with `make -n`) and the project's pytest-timeout settings (read from pyproject.toml):
one test kills its own worker, one hangs past the timeout. Without `--max-worker-restart=0`,
xdist 3.8 with `--dist loadscope` waits forever after the kill, every worker idle.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _make_test_command() -> list[str]:
    recipe = subprocess.run(["make", "-n", "test", "WORKERS=2"], cwd=ROOT, capture_output=True, text=True, check=True)
    line = next(line for line in recipe.stdout.splitlines() if " -m pytest" in line)
    command = shlex.split(line)
    python = next(i for i, token in enumerate(command) if token.endswith("/python"))
    return [*command[:python], sys.executable, *command[python + 1:]]


def _run_session(folder: Path, tests: str, timeout: int) -> subprocess.CompletedProcess:
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    (folder / "pytest.ini").write_text(f"[pytest]\ntimeout = {timeout}\ntimeout_method = {ini['timeout_method']}\n")
    (folder / "test_worker.py").write_text(tests)
    (folder / "test_others.py").write_text("def test_one():\n    pass\n\n\ndef test_two():\n    pass\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    # nbval has nothing to do here (this pytest.ini does not pass --nbval) and importing it costs
    # each of the session's three processes ~1.5 s of CPU (nbformat's jsonschema grammar).
    return subprocess.run([*_make_test_command(), "-p", "no:cacheprovider", "-p", "no:nbval"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=240)


def test_the_make_test_recipe_has_a_ceiling_and_stops_on_a_crashed_worker():
    command = _make_test_command()
    assert command[0] == "timeout" and "--max-worker-restart=0" in command and "loadscope" in command, command


def test_a_worker_killed_by_a_signal_fails_the_run_naming_the_worker_and_its_test(tmp_path):
    result = _run_session(tmp_path, "import os, signal\n\n\ndef test_before():\n    pass\n\n\n"
                                    "def test_dies():\n    os.kill(os.getpid(), signal.SIGKILL)\n\n\n"
                                    "def test_after():\n    pass\n", timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "crashed while running 'test_worker.py::test_dies'" in result.stdout, result.stdout
    assert "worker 'gw" in result.stdout


def test_a_test_stuck_past_the_timeout_is_ended_and_named(tmp_path):
    result = _run_session(tmp_path, "import threading\n\n\ndef test_stuck():\n    threading.Event().wait()\n",
                          timeout=3)
    assert result.returncode == 1, result.stdout + result.stderr
    # pytest-timeout's thread method dumps the stacks (to the worker's stderr) and ends the worker.
    assert "crashed while running 'test_worker.py::test_stuck'" in result.stdout, result.stdout
