"""Shape-diff: compare what two servers answered by structure, not by random values.

Two servers that both follow Better Auth never return the same ids, tokens or timestamps, so
the suite compares *shapes*: JSON key sets with value kinds (``id32``, ``iso-datetime``,
``jwt``, ...), plus the few values that must be equal (error codes and messages, the demo
user's profile). ``diff(expected, actual)`` lists every difference as one readable line.
"""

from __future__ import annotations

import re
from typing import Any

MISSING = "<missing>"

# Strict patterns only: a value that matches none of them is just "str", so an ordinary name or
# email never produces a false divergence.
_KINDS = [
    ("iso-datetime", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")),
    ("id32", re.compile(r"^[A-Za-z0-9]{32}$")),
    ("signed-session-token", re.compile(r"^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$")),
    ("signed-session-token(percent-encoded)", re.compile(r"^[A-Za-z0-9]{32}\.(?:[A-Za-z0-9]|%2B|%2F){43}%3D$")),
    ("jws", re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")),
    ("jwe", re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")),
    ("base64url", re.compile(r"^[A-Za-z0-9_-]{16,}$")),
]


def kind(value: Any) -> str:
    """The kind of one JSON scalar: ``null``, ``bool``, ``int``, ``float`` or a string kind."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "int" if value.is_integer() else "float"
    if isinstance(value, str):
        if value == "":
            return "empty-str"
        for name, pattern in _KINDS:
            if pattern.match(value):
                return name
        return "str"
    return type(value).__name__


def shape(value: Any) -> Any:
    """Dicts keep their keys, lists become ``["list", *distinct element shapes]``, scalars their kind."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        distinct: list[Any] = []
        for item in value:
            item_shape = shape(item)
            if item_shape not in distinct:
                distinct.append(item_shape)
        return ["list", *distinct]
    return kind(value)


def diff(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every difference between two observations, one line each (``path: expected X, got Y``)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in list(expected) + [k for k in actual if k not in expected]:
            lines += diff(expected.get(key, MISSING), actual.get(key, MISSING), f"{path}.{key}")
        return lines
    if expected == actual:
        return []
    return [f"{path}: expected {_show(expected)}, got {_show(actual)}"]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def assert_same(expected: Any, actual: Any, *, expected_name: str, actual_name: str, what: str) -> None:
    """Fail with a readable, line-per-difference message when the two observations differ."""
    lines = diff(expected, actual)
    if lines:
        listing = "\n  ".join(lines)
        raise AssertionError(
            f"{actual_name} diverges from {expected_name} in {what} "
            f"({len(lines)} difference{'s' if len(lines) > 1 else ''}; expected = {expected_name}):\n  {listing}"
        )
