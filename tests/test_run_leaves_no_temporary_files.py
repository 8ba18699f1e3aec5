"""A test run leaves nothing in the temporary folder, whatever its tests and their processes put there.

A tiny session runs with this directory's conftest.py (the rule lives there), a temporary folder of
its own as TMPDIR, and an xdist worker: its test leaves a folder and a file behind, as the checker's
kept app logs and the graded apps' key folders do, from the worker and from a process it starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

LEAVES_FILES = '''
import os, subprocess, sys, tempfile

def test_leaves_files_behind():
    folder = tempfile.mkdtemp(prefix="left-behind-")
    child = "import tempfile; print(tempfile.mkstemp(prefix='child-log-')[1])"
    made = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout.strip()
    with open(os.environ["REPORT"], "w") as report:
        report.write(f"{os.environ.get('PYTEST_XDIST_WORKER')}\\n{folder}\\n{made}\\n")
    assert os.path.isdir(folder) and os.path.isfile(made)
'''


def test_a_run_removes_what_its_tests_and_their_processes_left_in_the_temporary_folder(tmp_path):
    session, temporary = tmp_path / "session", tmp_path / "tmp"
    session.mkdir()
    temporary.mkdir()
    shutil.copy(HERE / "conftest.py", session / "conftest.py")
    (session / "tests").mkdir()  # what the conftest imports, where `python -m pytest` finds it
    shutil.copy(HERE / "kernels.py", session / "tests" / "kernels.py")
    (session / "test_leaves.py").write_text(LEAVES_FILES)
    report = tmp_path / "report.txt"
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env.update(TMPDIR=str(temporary), REPORT=str(report))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "1", "test_leaves.py"]
    result = subprocess.run(command, cwd=session, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    worker, folder, made = report.read_text().splitlines()
    assert worker == "gw0"  # written by an xdist worker, the file by a process it started
    run_folder = Path(folder).parent
    assert run_folder.parent == temporary and run_folder.name.startswith("playground-tests-")
    assert Path(made).parent == run_folder
    assert list(temporary.iterdir()) == []  # the run's folder is gone, with all that was left in it
