"""An app that takes its own process down, where ``TARGET_CRASH`` says: ``exit-at-import``
(``os._exit``), ``segfault-at-import``, or ``exit-without-token`` (``os._exit`` on each request
that carries no Authorization header). It prints at import: that goes to the checker's --app-log."""

import ctypes
import os

from .apps import create_app

CRASH = os.environ.get("TARGET_CRASH", "")
print("crashes.py: imported, about to build the app")  # the app's log, never the report
if CRASH == "exit-at-import":
    os._exit(7)
if CRASH == "segfault-at-import":
    ctypes.string_at(0)

app = create_app()


@app.middleware("http")
async def exit_without_token(request, call_next):
    if CRASH == "exit-without-token" and "authorization" not in request.headers:
        os._exit(3)
    return await call_next(request)
