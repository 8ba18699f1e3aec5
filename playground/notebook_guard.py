"""A lesson cell run on its own in a fresh kernel says so in one line, not with a bare NameError.

Every lesson builds on its earlier cells (``pg``, ``token``, ...). Opened cold and run from the
middle, a cell fails with ``NameError: name 'token' is not defined`` and a traceback that points
at the learner's code instead of at the missing step. This IPython extension catches a NameError
for a name the lesson itself defines and shows one line instead::

    NameError: name 'token' is not defined. This cell needs the cells above it: run the lesson
    from the top (Run ▸ Run All Cells)

(on one line). Any other NameError, such as a typo, keeps IPython's usual traceback. The cell still
fails, so "Run All" stops there as before.

Which lesson: the notebook the kernel serves (VS Code puts its path in ``__vsc_ipynb_file__``,
Jupyter Server in ``JPY_SESSION_NAME``); when neither is known, any lesson of the workbook.
The workbook's kernel loads the extension through ``ipython_kernel_config.py`` in the
environment (``make setup`` writes it); elsewhere ``%load_ext playground.notebook_guard``.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

WORKBOOK_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
RUN_FROM_THE_TOP = "This cell needs the cells above it: run the lesson from the top (Run ▸ Run All Cells)"


def defined_names(sources: Iterable[str], to_python: Callable[[str], str] = lambda source: source) -> frozenset[str]:
    """The global names the given cells bind (assignments, imports, defs, loop and with targets).

    ``to_python`` turns a cell with IPython syntax (``%magic``, ``!cmd``) into Python; a cell that
    still does not parse binds nothing.
    """
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(to_python(source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
    return frozenset(names)


def code_cell_sources(notebook_path: Path) -> list[str]:
    cells = json.loads(notebook_path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def current_notebook(user_namespace: dict, environ: dict[str, str] = os.environ) -> Path | None:
    for candidate in (user_namespace.get("__vsc_ipynb_file__"), environ.get("JPY_SESSION_NAME")):
        if candidate and str(candidate).endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate)
    return None


@lru_cache(maxsize=32)
def _lesson_names(notebooks: tuple[tuple[Path, int], ...], to_python: Callable[[str], str]) -> frozenset[str]:
    return defined_names((source for path, _ in notebooks for source in code_cell_sources(path)), to_python)


def lesson_names(user_namespace: dict, to_python: Callable[[str], str]) -> frozenset[str]:
    """Names the running lesson defines, or any workbook lesson when the notebook is unknown."""
    notebook = current_notebook(user_namespace)
    paths = [notebook] if notebook else sorted(WORKBOOK_NOTEBOOKS.glob("*.ipynb"))
    # Keyed by modification time too: a lesson edited while the kernel runs is read again.
    return _lesson_names(tuple((path, path.stat().st_mtime_ns) for path in paths), to_python)


def one_line_message(error: NameError) -> str:
    return f"NameError: {error}. {RUN_FROM_THE_TOP}"


def _show_name_error(shell, etype, value, tb, tb_offset=None):
    # IPython calls this for every NameError in a cell; it must display the error itself.
    to_python = shell.transform_cell
    if getattr(value, "name", None) in lesson_names(shell.user_ns, to_python):
        structured_traceback = [one_line_message(value)]
        shell._showtraceback(etype, value, structured_traceback)
        return structured_traceback
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
    return None


def load_ipython_extension(ipython) -> None:
    ipython.set_custom_exc((NameError,), _show_name_error)


def unload_ipython_extension(ipython) -> None:
    ipython.set_custom_exc((), None)
