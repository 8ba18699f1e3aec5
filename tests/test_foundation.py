"""The project's own shape: setup files agree, notebooks are committed clean, README's commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_installs_the_project_from_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]
    conda_deps = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_sections == [["-c constraints.txt", "-e .[test]"]], (
        "Python packages come from pyproject.toml through pip, at the versions constraints.txt pins"
    )
    names = {re.split(r"[<>=! ]", d, maxsplit=1)[0] for d in conda_deps}
    assert names == {"python", "nodejs", "pip"}, f"only the toolchain belongs here, found {names}"


def test_environment_yml_python_matches_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python_spec = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python_spec.removeprefix("python") == _pyproject()["project"]["requires-python"]


def test_every_test_extra_is_importable_from_this_environment():
    import importlib.metadata as md

    for requirement in _pyproject()["project"]["optional-dependencies"]["test"]:
        name = re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0]
        assert md.version(name), name


def test_readme_gives_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make \w+", readme, flags=re.MULTILINE)
    assert commands[:2] == ["make lab", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.MULTILINE)


def test_setup_is_not_repeated_when_nothing_changed():
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("setup stamps absent: this run did not go through `make`")
    # `make -q` exits 0 only when every target is up to date, i.e. nothing would be reinstalled.
    result = subprocess.run(["make", "-q", ".venv/.installed"], cwd=ROOT)
    assert result.returncode == 0


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:2] == ["00_setup_check.ipynb", "01_jwt_anatomy.ipynb"]


def test_notebooks_are_committed_without_volatile_metadata():
    # One nbstripout process for all notebooks: its start-up dominates the check.
    result = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", "--keep-output", "--keep-count", *map(str, NOTEBOOKS)],
        capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}\nrun `make refresh-notebooks` (or nbstripout --keep-output --keep-count)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_lesson_shape(path):
    # NN_topic, or NNx_topic for a lesson inserted after NN (03c_... sorts after 03b_...).
    assert re.fullmatch(r"\d\d[a-z]?_[a-z0-9_]+\.ipynb", path.name)
    cells = json.loads(path.read_text())["cells"]
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "you will learn" in markdown[0].lower()
    assert "```mermaid" in markdown[0], "a lesson opens with what you will learn and a diagram"
    assert any("recap" in text.lower() for text in markdown)
    assert any("exercise" in text.lower() for text in markdown)
    assert any("assert " in "".join(c["source"]) for c in code)
    # Solution cells are stored unexecuted on purpose (scripts/notebooks.py strip-solutions).
    unexecuted = [i for i, c in enumerate(code)
                  if c["execution_count"] is None and "solution" not in c["metadata"].get("tags", [])]
    assert not unexecuted, "nbval does not compare cells stored without an execution count"


MAX_PROSE_WORDS = 2000  # about 13 minutes of reading: split a lesson that needs more


def prose_words(path: Path) -> int:
    """Words of a lesson's markdown cells, fenced blocks (its diagrams and snippets) left out."""
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return len(re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL).split())


def test_prose_words_leave_out_fenced_blocks(tmp_path):
    lesson = tmp_path / "lesson.ipynb"
    lesson.write_text(json.dumps({"cells": [
        {"cell_type": "markdown",
         "source": ["One two\n", "```mermaid\n", "flowchart LR\n", "  A --> B\n", "```\n", "three"]},
        {"cell_type": "code", "source": ["not counted = 1"]},
        {"cell_type": "markdown", "source": "four `five`"}]}))
    assert prose_words(lesson) == 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_lesson_has_more_than_2000_words_of_prose(path):
    assert prose_words(path) <= MAX_PROSE_WORDS, f"{path.name}: split it (issue 19 §4)"


def test_env_example_documents_every_backend_setting():
    from playground.backend.settings import BackendSettings

    documented = (ROOT / ".env.example").read_text()
    prefix = BackendSettings.model_config["env_prefix"]
    for name, field in BackendSettings.model_fields.items():
        if field.validation_alias:
            env_name = next(alias for alias in field.validation_alias.choices if alias.isupper())
        else:
            env_name = (prefix + name).upper()
        assert re.search(rf"^#? ?{env_name}=", documented, flags=re.MULTILINE), env_name


def _makefile_targets() -> set[str]:
    return set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))


def _readme_shell_lines() -> list[str]:
    """Shell lines run in this directory: the CI steps of "Check your own backend" run in the
    reader's own project, whose environment is theirs to name."""
    sections = re.split(r"^## ", (ROOT / "README.md").read_text(), flags=re.MULTILINE)
    ours = "".join(s for s in sections if not s.startswith("Check your own backend"))
    blocks = re.findall(r"```sh\n(.*?)```", ours, flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines()]


def test_licence_is_mit_and_pyproject_says_so():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in licence
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


def test_every_make_command_in_the_readme_is_a_makefile_target():
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"`?make ([\w-]+)", readme))
    assert {"lab", "test", "test-fast", "serve", "bench"} <= used
    assert used <= _makefile_targets(), used - _makefile_targets()


def test_readme_commands_run_without_an_activated_venv():
    # A fresh shell has no `python` on PATH, or one without httpx: commands spell out the venv's.
    bare = [line for line in _readme_shell_lines() if re.search(r"(^|[\s|(])python3? ", line)]
    assert not bare, f"use make or .venv/bin/python: {bare}"


def test_make_test_runs_no_benchmark_and_test_fast_runs_no_notebook():
    makefile = (ROOT / "Makefile").read_text()
    recipes = dict(re.findall(r"^([\w-]+):.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE))
    assert "bench" not in recipes["test"] and "benchmarks/run_all.py" in recipes["bench"]
    fast = recipes["test-fast"]
    # Naming `tests` replaces testpaths (tests + notebooks), so nbval collects no notebook.
    assert re.search(r"pytest .* tests( |$)", fast, flags=re.MULTILINE)
    declared = {marker.split(":")[0] for marker in _pyproject()["tool"]["pytest"]["ini_options"]["markers"]}
    expression = re.search(r'-m "([^"]+)"', fast).group(1)
    assert set(re.findall(r"not (\w+)", expression)) == {"node", "browser"} <= declared
    # Each slow path it leaves out must still exist: a renamed one would otherwise run again, unseen.
    skipped = re.findall(r"--ignore=(\S+)", makefile)
    assert skipped and all((ROOT / path).exists() for path in skipped), skipped


def test_readme_holds_the_benchmark_table_between_its_markers_once():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from readme_table import END, START

    readme = (ROOT / "README.md").read_text()
    assert readme.count(START) == readme.count(END) == 1
    assert readme.index("## Benchmarks") < readme.index(START) < readme.index(END)

