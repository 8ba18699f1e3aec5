"""Binder builds the workbook as it really runs: binder/postBuild, run here in a clean environment.

repo2docker installs binder/environment.yml (Python 3.12, Node 20) and then runs binder/postBuild.
No Docker here, so the test gives postBuild what repo2docker would — a copy of the repository and
a fresh Python environment of its own (a venv) first on PATH — and checks the result: the kernel
registered under the name the notebooks give, the notebook guard installed, the real Better Auth
and the browser page built, the learner copy present, and a lesson's kernel able to start the
playground. It downloads from PyPI (postBuild passes --no-cache-dir, as repo2docker does for its own
pip installs: no pip cache in the image) and npm's registry (its cache makes that part quick after
the first run) and takes a minute or two, so it is marked ``hub`` with the real-JupyterHub test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.workshop.hub import ROOT
from tests.workshop.notebooks_script import notebooks_script

pytestmark = pytest.mark.hub
BINDER = ROOT / "binder"


def _copy_of_the_repository(destination: Path) -> Path:
    """The files a clone would have (tracked, plus new ones not ignored), as they are now."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def _fresh_venv_with_current_pip(venv: Path) -> Path:
    """An empty venv holding only the pip this suite runs with (`make setup` keeps it current).

    Binder's environment.yml asks conda-forge for the current pip; the venv module would bring the
    one bundled with this Python instead, whose resolver takes ~15 CPU-s more on the same install.
    """
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                                "--quiet", "--no-cache-dir", f"pip=={version('pip')}"],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if os.environ.get("PLAYGROUND_SKIP_HUB") == "1":
        pytest.skip("PLAYGROUND_SKIP_HUB=1: the Binder build test was opted out of")
    folder = tmp_path_factory.mktemp("binder")
    repository = _copy_of_the_repository(folder / "repo")
    venv = _fresh_venv_with_current_pip(folder / "venv")
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    environment["PATH"] = os.pathsep.join([str(venv / "bin"), environment.get("PATH", "")])
    # No bytecode at install time (~10 CPU-s of compiling ~5,000 files in a venv thrown away after
    # the test): the kernel compiles what it imports. pip reads PIP_NO_COMPILE=1 inverted (as
    # --compile), so the switch is PIP_COMPILE=0. Not what postBuild tests: it still installs it all.
    environment["PIP_COMPILE"] = "0"
    result = subprocess.run([str(repository / "binder" / "postBuild")], cwd=folder, env=environment,
                            capture_output=True, text=True, timeout=560)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return repository, venv, result.stdout


def test_the_binder_files_pin_python_and_node():
    environment = yaml.safe_load((BINDER / "environment.yml").read_text())
    assert "python=3.12" in environment["dependencies"]  # repo2docker reads only python=X.Y
    assert "nodejs=20" in environment["dependencies"]
    post_build = (BINDER / "postBuild").read_text()
    assert post_build.splitlines()[0] == "#!/usr/bin/env bash" and "\nset -euo pipefail\n" in post_build
    assert os.access(BINDER / "postBuild", os.X_OK)
    packages = [line for line in (BINDER / "apt.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert "chromium" not in packages  # a snap stub on repo2docker's Ubuntu: postBuild says so instead


@pytest.mark.timeout(600)
def test_post_build_registers_the_kernel_installs_the_guard_and_makes_the_learner_copy(built):
    repository, venv, printed = built
    kernel = json.loads((venv / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    assert Path(kernel["argv"][0]).parent == venv / "bin"
    assert kernel["display_name"] == notebooks_script.KERNELSPEC["display_name"]
    guard = venv / "etc" / "ipython" / "ipython_kernel_config.py"
    assert guard.read_text() == (ROOT / "scripts" / "ipython_kernel_config.py").read_text()
    assert (repository / "playground" / "better_auth" / "node_modules" / "better-auth" / "package.json").is_file()
    assert (repository / "playground" / "frontend" / "dist" / "main.js").is_file()
    learner = repository / "build" / "learner"
    lessons = sorted(path.name for path in (repository / "notebooks").glob("*.ipynb"))
    assert sorted(path.name for path in learner.glob("*.ipynb")) == lessons
    assert (learner / notebooks_script.MANIFEST_NAME).is_file()
    assert "postBuild: the workbook is ready" in printed
    assert ("Chromium found" in printed) == Path("/usr/bin/chromium").exists()


@pytest.mark.timeout(300)
def test_the_registered_kernel_runs_a_lesson_cell_with_the_guard_loaded(built):
    repository, venv, _ = built
    # A notebook naming the kernel as every lesson does, executed by the built environment's Jupyter.
    cell = ("import playground\npg = playground.start()\n"
            "print(pg.api.get('/api/public').status_code, 'playground.notebook_guard' in "
            "get_ipython().extension_manager.loaded)")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    notebooks_script.set_kernelspec(notebook)
    path = repository / "build" / "learner" / "probe.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--stdout",
                             str(path)], cwd=path.parent, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = nbformat.reads(result.stdout, as_version=4).cells[0].outputs
    assert [output.get("text") for output in outputs] == ["200 True\n"]


def test_post_build_stops_at_the_first_error(tmp_path):
    repository = _copy_of_the_repository(tmp_path / "repo")
    environment = {**os.environ, "PYTHON": str(tmp_path / "no-such-python")}
    result = subprocess.run([str(repository / "binder" / "postBuild")], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert not (repository / "build" / "learner").exists()  # nothing after the failed step ran
