"""Features the embedded issuer does not have yet, as strict xfails.

A scenario that needs one of these features is marked ``xfail(strict=True)`` on its embedded
side: it still runs, and the day the feature lands it XPASSes, which fails the suite until the
entry is removed here. Never delete a scenario instead.
"""

from __future__ import annotations

import pytest

#: feature -> what is missing (kept short; the lead routes these to the issuer helper)
EMBEDDED_GAPS: dict[str, str] = {}


def gap(*features: str) -> list:
    """Marks for a test that needs ``features`` from the embedded issuer."""
    missing = [f"{feature}: {EMBEDDED_GAPS[feature]}" for feature in features if feature in EMBEDDED_GAPS]
    if not missing:
        return []
    return [pytest.mark.xfail(strict=True, reason="embedded issuer lacks " + "; ".join(missing))]
