"""The checker's targets live in ``tests/check/targets``: importable as ``targets`` here and, for
``--app targets.careful:app``, from this directory as the working directory."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
