"""The workbook's answers stay hidden, and the learners' copy has none yet still runs.

Covers ``scripts/notebooks.py`` (strip-solutions, learner-copy) on the committed lessons: no
notebook shows a solution's output, every exercise has a learner cell and a solution, the
learner copy carries no solution code, and it runs without error up to its first exercise.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.kernels import AsyncIpcKernelManager

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "notebooks.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("workbook_notebooks_script", SCRIPT)
notebooks_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks_script)


def _run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT)


def _run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The script's ``main`` in this process: (exit code, stdout, stderr). A new Python costs ~1 s
    of CPU here (nbformat's import); the command line itself is run in the usage-error test."""
    code = notebooks_script.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _lesson_with_an_exercise() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    solution = v4.new_code_cell("answer = 6 * 7\nassert answer == 42\nanswer",
                                metadata={"tags": ["solution"]}, execution_count=3,
                                outputs=[v4.new_output("execute_result", {"text/plain": "42"}, execution_count=3)])
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("# Lesson\nWhat you will learn"),
        v4.new_code_cell("x = 1", execution_count=1),
        v4.new_markdown_cell("## Exercises\n1. Compute the answer."),
        v4.new_code_cell("# your code here", execution_count=2),
        solution,
        v4.new_markdown_cell("2. An exercise whose solution stands alone."),
        v4.new_code_cell("second = x + 1", metadata={"tags": ["solution"]}, execution_count=4),
    ])


def _code_sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_strip_solutions_hides_the_answer_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "lesson.ipynb"
    nbformat.write(_lesson_with_an_exercise(), path)

    first_code, first_out, first_err = _run_main(capsys, "strip-solutions", str(path))
    stripped_bytes = path.read_bytes()
    second_code, second_out, second_err = _run_main(capsys, "strip-solutions", str(path))

    assert first_code == 0 and second_code == 0, first_err + second_err
    assert first_out == f"stripped solutions: {path}\n"
    assert path.read_bytes() == stripped_bytes and second_out == ""
    cells = nbformat.read(path, as_version=4).cells
    for cell in (cells[4], cells[6]):
        assert cell.outputs == [] and cell.execution_count is None
        assert cell.metadata["jupyter"]["source_hidden"] is True
    assert cells[1].execution_count == 1 and cells[3].execution_count == 2  # other cells untouched


def test_nbstripout_after_strip_solutions_keeps_them_unexecuted(tmp_path, capsys):
    # `make refresh-notebooks` runs nbstripout --keep-count last: it must not undo the stripping.
    path = tmp_path / "lesson.ipynb"
    nbformat.write(_lesson_with_an_exercise(), path)
    assert _run_main(capsys, "strip-solutions", str(path))[0] == 0
    subprocess.run([sys.executable, "-m", "nbstripout", "--keep-output", "--keep-count", str(path)], check=True)
    solution = nbformat.read(path, as_version=4).cells[4]
    assert solution.execution_count is None and solution.metadata["jupyter"]["source_hidden"] is True


def test_a_missing_notebook_is_a_usage_error(tmp_path):
    result = _run_script("strip-solutions", str(tmp_path / "nope.ipynb"))
    assert result.returncode == 2 and "no such notebook" in result.stderr


def test_learner_version_drops_answers_and_keeps_every_other_cell():
    lesson = _lesson_with_an_exercise()
    learner = notebooks_script.learner_version(lesson)

    # The exercise with a learner cell loses its solution; the one without gets a harmless placeholder.
    assert _code_sources(learner) == ["x = 1", "# your code here", notebooks_script.SOLUTION_PLACEHOLDER]
    assert [c.source for c in learner.cells if c.cell_type == "markdown"] == \
        [c.source for c in lesson.cells if c.cell_type == "markdown"]
    assert all(c.outputs == [] and c.execution_count is None for c in learner.cells if c.cell_type == "code")
    assert lesson.cells[4].outputs, "the source notebook is not modified"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_shows_no_solution_output(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if notebooks_script.is_solution(cell):
            assert cell.outputs == [], f"cell {index}: a solution is stored with its output"
            assert cell.execution_count is None, f"cell {index}: a solution is stored executed"
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"cell {index} is not collapsed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_learner_cell_and_a_solution(path):
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    learner_cells = [i for i, cell in enumerate(code) if notebooks_script.is_learner_cell(cell)]
    assert learner_cells, "a lesson ends with exercises: each gets a `# your code here` cell"
    for i in learner_cells:
        assert i + 1 < len(code) and notebooks_script.is_solution(code[i + 1]), \
            f"exercise cell {code[i].source!r} is not followed by a `solution` cell"
    for i, cell in enumerate(code):
        if notebooks_script.is_solution(cell):
            owner = next(c for c in reversed(code[:i]) if not notebooks_script.is_solution(c))
            assert notebooks_script.is_learner_cell(owner), \
                f"solution {cell.source[:40]!r} has no `# your code here` cell before it"


def test_learner_copy_contains_no_solution_code(tmp_path, capsys):
    code, out, err = _run_main(capsys, "learner-copy", "--out", str(tmp_path))
    assert code == 0 and out.endswith(f"learner copy of {len(NOTEBOOKS)} notebooks in {tmp_path}\n"), err

    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        learner = nbformat.read(tmp_path / path.name, as_version=4)
        solutions = [c.source for c in original.cells if notebooks_script.is_solution(c)]
        learner_code = _code_sources(learner)
        for solution in solutions:
            assert solution not in learner_code, f"{path.name}: solution code in the learner copy"
        assert [s for s in learner_code if s != notebooks_script.SOLUTION_PLACEHOLDER] == \
            [c.source for c in original.cells if c.cell_type == "code" and not notebooks_script.is_solution(c)]
        assert all(c.outputs == [] and c.execution_count is None
                   for c in learner.cells if c.cell_type == "code"), path.name


def _prefix_before_first_exercise(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    prefix = []
    for cell in notebook.cells:
        if notebooks_script.is_learner_cell(cell) or cell.source == notebooks_script.SOLUTION_PLACEHOLDER:
            break
        prefix.append(cell)
    return prefix


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_copy_is_the_lesson_itself_up_to_the_first_exercise(path):
    # nbval runs every lesson in full; up to its first exercise the learner copy is the same code,
    # and the lessons find files through playground.__file__, never the working directory. So the
    # learner copy runs there whenever the lesson does (one copy is executed for real below).
    original = nbformat.read(path, as_version=4)
    learner = notebooks_script.learner_version(original)
    prefix = [c.source for c in _prefix_before_first_exercise(learner) if c.cell_type == "code"]
    assert prefix, f"{path.name} has no code before its first exercise"
    assert prefix == [c.source for c in _prefix_before_first_exercise(original) if c.cell_type == "code"]
    for cell in learner.cells:
        if cell.cell_type == "code":
            compile(cell.source, path.name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)  # as a kernel runs it


def test_a_learner_copy_runs_up_to_its_first_exercise_away_from_the_lessons(tmp_path):
    path = next(p for p in NOTEBOOKS if p.name.startswith("01_"))
    learner = notebooks_script.learner_version(nbformat.read(path, as_version=4))
    learner.cells = _prefix_before_first_exercise(learner)
    # Run where the learner copy lives (not next to the lessons), in the workbook's own kernel.
    client = NotebookClient(learner, timeout=120, kernel_name="python3", kernel_manager_class=AsyncIpcKernelManager,
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"the learner copy of {path.name} fails before its first exercise:\n{exc}", pytrace=False)


# The notebook guard (playground/notebook_guard.py), loaded by the workbook's kernel config.

def test_defined_names_sees_every_way_a_cell_binds_a_global():
    from playground.notebook_guard import defined_names

    cells = ["import jwt\nfrom a.b import c as d\nimport os.path",
             "x, (y, z) = 1, (2, 3)\nfor i in range(2): pass\nwith open('f') as handle: pass",
             "def check(arg): local = 1\nclass Thing: pass\nresult = await check(1)",
             "%time broken syntax ("]
    assert defined_names(cells) == {"jwt", "d", "os", "x", "y", "z", "i", "handle", "check", "local",
                                    "Thing", "result"}


KERNEL_CONFIG = Path(sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.py"


def _run_alone(source: str, **kernel_options) -> dict:
    """Run one cell in a fresh workbook kernel (config as `make setup` installs it); its error output."""
    installed = KERNEL_CONFIG.read_text() if KERNEL_CONFIG.is_file() else None
    assert installed == (ROOT / "scripts" / "ipython_kernel_config.py").read_text(), \
        f"{KERNEL_CONFIG} is missing or stale: run `make setup` (it installs the notebook guard's config)"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", kernel_manager_class=AsyncIpcKernelManager)
    with pytest.raises(CellExecutionError):
        client.execute(**kernel_options)
    (error,) = [output for output in notebook.cells[0].outputs if output.output_type == "error"]
    return error


def test_a_middle_cell_run_alone_fails_with_one_line_saying_run_from_the_top():
    lesson = nbformat.read(ROOT / "notebooks" / "01_jwt_anatomy.ipynb", as_version=4)
    lesson_code = [cell.source for cell in lesson.cells if cell.cell_type == "code"
                   and not notebooks_script.is_solution(cell) and not notebooks_script.is_learner_cell(cell)]

    error = _run_alone(lesson_code[-1])  # the lesson's last step needs names from the steps before

    assert error.ename == "NameError", "the cell still fails, so Run All stops there"
    (line,) = error.traceback
    assert re.fullmatch(r"NameError: name '\w+' is not defined\. This cell needs the cells above it: "
                        r"run the lesson from the top \(Run ▸ Run All Cells\)", line), line


def test_a_typo_keeps_the_usual_traceback():
    error = _run_alone("tokne_not_in_any_lesson")
    assert error.ename == "NameError" and len(error.traceback) > 1
    assert not any("run the lesson from the top" in line for line in error.traceback)


def test_under_jupyter_server_only_the_served_notebooks_names_count(tmp_path):
    import os

    # Jupyter Server tells the kernel its notebook (JPY_SESSION_NAME): only that lesson's names count.
    lesson = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("only_here = 1")]), lesson)
    env = {**os.environ, "JPY_SESSION_NAME": str(lesson)}

    assert "run the lesson from the top" in _run_alone("only_here", env=env).traceback[-1]
    assert len(_run_alone("pg", env=env).traceback) > 1, "pg is not defined by this notebook"
