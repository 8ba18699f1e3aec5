"""Running ``python -m playground check``, from this folder (where ``targets`` is): as a subprocess
(``check``), or as the same ``main`` called in this process (``check_in_process``).

A subprocess costs a Python start and the checker's imports (~0.5 CPU-s) per run. Tests of what
the command says and returns (its parsing, messages, reports, JUnit, exit codes) call ``main``
here; those where the process itself is the subject (the exit status a shell sees, an app that
hangs or dies, a target that never answers) start it. Either way an ``--app`` runs in a child
process of the checker, as on the command line.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from playground.check.cli import main

HERE = Path(__file__).resolve().parent
ROUTES = ["--protected", "/api/me", "--owner", "/api/users/{user_id}/profile", "--admin", "/api/admin/stats",
          "--public", "/api/public", "--frontend-origin", "http://localhost:5173"]


def check(*args: str, cwd: Path = HERE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def check_in_process(*args: str) -> subprocess.CompletedProcess:
    """``check(*args)``'s result, from ``playground.check.cli.main`` run here with its output captured.
    An exception out of ``main`` is not caught: on the command line it would be a traceback."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(HERE), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own usage errors exit as on the command line
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return subprocess.CompletedProcess(["python", "-m", "playground", "check", *args], code,
                                       stdout.getvalue(), stderr.getvalue())
