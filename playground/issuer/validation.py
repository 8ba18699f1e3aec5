"""Request bodies checked the way Better Auth's zod schemas check them, with zod's messages.

Only the shapes of the three POST endpoints are needed, so a tiny field table replaces zod:
each issue reads ``[body.field] message``, in schema order, joined by ``; ``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playground.issuer.errors import AuthError, validation_error

MISSING = object()  # a field absent from the body (JavaScript's undefined)

# (field, type, required). Order matters: zod reports issues in schema order.
SIGN_UP = (("name", str, True), ("email", str, True), ("password", str, True),
           ("image", str, False), ("callbackURL", str, False), ("rememberMe", bool, False))
SIGN_IN = (("email", str, True), ("password", str, True), ("callbackURL", str, False), ("rememberMe", bool, False))
SIGN_OUT = ()

# zod 4's z.email() default pattern.
EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$"
)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def parse_json(raw: bytes) -> Any:
    """``JSON.parse``. Python's parser stops at ~1000 levels of nesting where V8 goes on, so a
    deeper body is parsed shallowly: containers below the top-level members are emptied
    (their type is all the endpoint's validation looks at)."""
    try:
        return json.loads(raw)
    except RecursionError:
        return json.loads(_flatten(raw.decode()))


def _flatten(text: str) -> str:
    """Empty every container that opens at depth 3 (inside a member's value) with all it holds."""
    out, depth, kept_from = [], 0, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == 3:
                out.append(text[kept_from:match.start()] + ("[]" if token == "[" else "{}"))
        else:
            if depth == 3:
                kept_from = match.end()
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced JSON")
    if depth:
        raise ValueError("unbalanced JSON")
    return "".join(out) + text[kept_from:]


def js_type(value: Any) -> str:
    """zod's name for what it received."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_email(value: str) -> bool:
    return bool(EMAIL.match(value))


def check_body(body: Any, schema: tuple, *, record: bool = False, optional: bool = False) -> dict:
    """Return the body as a dict or raise ``VALIDATION_ERROR`` listing every issue.

    ``record``: sign-up's schema is ``object.and(record)``, so a non-object fails twice.
    ``optional``: sign-out's body may be absent.
    """
    if body is MISSING and optional:
        return {}
    if not isinstance(body, dict):
        issues = [f"[body] Invalid input: expected object, received {js_type(body)}"]
        if record:
            issues.append(f"[body] Invalid input: expected record, received {js_type(body)}")
        raise validation_error(issues)
    issues = []
    for name, kind, required in schema:
        value = body.get(name, MISSING)
        if value is MISSING and not required:
            continue
        expected = "string" if kind is str else "boolean"
        if not isinstance(value, kind) or (kind is str and isinstance(value, bool)):
            issues.append(f"[body.{name}] Invalid input: expected {expected}, received {js_type(value)}")
        # Only sign-up's schema refines these (z.email(), nonempty); sign-in checks the email later.
        elif schema is SIGN_UP and name == "email" and not is_email(value):
            issues.append("[body.email] Invalid email address")
        elif schema is SIGN_UP and name == "password" and value == "":
            issues.append("[body.password] Too small: expected string to have >=1 characters")
    if issues:
        raise validation_error(issues)
    return body


def check_password_length(password: str, minimum: int, maximum: int) -> None:
    if len(password) < minimum:
        raise AuthError(400, "PASSWORD_TOO_SHORT")
    if len(password) > maximum:
        raise AuthError(400, "PASSWORD_TOO_LONG")
