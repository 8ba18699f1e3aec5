"""Strings as JavaScript writes them, for the places where Better Auth's bytes are the contract.

A JavaScript string is UTF-16 and may hold a lone surrogate (``"\\ud800"``): Better Auth accepts
one in any string field of a JSON body and stores it. Python reads the same JSON escape into a
``str`` that UTF-8 cannot encode, so every place that turns a string into bytes must do what V8
does, or the embedded issuer answers 500 where the real one answers 200:

* ``stringify``: ``JSON.stringify`` (ES2019, "well-formed"): compact, non-ASCII written as is, a
  lone surrogate written as its ``\\uXXXX`` escape (lower-case hex). Responses, JWT payloads and
  cookie-cache payloads are built with it, so their bytes (and the signatures over them) match.
* ``usv_string``: WebIDL's ``USVString`` conversion, each lone surrogate replaced by U+FFFD: what
  ``new URL(...)`` parses (a ``callbackURL`` holding one is a URL with U+FFFD in it, not an error).
* ``utf8``: ``TextEncoder.encode``: UTF-8 of the ``USVString`` (what scrypt hashes when a password
  holds a lone surrogate).
"""

from __future__ import annotations

import json
import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _paired(text: str) -> str:
    # A high surrogate followed by a low one is one character to JavaScript: join such pairs first.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def stringify(value: Any) -> str:
    """``JSON.stringify(value)`` of JSON-shaped data, member order kept."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if not _LONE_SURROGATE.search(text):
        return text  # nearly always: nothing to escape
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", _paired(text))


def usv_string(text: str) -> str:
    """``text`` as a ``USVString``: lone surrogates become U+FFFD, pairs one character."""
    if not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub("\ufffd", _paired(text))


def utf8(text: str) -> bytes:
    """``new TextEncoder().encode(text)``."""
    return usv_string(text).encode()
