"""An app module that exits while it is imported (a setup problem the checker must explain)."""

import sys

sys.exit(3)
