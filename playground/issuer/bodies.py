"""Request bodies read the way better-call's ``getBody`` reads them, in linear time and bounded memory.

The embedded issuer runs inside a notebook kernel or a 2-core playground, so a hostile body must
never stall it. Limits follow the content type, as the real server's do: a body without a
``Content-Type`` or of a type the endpoint does not take is never read (better-call passes no body,
or answers 415, whatever its size); a JSON or form body is read up to ``MAX_BODY_BYTES`` and
parsed, so its own validation error answers (the real Better Auth has no cap at all: beyond 4 MiB,
where no client of an auth endpoint ever goes, this one answers 413). Every parse is linear in the
body's size, a form costs memory only per distinct field name, and bodies large enough to take
noticeable CPU are parsed in a worker thread, off the event loop.

JSON is read as V8's ``JSON.parse`` reads it (``better-call/dist/utils.mjs``): UTF-8 decoded with
replacement characters, no ``NaN``/``Infinity`` literals, numbers as doubles (a huge integer is
``Infinity``), duplicate keys resolved by the last one, and no depth limit: where Python's parser
gives up (~1000 levels) the whole text is checked against the JSON grammar without recursion,
then parsed shallowly (containers below a member's value are emptied: their type and length are
all the endpoints' validation looks at).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from playground.issuer.errors import AuthError

#: The largest JSON or form body read (413 beyond it, in Better Auth's error shape).
MAX_BODY_BYTES = 4 << 20
#: Bodies above this size are parsed in a worker thread so the event loop keeps answering.
OFF_LOOP_BYTES = 32 << 10

MISSING = object()  # no body at all (JavaScript's undefined)

JSON_ONLY = ("application/json",)
FORM_OR_JSON = ("application/x-www-form-urlencoded", "application/json")
_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]*\+)?json", re.IGNORECASE)

# One JSON token per match at a given position; possessive quantifiers never backtrack, so the
# scan is linear. Groups: 1 string, 2 other scalar, 3 punctuation.
_JSON_TOKEN = re.compile(
    r'[ \t\n\r]*+(?:("(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+")'
    r"|(-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][+-]?[0-9]++)?+|true|false|null)|([\[\]{}:,]))"
)
_TRAILING_SPACE = re.compile(r"[ \t\n\r]*+")
_FORM_SLICE = 64 << 10  # characters of a form split at once
_SHALLOW_DEPTH = 3


class BodyTooLarge(AuthError):
    def __init__(self) -> None:
        super().__init__(413, "PAYLOAD_TOO_LARGE", "Request body too large")


async def read_body(request: Request, allowed: tuple[str, ...]) -> Any:
    """The body as better-call's ``getBody`` sees it: JSON, a form, or absent (``MISSING``)."""
    content_type = request.headers.get("content-type", "")
    if not content_type:
        return MISSING  # Better Auth's Node adapter passes no body without a type, unread
    if content_type.split(";")[0].strip().lower() not in allowed:
        if not await _has_body(request):
            return MISSING  # an empty body is no body, whatever its type
        listed = ", ".join(allowed)
        message = f'Content-Type "{content_type}" is not allowed. Allowed types: {listed}'
        raise AuthError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge()
    if not raw:
        return MISSING
    parse = parse_json if _JSON_TYPE.match(content_type) else parse_form
    if len(raw) > OFF_LOOP_BYTES:
        return await run_in_threadpool(parse, bytes(raw))
    return parse(bytes(raw))


async def _has_body(request: Request) -> bool:
    """Whether any body byte arrives; reads no further than the first chunk that has one."""
    async for chunk in request.stream():
        if chunk:
            return True
    return False


def parse_form(raw: bytes) -> dict[str, str]:
    """``URLSearchParams``: blank values kept, the last of duplicate names wins.

    Slice by slice into one dict (``parse_qsl`` builds a list of every pair first): a body of a
    million repeated fields costs one entry and a slice's worth of strings, not a million tuples.
    """
    text = raw.decode("utf-8", "replace")
    form: dict[str, str] = {}
    start = 0
    while start < len(text):
        end = text.find("&", start + _FORM_SLICE)
        end = len(text) if end < 0 else end
        for field in text[start:end].split("&"):
            if field:
                name, _, value = field.partition("=")
                if "%" in field or "+" in field:
                    name, value = unquote_plus(name), unquote_plus(value)
                form[name] = value
        start = end + 1
    return form


def parse_json(raw: bytes) -> Any:
    """``JSON.parse`` of the UTF-8 text; ``AuthError(400, "BAD_REQUEST")`` when it is not JSON."""
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    try:
        try:
            return _loads(text)
        except RecursionError:
            return _loads(_flatten(text))
    except (ValueError, RecursionError):
        raise AuthError(400, "BAD_REQUEST") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _number(literal: str) -> int | float:
    """JavaScript numbers are doubles: an integer beyond their range is Infinity."""
    return float(literal) if len(literal) > 300 else int(literal)


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant, parse_int=_number)


def _flatten(text: str) -> str:
    """Check ``text`` against the JSON grammar without recursion, and empty every container that
    opens at depth 3 (inside a member's value) with all it holds. ``ValueError`` if not JSON."""
    out, stack, kept_from, pos = [], [], 0, 0
    expect = "value"  # value | value-or-close | key | key-or-close | colon | comma-or-close | end
    while True:
        match = _JSON_TOKEN.match(text, pos)
        if match is None:
            break
        pos = match.end()
        string, scalar, mark = match.groups()
        if expect == "colon":
            expect = "value" if mark == ":" else "error"
        elif expect in ("key", "key-or-close") and string is not None:
            expect = "colon"
        elif expect in ("value", "value-or-close") and (string is not None or scalar is not None):
            expect = "comma-or-close" if stack else "end"
        elif mark in ("[", "{") and expect in ("value", "value-or-close"):
            stack.append(mark)
            if len(stack) == _SHALLOW_DEPTH:
                out.append(text[kept_from:match.start(3)] + ("[]" if mark == "[" else "{}"))
            expect = "value-or-close" if mark == "[" else "key-or-close"
        elif mark == "," and expect == "comma-or-close":
            expect = "value" if stack[-1] == "[" else "key"
        elif (mark, expect) in ((("]", "value-or-close"), ("]", "comma-or-close")) if stack and stack[-1] == "["
                                else (("}", "key-or-close"), ("}", "comma-or-close")) if stack else ()):
            if len(stack) == _SHALLOW_DEPTH:
                kept_from = pos
            stack.pop()
            expect = "comma-or-close" if stack else "end"
        else:
            raise ValueError(f"not JSON at character {match.start()}")
    if expect != "end" or _TRAILING_SPACE.match(text, pos).end() != len(text):
        raise ValueError(f"not JSON at character {pos}")
    return "".join(out) + text[kept_from:]
