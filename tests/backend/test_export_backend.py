"""``python -m playground export-backend DIR``: the backend written out as a standalone package.

The last test is the proof that it lifts out: a fresh venv with only the exported project's
declared dependencies and pytest runs the exported tests, and they pass. Nothing is downloaded:
the dependencies are this venv's own installed copies, exactly those the project declares (and
what they require), linked into the fresh venv (tests/installed.py). A few seconds: the venv
without pip, the links, then the exported tests.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from playground.export_backend import export_backend, main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/installed.py
from installed import closure, site_view  # noqa: E402

BACKEND = Path(__file__).resolve().parents[2] / "playground" / "backend"


def test_export_writes_the_package_its_tests_and_its_project(tmp_path):
    dest = export_backend(tmp_path / "out")
    modules = {path.name for path in (dest / "better_auth_backend").glob("*.py")}
    assert modules == {path.name for path in BACKEND.glob("*.py")}
    assert {path.name for path in (dest / "tests").glob("*.py")} == {"conftest.py", "test_backend.py"}
    project = tomllib.loads((dest / "pyproject.toml").read_text())["project"]
    names = {requirement.split(">")[0].split("[")[0] for requirement in project["dependencies"]}
    assert names == {"fastapi", "pyjwt", "httpx", "sniffio", "pydantic-settings"}
    # The modules are the backend's own, unchanged but for the name of the package.
    verify = (dest / "better_auth_backend" / "verify.py").read_text()
    assert verify == (BACKEND / "verify.py").read_text()


def test_nothing_exported_imports_the_workbook(tmp_path):
    dest = export_backend(tmp_path / "out", package="acme_auth")
    for path in [*dest.glob("acme_auth/*.py"), *dest.glob("tests/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert not node.module.startswith(("playground", "better_auth_backend")), (path.name, node.module)
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("playground") for alias in node.names), path.name
    assert "from acme_auth import" in (dest / "tests" / "conftest.py").read_text()
    assert 'name = "acme-auth"' in (dest / "pyproject.toml").read_text()
    assert "acme_auth.app:create_app_from_env" in (dest / "acme_auth" / "app.py").read_text()


def test_the_environment_example_is_the_backends_part(tmp_path):
    text = (export_backend(tmp_path / "out") / ".env.example").read_text()
    assert "BETTER_AUTH_URL=" in text and "BACKEND_ALGORITHMS=EdDSA" in text and "BACKEND_HTTP_TIMEOUT" in text
    assert "PLAYGROUND_" not in text and "notebook" not in text


def test_an_empty_directory_is_used_and_a_non_empty_one_refused(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty)]) == 0
    assert (empty / "pyproject.toml").is_file()
    before = sorted(p.relative_to(empty) for p in empty.rglob("*"))
    assert main([str(empty)]) == 1
    assert "is not empty: refusing to overwrite" in capsys.readouterr().err
    assert sorted(p.relative_to(empty) for p in empty.rglob("*")) == before  # nothing touched
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main([str(a_file)]) == 1
    assert "is not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("package", ["1abc", "with-dash", "_private", "a b", ""])
def test_a_package_name_that_cannot_be_imported_is_refused(tmp_path, capsys, package):
    assert main([str(tmp_path / "out"), "--package", package]) == 1
    assert "not a usable Python package name" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_usage_errors_are_exit_2(capsys):
    assert main([]) == 2
    assert "required: dest" in capsys.readouterr().err
    assert main(["--help"]) == 0


def test_the_export_passes_its_own_tests_in_a_fresh_venv(tmp_path):
    dest = export_backend(tmp_path / "project")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pyproject = tomllib.loads((dest / "pyproject.toml").read_text())["project"]
    requirements = pyproject["dependencies"] + pyproject["optional-dependencies"]["test"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, env=env, check=True).stdout.strip()
    view = site_view(closure(requirements), tmp_path / "dependencies")
    (Path(purelib) / "declared_dependencies.pth").write_text(f"{view}\n")
    # The fresh venv has the declared libraries and nothing of the workbook: prove it before
    # trusting the green run (uvicorn is the workbook's dependency, not the export's).
    for absent in ("playground", "uvicorn"):
        probe = subprocess.run([str(python), "-c", f"import {absent}"], capture_output=True, cwd=dest, env=env)
        assert probe.returncode != 0, absent
    assert subprocess.run([str(python), "-c", "import fastapi, jwt, httpx, pydantic_settings, pytest"],
                          cwd=dest, env=env).returncode == 0
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=dest, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_the_exported_app_started_without_its_settings_says_which_in_one_line(tmp_path):
    """README's `uvicorn --factory` command, run before BETTER_AUTH_URL is set: one line, no traceback."""
    dest = export_backend(tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BETTER_AUTH_", "BACKEND_"))}
    command = [sys.executable, "-m", "uvicorn", "--factory", "better_auth_backend.app:create_app_from_env"]
    missing = subprocess.run(command, cwd=dest, env=env, capture_output=True, text=True, timeout=60)
    assert (missing.returncode, missing.stderr) == (1, "error: backend settings: BETTER_AUTH_URL is not set\n")
    wrong = subprocess.run(
        command,
        cwd=dest,
        env={**env, "BETTER_AUTH_URL": "localhost:3000", "BACKEND_HTTP_TIMEOUT": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1 and len(wrong.stderr.splitlines()) == 1, wrong.stderr
    assert "BETTER_AUTH_URL: 'localhost:3000' is not an http(s) URL" in wrong.stderr
    assert "BACKEND_HTTP_TIMEOUT: Input should be greater than 0" in wrong.stderr
