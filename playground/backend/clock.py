"""What the backend needs from a clock: ``now()`` in epoch seconds, and nothing else.

Every time check (``exp``, ``iat``, ``nbf``, a session's ``expiresAt``) reads *now* from an
injected clock instead of calling ``time.time()``, so tests and lessons can freeze or shift time.
The backend depends only on this protocol: any object with ``now() -> float`` will do (the
workbook passes its own ``playground.clock.Clock``), which keeps this package free of imports
from outside it.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...


class SystemClock:
    """The wall clock: what production uses when no clock is passed."""

    def now(self) -> float:
        return time.time()
