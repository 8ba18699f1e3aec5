"""Every lesson must also hold against the real better-auth from npm.

nbval (configured in pyproject.toml) runs the notebooks against the embedded issuer and compares
every output. Against the real Better Auth the tokens, ids and times differ, so here each
notebook runs top to bottom with ``PLAYGROUND_ISSUER=better-auth`` and only its assertions count:
a lesson that is true of one issuer and not the other fails.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.node
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_holds_against_the_real_better_auth(path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_ISSUER", "better-auth")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} fails against the real better-auth:\n{exc}", pytrace=False)
