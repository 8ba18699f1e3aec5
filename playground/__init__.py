"""The embedded playground of the Better Auth -> FastAPI workbook.

``playground.start()`` is the one call a notebook makes: it runs a Better Auth-compatible auth
server and the reference FastAPI backend on free loopback ports and returns their handle.
"""

from playground.clock import DEMO_EPOCH, Clock
from playground.runtime import Playground, start, stop
from playground.servers import PlaygroundStartError

__all__ = ["DEMO_EPOCH", "Clock", "Playground", "PlaygroundStartError", "start", "stop"]
