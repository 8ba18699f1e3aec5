"""The built wheel works where it is installed: a fresh venv, outside this checkout, no index.

The wheel is built from a copy of the sources (with a planted file in each node_modules, so that
leaving node_modules out is proven, not assumed) by this venv's setuptools, without build
isolation: nothing is downloaded. The fresh venv gets the wheel with `pip install --no-deps
--no-index`, and its dependencies, only those pyproject.toml declares, as links into this venv
(tests/installed.py): `import playground` there is the installed copy, and a test-only package
such as pytest is absent. Then a lesson's flow and `python -m playground check` run from a
folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from installed import closure, site_view

ROOT = Path(__file__).resolve().parents[1]
NODE_PROJECTS = ["playground/better_auth", "playground/frontend"]


def run(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    # Nothing of this process's environment may point the fresh venv back at the checkout.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PLAYGROUND_", "BETTER_AUTH_", "BACKEND_"))}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from the files a checkout ships: what git tracks or would (not what it ignores), and
    the browser page `make setup` built."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for name in shipped_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, src / name)
    for project in NODE_PROJECTS:
        planted = src / project / "node_modules" / "better-auth" / "package.json"
        planted.parent.mkdir(parents=True)
        planted.write_text("{}")
    out = tmp_path_factory.mktemp("wheels")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = out.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding the installed wheel and, through a .pth file, only its dependencies."""
    home = tmp_path_factory.mktemp("fresh")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home / "venv")], check=True, timeout=120)
    python = home / "venv" / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], home).stdout.strip()
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    view = site_view(closure(dependencies), home / "dependencies")
    (Path(purelib) / "workbook_dependencies.pth").write_text(f"{view}\n")
    installed = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                     "--no-index", "--no-compile", str(wheel)], home, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return home / "venv"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A working folder with nothing of the checkout in it."""
    assert ROOT not in tmp_path.parents
    return tmp_path


def installed_copy(venv: Path) -> Path:
    return Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})) / "playground"


def shipped_files() -> set[str]:
    """Every file under playground/ that is not ignored (tracked or new), and the built page."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "playground"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    built = [str(path.relative_to(ROOT)) for path in (ROOT / "playground/frontend/dist").glob("*")]
    return {name for name in listed + built if (ROOT / name).is_file() and "__pycache__" not in name}


def test_the_wheel_holds_every_file_of_the_package_and_no_node_modules(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = {name for name in shipped_files() if name.startswith("playground/")} - names
    assert missing == set(), "add them to [tool.setuptools.package-data] in pyproject.toml"
    assert "playground/lessons/secret_change.mjs" in names  # lesson 07b's script (was missing)
    assert [name for name in names if "node_modules" in name] == []
    assert wheel.stat().st_size < 1_000_000, f"{wheel.stat().st_size} bytes"


def test_the_fresh_venv_imports_the_installed_copy_and_nothing_undeclared(venv, outside):
    python = str(venv / "bin" / "python")
    where = run([python, "-c", "import playground; print(playground.__file__)"], outside)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv)
    assert run([python, "-c", "import pytest"], outside).returncode != 0  # a test extra, not a dependency


LESSON = """
import json, secrets
import httpx
import playground

pg = playground.start(fresh=True)
password = secrets.token_urlsafe(12)
client = httpx.Client(base_url=pg.auth_url, headers={"origin": pg.auth_url})
signed_up = client.post("/api/auth/sign-up/email", json={
    "name": "Mary Jackson", "email": "mary.jackson@example.com", "password": password, "interestArea": "AI"})
assert signed_up.status_code == 200, signed_up.text
token = client.get("/api/auth/token").json()["token"]
me = httpx.get(pg.api_url + "/api/me", headers={"authorization": f"Bearer {token}"})
print(json.dumps({"status": me.status_code, "email": me.json().get("email"), "page": pg.frontend_url is not None}))
"""


def test_a_lesson_runs_from_the_installed_copy(venv, outside):
    """Lesson 02-03's flow: start the playground, sign up, get a JWT, call the backend with it."""
    result = run([str(venv / "bin" / "python"), "-c", LESSON], outside, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    built = (ROOT / "playground/frontend/dist/main.js").is_file()  # without Node there is no page to ship
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "status": 200, "email": "mary.jackson@example.com", "page": built}


def test_check_grades_an_app_from_the_installed_copy(venv, outside):
    result = run([str(venv / "bin" / "python"), "-m", "playground", "check",
                  "--app", "playground.backend.app:create_app_from_env", "--factory",
                  "--env", "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--admin", "/api/admin/stats"],
                 outside, timeout=110)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "PASS:" in result.stdout and " 0 failed" in result.stdout


def test_export_backend_from_the_installed_copy_writes_the_whole_project(venv, outside):
    result = run([str(venv / "bin" / "python"), "-m", "playground", "export-backend", "exported"], outside, timeout=60)
    assert result.returncode == 0, result.stderr
    written = {str(path.relative_to(outside / "exported")) for path in (outside / "exported").rglob("*")}
    assert {".env.example", "pyproject.toml", "README.md", "tests/conftest.py", "better_auth_backend/app.py"} <= written
    assert "BETTER_AUTH_URL=" in (outside / "exported" / ".env.example").read_text()


@pytest.mark.node
def test_the_real_better_auth_from_the_installed_copy_names_the_command_that_installs_it(venv, outside):
    """The wheel carries the Node project but not its node_modules: `--issuer better-auth` says the
    one command, with the installed folder; once that folder has its modules, lesson 07b's script
    (the real better-auth changing its secret) runs from there."""
    python = str(venv / "bin" / "python")
    project = installed_copy(venv) / "better_auth"
    assert (project / "package-lock.json").is_file() and not (project / "node_modules").exists()
    refused = run([python, "-m", "playground", "check", "--issuer", "better-auth", "--app",
                   "playground.backend.app:create_app_from_env", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                   "--protected", "/api/me"], outside, timeout=110)
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert f"npm ci --prefix {project}" in refused.stdout + refused.stderr

    # What that command would install, without the download: the checkout's own modules.
    (project / "node_modules").symlink_to(ROOT / "playground/better_auth/node_modules")
    try:
        lesson = run([python, "-c", (
            "import asyncio, secrets, json\n"
            "from playground.lessons.secret_pitfalls import change_secret\n"
            "result = asyncio.run(change_secret('better-auth', before=secrets.token_hex(32),"
            " after=secrets.token_hex(32), demo_password=secrets.token_urlsafe(12)))\n"
            "print(json.dumps({'before': result.token_before, 'after': result.token_after}))\n"
        )], outside, timeout=110)
    finally:
        (project / "node_modules").unlink()
    assert lesson.returncode == 0, lesson.stderr[-3000:]
    statuses = json.loads(lesson.stdout.strip().splitlines()[-1])
    assert statuses["before"] == 200 and statuses["after"] != 200  # 07b: the old key cannot be decrypted
