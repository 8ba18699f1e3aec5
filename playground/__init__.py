"""The embedded playground of the Better Auth -> FastAPI workbook.

``playground.start()`` is the one call a notebook makes: it runs a Better Auth-compatible auth
server and the reference FastAPI backend on free loopback ports and returns their handle.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.clock import DEMO_EPOCH, Clock
    from playground.runtime import Playground, start, stop
    from playground.servers import PlaygroundStartError

__all__ = ["DEMO_EPOCH", "Clock", "Playground", "PlaygroundStartError", "start", "stop"]

# The public names load on first use (PEP 562): `python -m playground check ...` and every
# other subcommand import this package first, and the runtime pulls in FastAPI, uvicorn and the
# issuer, which a checker run's bad input or --help never needs.
_HOMES = {
    "DEMO_EPOCH": "playground.clock",
    "Clock": "playground.clock",
    "Playground": "playground.runtime",
    "start": "playground.runtime",
    "stop": "playground.runtime",
    "PlaygroundStartError": "playground.servers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'playground' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
