"""Keep the workbook's answers out of sight: solution cells are stored hidden and without output,
and learners get a copy in which the answers are not there at all.

A lesson's exercise is a learner cell (a code cell starting with ``# your code here``) followed by
one or more code cells tagged ``solution``. CI executes the solutions (nbval runs a cell stored
without an execution count but does not compare its output), so a broken answer still fails,
while GitHub, VS Code and JupyterLab show nothing under the question.

    python scripts/notebooks.py strip-solutions notebooks/01_jwt_anatomy.ipynb ...
    python scripts/notebooks.py learner-copy [--out build/learner] [NOTEBOOKS...]

``strip-solutions`` is idempotent and rewrites a file only when something changes.
``learner-copy`` is generated, never hand-edited (fastbook's ``clean/`` copy): every output and
execution count is cleared, and each solution cell is dropped when its exercise already has a
learner cell, or replaced by a placeholder that runs harmlessly when it has none.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
DEFAULT_LEARNER_DIR = ROOT / "build" / "learner"

SOLUTION_TAG = "solution"
LEARNER_CELL_MARKER = "# your code here"
SOLUTION_PLACEHOLDER = "# YOUR SOLUTION HERE\n"
NBFORMAT_VERSION = 4


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def is_learner_cell(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().lower().startswith(LEARNER_CELL_MARKER)


def strip_solutions(notebook: nbformat.NotebookNode) -> bool:
    """Hide every solution cell and drop its output; True when the notebook changed."""
    changed = False
    for cell in filter(is_solution, notebook.cells):
        jupyter_metadata = cell.metadata.setdefault("jupyter", {})
        if cell.outputs or cell.execution_count is not None or jupyter_metadata.get("source_hidden") is not True:
            changed = True
        cell.outputs = []
        cell.execution_count = None
        jupyter_metadata["source_hidden"] = True
    return changed


def learner_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook a learner works in: no answers, no outputs, nothing executed."""
    learner = copy.deepcopy(notebook)
    cells = []
    exercise_has_learner_cell = False
    for cell in learner.cells:
        if is_solution(cell):
            if exercise_has_learner_cell:
                continue  # the learner writes the answer in the exercise's own cell
            cell.source = SOLUTION_PLACEHOLDER
            cell.metadata.pop("jupyter", None)
        else:
            exercise_has_learner_cell = is_learner_cell(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    learner.cells = cells
    return learner


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=NBFORMAT_VERSION)


def _command_strip_solutions(paths: Iterable[Path]) -> int:
    for path in paths:
        notebook = _read(path)
        if strip_solutions(notebook):
            nbformat.write(notebook, path)
            print(f"stripped solutions: {path}")
    return 0


def _command_learner_copy(paths: Sequence[Path], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nbformat.write(learner_version(_read(path)), out / path.name)
    print(f"learner copy of {len(paths)} notebooks in {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notebooks.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    strip = commands.add_parser("strip-solutions", help="hide solution cells and drop their outputs")
    strip.add_argument("notebooks", nargs="+", type=Path)
    learner = commands.add_parser("learner-copy", help="write the learners' copy, without answers")
    learner.add_argument("--out", type=Path, default=DEFAULT_LEARNER_DIR)
    learner.add_argument("notebooks", nargs="*", type=Path,
                         help="default: every notebook in notebooks/")
    args = parser.parse_args(argv)

    missing = [path for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(map(str, missing))}")
    if args.command == "strip-solutions":
        return _command_strip_solutions(args.notebooks)
    return _command_learner_copy(args.notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb")), args.out)


if __name__ == "__main__":
    sys.exit(main())
