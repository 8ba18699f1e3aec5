"""An app module that does at import what only the main thread may: install a signal handler and
ask for the current event loop (both common in real apps' start-up code)."""

import asyncio
import signal
import warnings

from .apps import create_app

signal.signal(signal.SIGTERM, signal.getsignal(signal.SIGTERM))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    asyncio.get_event_loop()

app = create_app()
