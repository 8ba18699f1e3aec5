"""``--app targets.weak:app --env TARGET_WEAKNESS=<name>``: one weak app of ``apps.WEAK``, by name."""

import os

from .apps import WEAK, create_app

app = create_app(WEAK[os.environ["TARGET_WEAKNESS"]])
