"""pytest plugin for ``scripts/mutate_checker.py``: makes one checker case always pass.

``PLAYGROUND_CHECK_MUTANT=<case id>`` replaces that case's run function (in ``playground.check.CASES``,
the list the engine reads) by one that passes without sending anything: the tests that still
pass would also pass a checker blind to that hole.
"""

from __future__ import annotations

import dataclasses
import os


def pytest_configure(config) -> None:
    case_id = os.environ.get("PLAYGROUND_CHECK_MUTANT")
    if not case_id:
        return
    from playground.check import CASES, Outcome

    index = next(i for i, case in enumerate(CASES) if case.id == case_id)
    CASES[index] = dataclasses.replace(CASES[index], run=lambda ctx: Outcome(True, []))
