"""Every check an exercise names can be called in the learner copy.

The learner copy drops the solution cells (``make learner-copy``), so a ``check_…`` that only a
solution imports is a NameError for the learner: lessons 03c, 05 and 05b shipped that way once.
Here the names an exercise's text tells the learner to call must be bound by the cells that
remain: an import, or a module imported under that name.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
CALLED = re.compile(r"`(?:await )?(?:([A-Za-z_]\w*)\.)?(check_\w+)\(")


def _learner_bindings(cells: list[dict]) -> set[str]:
    """Names bound by the code cells a learner keeps (every cell but the solutions)."""
    names: set[str] = set()
    for cell in cells:
        if cell["cell_type"] != "code" or "solution" in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%")))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _named_checks(cells: list[dict]) -> list[tuple[str | None, str]]:
    """(module or None, check name) for every check_ call an exercise's text names."""
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    exercises = text[text.index("## Exercises"):]
    return CALLED.findall(exercises)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_named_check_is_bound_without_the_solutions(path):
    cells = json.loads(path.read_text())["cells"]
    named = _named_checks(cells)
    assert named, f"{path.name}: its exercises name no check_ call"
    bound = _learner_bindings(cells)
    unbound = sorted({f"{module}.{name}" if module else name for module, name in named
                      if (module or name) not in bound})
    assert not unbound, f"{path.name}: only a solution cell binds {unbound}: the learner copy cannot call it"


def test_a_check_imported_only_by_a_solution_is_reported():
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["## Exercises\n", "Run `check_it(x)`."]},
        {"cell_type": "code", "metadata": {}, "source": ["# your code here"]},
        {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": ["from m import check_it"]},
    ]
    assert _named_checks(cells) == [("", "check_it")]
    assert "check_it" not in _learner_bindings(cells)
    cells[1]["source"] = ["# your code here\n", "from m import check_it"]
    assert "check_it" in _learner_bindings(cells)
