"""Stopping a server a test started, on a loaded machine too: ask, wait a bounded time, then kill.

A Jupyter server starts its kernels in sessions of their own, so killing the server alone would
leave them running: its descendants are listed before it is asked to stop, and any still alive
once it is gone are killed as well.
"""

from __future__ import annotations

import subprocess

import psutil

#: What a descendant gets to exit on its own once its parent is gone (a kernel told to shut down).
DESCENDANTS_GRACE = 10.0


def stop(process: subprocess.Popen, *, grace: float = 30.0, asked: bool = False) -> None:
    """Stop ``process`` and everything it started; SIGTERM unless ``asked`` (already told to stop,
    e.g. through its API), SIGKILL for whatever is still running ``grace`` seconds later."""
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if not asked and process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=grace)
        descendants_grace = DESCENDANTS_GRACE  # it exited itself: it has told them to stop
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)  # SIGKILL cannot be refused
        descendants_grace = 0  # killed: nothing told them to stop
    _, alive = psutil.wait_procs(descendants, timeout=descendants_grace)
    for survivor in alive:
        try:
            survivor.kill()  # psutil checks the creation time first: never a reused pid
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)
