"""Every lesson must also hold against the real better-auth from npm.

nbval (configured in pyproject.toml) runs the notebooks against the embedded issuer and compares
every output. Against the real Better Auth the tokens, ids and times differ, so here each
notebook runs top to bottom with ``PLAYGROUND_ISSUER=better-auth`` and only its assertions count:
a lesson that is true of one issuer and not the other fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.kernels import AsyncIpcKernelManager

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def check_notebook(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_ISSUER", "better-auth")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", kernel_manager_class=AsyncIpcKernelManager,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} fails against the real better-auth:\n{exc}", pytrace=False)


def _lesson_class(path: Path) -> type:
    @pytest.mark.node
    def test_notebook_holds_against_the_real_better_auth(self, monkeypatch):
        check_notebook(path, monkeypatch)

    name = "TestRealBetterAuth_" + re.sub(r"\W", "_", path.stem)
    return type(name, (), {"test_notebook_holds_against_the_real_better_auth":
                           test_notebook_holds_against_the_real_better_auth})


# One test class per lesson: `--dist loadscope` keeps a class on one worker, so the lessons spread
# over the workers instead of queueing on one (a parametrized function would be a single scope).
for _path in NOTEBOOKS:
    _class = _lesson_class(_path)
    globals()[_class.__name__] = _class
