"""Running ``python -m playground check`` as a subprocess, from this folder (where ``targets`` is)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROUTES = ["--protected", "/api/me", "--owner", "/api/users/{user_id}/profile", "--admin", "/api/admin/stats",
          "--public", "/api/public", "--frontend-origin", "http://localhost:5173"]


def check(*args: str, cwd: Path = HERE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
