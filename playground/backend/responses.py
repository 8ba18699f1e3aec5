"""The JSON response every route and every refusal uses: it can write any string Better Auth signed.

Better Auth is JavaScript, and a JavaScript string may hold a lone UTF-16 surrogate (``"\\ud800"``):
Better Auth accepts one in a profile field, stores it, and signs a JWT carrying it as the JSON
escape ``\\ud800``. Python reads that escape into a ``str`` that UTF-8 cannot encode, so Starlette's
``JSONResponse`` (``ensure_ascii=False`` then ``.encode("utf-8")``) would answer 500 for a token the
API just verified. Here such a body is written the way Better Auth writes it: all of it as ASCII
JSON, every character outside ASCII as its ``\\uXXXX`` escape. Any other body stays as Starlette
writes it (UTF-8, byte for byte), so the common case costs one ``encode`` and nothing more.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse as StarletteJSONResponse


class JSONResponse(StarletteJSONResponse):
    """Starlette's ``JSONResponse``, which falls back to ASCII escapes instead of failing on a surrogate."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            # Only a lone surrogate gets here (every other str encodes): RFC 8259 section 7 spells
            # it as a \u escape, as JavaScript's JSON.stringify does.
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
