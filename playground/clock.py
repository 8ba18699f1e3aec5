"""The injectable clock shared by the issuer and the backend.

Lessons need two things a wall clock cannot give: outputs that are identical on every run
(so nbval can compare them) and a way to move time (expiry, clock skew). Every component that
reads the time takes a ``Clock`` instead of calling ``time.time()``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

#: The instant the embedded default playground is frozen at: 2026-01-01T09:00:00Z.
DEMO_EPOCH = 1767258000.0


class Clock:
    """Seconds since the epoch, either following the system clock or frozen, plus an offset.

    ``shift`` moves this clock only: it is how a lesson reproduces an issuer and a backend
    whose clocks disagree.
    """

    def __init__(self, frozen_at: float | None = None, offset: float = 0.0) -> None:
        self._frozen_at = frozen_at
        self._offset = offset
        self._lock = threading.Lock()

    @classmethod
    def system(cls) -> Clock:
        return cls()

    @classmethod
    def frozen(cls, at: float = DEMO_EPOCH) -> Clock:
        return cls(frozen_at=at)

    @property
    def is_frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> float:
        base = time.time() if self._frozen_at is None else self._frozen_at
        return base + self._offset

    def shift(self, seconds: float) -> None:
        """Move this clock forward (or back, with a negative value) by ``seconds``."""
        with self._lock:
            self._offset += seconds

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def __repr__(self) -> str:
        mode = "system" if self._frozen_at is None else f"frozen at {self._frozen_at:.0f}"
        return f"Clock({mode}, offset={self._offset:+.0f}s)"
