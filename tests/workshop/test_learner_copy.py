"""The learner's copy is where participants work: regenerating it never overwrites their work.

``make learner`` (re)generates build/learner before opening it, so this runs every time a
participant starts the workbook: a notebook they changed stays as they left it, the lesson's new
version comes beside it, new lessons arrive, and every notebook names the workbook's kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from tests.workshop.notebooks_script import ROOT, SCRIPT, notebooks_script

v4 = nbformat.v4
LATEST = notebooks_script.LATEST_SUFFIX


def _lesson(text: str) -> nbformat.NotebookNode:
    return v4.new_notebook(cells=[v4.new_markdown_cell(f"# {text}"), v4.new_code_cell(f"print({text!r})")])


def _write(folder, name: str, text: str):
    folder.mkdir(exist_ok=True)
    path = folder / name
    nbformat.write(_lesson(text), path)
    return path


def _generate(lessons, out) -> list[str]:
    return notebooks_script.update_learner_copy(sorted(lessons.glob("*.ipynb")), out, complete=True)


def _sources(path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


@pytest.fixture
def workbook(tmp_path):
    lessons, out = tmp_path / "notebooks", tmp_path / "learner"
    _write(lessons, "01_first.ipynb", "first lesson")
    _write(lessons, "02_second.ipynb", "second lesson")
    assert _generate(lessons, out) == ["added: 01_first.ipynb", "added: 02_second.ipynb"]
    return lessons, out


def test_regenerating_keeps_a_changed_notebook_and_brings_the_new_version_and_new_lessons(workbook):
    lessons, out = workbook
    # The learner works in 01; meanwhile the workbook updates both lessons and adds a third.
    learner_notebook = nbformat.read(out / "01_first.ipynb", as_version=4)
    learner_notebook.cells.append(v4.new_code_cell("my_answer = 42"))
    nbformat.write(learner_notebook, out / "01_first.ipynb")
    _write(lessons, "01_first.ipynb", "first lesson, revised")
    _write(lessons, "02_second.ipynb", "second lesson, revised")
    _write(lessons, "03_third.ipynb", "a new lesson")

    report = _generate(lessons, out)

    assert _sources(out / "01_first.ipynb")[-1] == "my_answer = 42"
    assert "print('first lesson, revised')" in _sources(out / f"01_first{LATEST}")
    assert "print('second lesson, revised')" in _sources(out / "02_second.ipynb")  # untouched: updated
    assert not (out / f"02_second{LATEST}").exists()
    assert "print('a new lesson')" in _sources(out / "03_third.ipynb")
    assert report == [f"kept your changes to 01_first.ipynb; the lesson's new version is 01_first{LATEST}",
                      "updated: 02_second.ipynb", "added: 03_third.ipynb"]
    # Run again: nothing left to do, and the learner's work is still there.
    assert _generate(lessons, out) == []
    assert _sources(out / "01_first.ipynb")[-1] == "my_answer = 42"


def test_a_changed_notebook_whose_lesson_did_not_change_gets_nothing_beside_it(workbook):
    lessons, out = workbook
    (out / "02_second.ipynb").write_text((out / "02_second.ipynb").read_text().replace("second", "mine"))
    assert _generate(lessons, out) == []
    assert not (out / f"02_second{LATEST}").exists()
    assert "print('mine lesson')" in _sources(out / "02_second.ipynb")


def test_a_lesson_gone_from_the_workbook_leaves_unless_the_learner_changed_it(workbook):
    lessons, out = workbook
    (out / "01_first.ipynb").write_text((out / "01_first.ipynb").read_text().replace("first", "mine"))
    (lessons / "01_first.ipynb").unlink()
    (lessons / "02_second.ipynb").rename(lessons / "02_renamed.ipynb")

    report = _generate(lessons, out)

    assert sorted(p.name for p in out.glob("*.ipynb")) == ["01_first.ipynb", "02_renamed.ipynb"]
    assert report == ["added: 02_renamed.ipynb",
                      "kept your 01_first.ipynb: the workbook no longer has this lesson",
                      "removed: 02_second.ipynb (no longer in the workbook, and unchanged)"]
    manifest = json.loads((out / notebooks_script.MANIFEST_NAME).read_text())
    assert sorted(manifest["notebooks"]) == ["02_renamed.ipynb"]


def test_a_copy_made_before_the_manifest_existed_counts_as_the_learners(workbook):
    lessons, out = workbook
    (out / notebooks_script.MANIFEST_NAME).unlink()
    (out / "01_first.ipynb").write_text((out / "01_first.ipynb").read_text().replace("first", "mine"))
    _write(lessons, "01_first.ipynb", "first lesson, revised")

    _generate(lessons, out)

    assert "print('mine lesson')" in _sources(out / "01_first.ipynb")
    assert "print('first lesson, revised')" in _sources(out / f"01_first{LATEST}")
    manifest = json.loads((out / notebooks_script.MANIFEST_NAME).read_text())
    assert sorted(manifest["notebooks"]) == ["02_second.ipynb"]  # 01 is the learner's until it matches


def test_the_command_line_regenerates_the_real_lessons_without_touching_a_changed_one(tmp_path):
    first = subprocess.run([sys.executable, str(SCRIPT), "learner-copy", "--out", str(tmp_path)],
                           capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    setup_check = tmp_path / "00_setup_check.ipynb"
    edited = setup_check.read_text().replace('"cells": [', '"cells": [{"cell_type": "markdown", "id": "mine", '
                                             '"metadata": {}, "source": "my notes"},', 1)
    setup_check.write_text(edited)

    again = subprocess.run([sys.executable, str(SCRIPT), "learner-copy", "--out", str(tmp_path)],
                           capture_output=True, text=True, cwd=ROOT)

    assert again.returncode == 0, again.stderr
    assert setup_check.read_text() == edited
    assert not list(tmp_path.glob(f"*{LATEST}"))  # the lessons did not change in between
    assert again.stdout.splitlines()[-1].startswith("learner copy of ")


# "Select Kernel": JupyterLab asks when a notebook names no kernel (metadata stripped or never
# written); a notebook naming `python3` opens on the kernel `make setup` registers under that name.

def test_every_learner_notebook_names_the_kernel_make_setup_registers(tmp_path):
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    notebooks_script.update_learner_copy(lessons, tmp_path, complete=True)
    for path in lessons:
        metadata = nbformat.read(tmp_path / path.name, as_version=4).metadata
        assert metadata.kernelspec == notebooks_script.KERNELSPEC, path.name
        assert metadata.language_info.name == "python", path.name
    makefile = (ROOT / "Makefile").read_text()
    assert f"--name {notebooks_script.KERNELSPEC['name']}" in makefile
    assert f'--display-name "{notebooks_script.KERNELSPEC["display_name"]}"' in makefile


def test_set_kernelspec_names_the_kernel_in_a_notebook_without_metadata(tmp_path):
    path = tmp_path / "stripped.ipynb"
    notebook = _lesson("stripped")
    notebook.metadata = {}
    nbformat.write(notebook, path)

    first = subprocess.run([sys.executable, str(SCRIPT), "set-kernelspec", str(path)],
                           capture_output=True, text=True, cwd=ROOT)
    again = subprocess.run([sys.executable, str(SCRIPT), "set-kernelspec", str(path)],
                           capture_output=True, text=True, cwd=ROOT)

    assert first.returncode == 0 and first.stdout == f"kernelspec set: {path}\n", first.stderr
    assert again.returncode == 0 and again.stdout == ""  # idempotent
    assert nbformat.read(path, as_version=4).metadata.kernelspec == notebooks_script.KERNELSPEC


def test_learner_branch_commits_the_copy_once_and_again_only_when_a_lesson_changes(tmp_path):
    lessons, repo = tmp_path / "notebooks", tmp_path / "published.git"
    _write(lessons, "01_first.ipynb", "first lesson")
    subprocess.run(["git", "init", "--quiet", "--bare", str(repo)], check=True)
    git = ["git", "-C", str(repo)]

    first = notebooks_script.publish_learner_branch(sorted(lessons.glob("*.ipynb")), repo, "learner")
    again = notebooks_script.publish_learner_branch(sorted(lessons.glob("*.ipynb")), repo, "learner")
    _write(lessons, "02_second.ipynb", "second lesson")
    third = notebooks_script.publish_learner_branch(sorted(lessons.glob("*.ipynb")), repo, "learner")

    assert first and again is None and third
    files = subprocess.run([*git, "ls-tree", "--name-only", "learner"], capture_output=True, text=True).stdout
    assert files.split() == ["01_first.ipynb", "02_second.ipynb"]  # no manifest: each home makes its own
    parent = subprocess.run([*git, "rev-parse", "learner^"], capture_output=True, text=True).stdout.strip()
    assert parent == first
    published = subprocess.run([*git, "show", "learner:01_first.ipynb"], capture_output=True, text=True).stdout
    assert nbformat.reads(published, as_version=4).metadata.kernelspec == notebooks_script.KERNELSPEC


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_lesson_names_the_workbooks_kernel(path):
    # Opened from notebooks/ (make lab) as from the learner copy: no Select Kernel dialog.
    assert nbformat.read(path, as_version=4).metadata.get("kernelspec") == notebooks_script.KERNELSPEC
