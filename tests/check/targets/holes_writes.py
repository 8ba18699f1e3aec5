"""Targets with one hole each in what a write lets a caller change (see ``cases_writes``). ``HOLES``
maps a required case id to ``(factory, settings)``, as ``holes.HOLES`` does."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

HOLES: dict[str, tuple[Callable[[], FastAPI], dict[str, Any]]] = {}
