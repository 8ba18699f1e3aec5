"""``scripts/notebooks.py`` imported as a module (scripts/ is no package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "notebooks.py"

_spec = importlib.util.spec_from_file_location("workbook_notebooks_script_workshop", SCRIPT)
notebooks_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks_script)
