"""Run one scenario against both servers and fail with a readable diff when they disagree."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from .servers import EMBEDDED, REAL, Target
from .shapes import assert_same

Scenario = Callable[[Target], Any]

# Parametrise a per-server test over both kinds; the real one needs Node.
BOTH = [pytest.param(REAL, marks=pytest.mark.node, id=REAL), pytest.param(EMBEDDED, id=EMBEDDED)]


def conforms(
    pool, option_set: str, scenario: Scenario, *, what: str | None = None, parallel: bool = True, **variant
) -> tuple[Any, Any]:
    """Observe ``scenario`` on the real Better Auth (the reference) and on the embedded issuer.

    Both run at once (``parallel=True``): the servers are separate processes/threads, and the
    suite spends most of its time waiting on scrypt and key generation."""
    real = pool.get(REAL, option_set, **variant)
    embedded = pool.get(EMBEDDED, option_set, **variant)
    if parallel:
        with ThreadPoolExecutor(max_workers=2) as executor:
            expected_future, actual_future = executor.submit(scenario, real), executor.submit(scenario, embedded)
            expected, actual = expected_future.result(), actual_future.result()
    else:
        expected = scenario(real)
        actual = scenario(embedded)
    assert_same(
        expected,
        actual,
        expected_name=real.label,
        actual_name=embedded.label,
        what=f"scenario {what or scenario.__name__!r} (option set {option_set!r})",
    )
    return expected, actual
