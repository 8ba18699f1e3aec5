"""Request bodies checked the way Better Auth's zod schemas check them, with zod's messages.

Only the shapes of the three POST endpoints are needed, so a tiny field table replaces zod:
each issue reads ``[body.field] message``, in schema order, joined by ``; ``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from playground.issuer.bodies import MISSING
from playground.issuer.errors import AuthError, validation_error

# (field, type, required). Order matters: zod reports issues in schema order.
SIGN_UP = (("name", str, True), ("email", str, True), ("password", str, True),
           ("image", str, False), ("callbackURL", str, False), ("rememberMe", bool, False))
SIGN_IN = (("email", str, True), ("password", str, True), ("callbackURL", str, False), ("rememberMe", bool, False))
# better-auth/dist/api/routes/sign-out.mjs (1.7.25, unchanged through 1.7.29): all optional, the whole body too.
SIGN_OUT = (("callbackURL", str, False), ("disableRedirect", bool, False), ("state", str, False))

# zod 4's z.email() default pattern (zod/v4/core/regexes.js, the version better-auth installs).
# JavaScript's ``$`` without the ``m`` flag is the true end of the string: ``fullmatch``, never
# Python's ``$``, which also matches before a final newline ("a@example.com\n" is not an email).
EMAIL = re.compile(
    r"(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}"
)


def js_type(value: Any) -> str:
    """zod's name for what it received."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        # zod names non-finite numbers by value (JSON's huge numbers parse to Infinity).
        return "number" if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_email(value: str) -> bool:
    return EMAIL.fullmatch(value) is not None


def js_length(value: str) -> int:
    """JavaScript's ``string.length``: UTF-16 code units (an emoji counts 2)."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


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
            if schema is SIGN_UP and name == "password" and _too_short_for_zod(value):
                origin = "array" if isinstance(value, list) else "unknown"
                issues.append(f"[body.password] Too small: expected {origin} to have >=1 items" if origin == "array"
                              else "[body.password] Too small: expected unknown to be >=1")
        # Only sign-up's schema refines these (z.email(), nonempty); sign-in checks the email later.
        elif schema is SIGN_UP and name == "email" and not is_email(value):
            issues.append("[body.email] Invalid email address")
        elif schema is SIGN_UP and name == "password" and value == "":
            issues.append("[body.password] Too small: expected string to have >=1 characters")
    if issues:
        raise validation_error(issues)
    return body


def _too_short_for_zod(value: Any) -> bool:
    """zod 4 runs ``.nonempty()`` on anything whose ``length`` is not undefined, even after a type
    error (``zod/v4/core/checks.js``: an array, or an object with a ``length`` member), and
    compares with JavaScript's ``>=``, which coerces the length to a number."""
    if isinstance(value, list):
        return len(value) < 1
    if not isinstance(value, dict) or "length" not in value:
        return False
    return not _js_number(value["length"]) >= 1


def _js_number(value: Any) -> float:
    """JavaScript's ``Number(value)`` for a JSON value (NaN where it is not a number)."""
    if value is None:
        return 0.0
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, list):
        return _js_number(",".join("" if v is None else str(v) for v in value)) if len(value) <= 1 else math.nan
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text) if text else 0.0
        except ValueError:
            return math.nan
    return math.nan


def check_password_length(password: str, minimum: int, maximum: int) -> None:
    """``assertPasswordNotTooShort`` / ``NotTooLong`` (``better-auth/dist/utils/password.mjs``), in UTF-16 units."""
    if js_length(password) < minimum:
        raise AuthError(400, "PASSWORD_TOO_SHORT")
    check_password_not_too_long(password, maximum)


def check_password_not_too_long(password: str, maximum: int) -> None:
    if js_length(password) > maximum:
        raise AuthError(400, "PASSWORD_TOO_LONG")
