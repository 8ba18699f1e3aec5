"""Setup stamps cannot lie: deleting what a stamp stands for makes the next `make` rebuild it.

Each test lays out a copy of the Makefile with the files its setup rules read and write (empty
stand-ins, with the inputs older than the outputs, as after a finished `make setup`), deletes one
of .venv, a node_modules or the built page, and asks make what it would run (`make -n`): the
install or build of exactly that part. Nothing is installed; this checkout is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

INPUTS = [
    "pyproject.toml",
    "constraints.txt",
    "scripts/ipython_kernel_config.py",
    "playground/better_auth/package-lock.json",
    "playground/frontend/package-lock.json",
    "playground/frontend/src/main.js",
    "playground/frontend/src/index.html",
    "tests/workshop/proxy/package-lock.json",
]
# What a finished setup leaves behind (the stamps among them: .installed, dist/main.js).
OUTPUTS = [
    ".venv/pyvenv.cfg",
    ".venv/bin/python",
    ".venv/etc/ipython/ipython_kernel_config.py",
    ".venv/.installed",
    "playground/better_auth/node_modules/.installed",
    "playground/frontend/node_modules/.installed",
    "playground/frontend/dist/main.js",
    "tests/workshop/proxy/node_modules/.installed",
]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    an_hour_ago = time.time() - 3600
    for relative in INPUTS:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        os.utime(path, (an_hour_ago, an_hour_ago))
    for age, relative in enumerate(OUTPUTS):  # in the order setup makes them, a second apart
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        made = an_hour_ago + 60 + age
        os.utime(path, (made, made))
    return tmp_path


def would_run(checkout: Path) -> str:
    """The commands `make setup` would run (`-n`: printed, not run)."""
    result = subprocess.run(["make", "-n", "setup"], cwd=checkout, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_finished_setup_runs_nothing(checkout):
    result = subprocess.run(["make", "-q", "setup"], cwd=checkout, timeout=60)
    assert result.returncode == 0, would_run(checkout)


def test_deleting_the_venv_recreates_it_and_reinstalls(checkout):
    shutil.rmtree(checkout / ".venv")
    commands = would_run(checkout)
    assert "-m venv .venv" in commands
    assert "pip install --quiet -c constraints.txt -e '.[test]'" in commands
    assert "ipykernel install" in commands and "ipython_kernel_config.py" in commands
    assert "npm" not in commands


def test_changed_pins_reinstall_the_python_packages(checkout):
    (checkout / "constraints.txt").touch()
    commands = would_run(checkout)
    assert "pip install --quiet -c constraints.txt" in commands and "-m venv" not in commands


def test_deleting_better_auths_node_modules_reinstalls_them(checkout):
    shutil.rmtree(checkout / "playground/better_auth/node_modules")
    commands = would_run(checkout)
    assert "npm ci --prefix playground/better_auth" in commands
    assert "pip install" not in commands and "npm ci --prefix playground/frontend" not in commands


def test_deleting_the_frontends_node_modules_reinstalls_and_rebuilds(checkout):
    shutil.rmtree(checkout / "playground/frontend/node_modules")
    commands = would_run(checkout)
    assert "npm ci --prefix playground/frontend" in commands
    assert "npm run build --prefix playground/frontend" in commands
    assert "npm ci --prefix playground/better_auth" not in commands


def test_deleting_the_hub_proxys_node_modules_reinstalls_them(checkout):
    shutil.rmtree(checkout / "tests/workshop/proxy/node_modules")
    commands = would_run(checkout)
    assert "npm ci --prefix tests/workshop/proxy" in commands
    assert "pip install" not in commands and "npm ci --prefix playground" not in commands


def test_deleting_the_built_page_rebuilds_it_without_reinstalling(checkout):
    shutil.rmtree(checkout / "playground/frontend/dist")
    commands = would_run(checkout)
    assert "npm run build --prefix playground/frontend" in commands
    assert "npm ci" not in commands and "pip install" not in commands
