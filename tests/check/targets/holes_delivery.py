"""Targets with one hole each in where a token comes from and how its claims are read (see
``cases_delivery``). ``HOLES`` maps a required case id to ``(factory, settings)``, as ``holes.HOLES`` does."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

HOLES: dict[str, tuple[Callable[[], FastAPI], dict[str, Any]]] = {}
