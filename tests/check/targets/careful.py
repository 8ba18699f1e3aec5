"""``--app targets.careful:app``: the careful target, built from the environment at import."""

from .apps import create_app

app = create_app()
