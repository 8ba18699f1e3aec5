"""Reading the time values in credentials: numbers of any size or type get a verdict, never a crash.

A token's ``exp`` is attacker-shaped data once the signature is not yet checked, and issuer-shaped
data after: either way it can be ``10**400`` (Python ints are unbounded, and float arithmetic on
them raises ``OverflowError``), ``1e400`` (which ``json`` reads as ``inf``: a token that never
expires), a bool (an ``int`` to Python), a string, ``null`` or a nested value. Every time check
goes through these two readers, which answer ``None`` for anything that is not a usable instant;
the caller turns that into a 401 with a reason.

Security rule: the accepted range is 1970-01-01 to 9999-12-31 (what ``datetime`` can represent,
and far beyond any real expiry): anything outside it is refused, so no value can mean "never".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

#: 9999-12-31T23:59:59Z, the last second ``datetime`` can represent.
MAX_INSTANT = 253_402_300_799
#: An ISO 8601 instant is ~30 characters; anything much longer is not one.
_MAX_ISO_LENGTH = 64


def numeric_date(value: Any) -> float | None:
    """``value`` as epoch seconds if it is a JSON number within the accepted range (RFC 7519 NumericDate)."""
    # Exact types: bool is an int subclass. Comparing (never converting) is safe for a huge int,
    # and NaN and the infinities fail the range test by themselves.
    if (type(value) is int or type(value) is float) and 0 <= value <= MAX_INSTANT:
        return value
    return None


def iso_instant(value: Any) -> float | None:
    """``value`` as epoch seconds if it is an ISO 8601 date-time string (how Better Auth serialises
    ``expiresAt`` and ``createdAt``) within the accepted range; a string without offset is UTC."""
    if not isinstance(value, str) or len(value) > _MAX_ISO_LENGTH:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp()
    except (ValueError, OverflowError, OSError):
        return None
    return seconds if 0 <= seconds <= MAX_INSTANT else None
