"""Better Auth's cookies: names, signed values and ``Set-Cookie`` attributes, byte for byte.

A signed cookie value is ``token + "." + base64std(HMAC-SHA256(utf8(secret), token))``, then
``encodeURIComponent``-ed (better-call's ``serializeSignedCookie``). A browser sends it back still
percent-encoded; better-call decodes it before checking, and so do we.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, unquote

# encodeURIComponent leaves these unescaped (besides letters and digits).
_URI_COMPONENT_SAFE = "-_.!~*'()"


def encode_uri_component(value: str) -> str:
    return quote(value, safe=_URI_COMPONENT_SAFE)


def hmac_signature(value: str, secret: str) -> str:
    """Standard base64 with padding: 44 chars ending in ``=``."""
    return base64.b64encode(hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()).decode()


def sign_value(value: str, secret: str) -> str:
    """``value.signature``, not yet percent-encoded (the form ``set-auth-token`` carries)."""
    return f"{value}.{hmac_signature(value, secret)}"


def verify_signed(signed: str, secret: str) -> str | None:
    """The token inside a ``token.signature`` value, or ``None`` if the signature is wrong.

    Same acceptance rule as better-call's ``getSignedCookie``: the part after the last dot must be
    a 44-char padded base64 HMAC.
    """
    value, dot, signature = signed.rpartition(".")
    if not dot or not value or len(signature) != 44 or not signature.endswith("="):
        return None
    return value if hmac.compare_digest(hmac_signature(value, secret), signature) else None


def parse_cookie_header(header: str) -> dict[str, str]:
    """better-call's ``parseCookies``: first occurrence wins, quotes stripped, values decoded."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, eq, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name or name in cookies:
            continue
        if value.startswith('"') and value.endswith('"') and len(value) > 1:
            value = value[1:-1]
        cookies[name] = unquote(value) if "%" in value else value
    return cookies


@dataclass(frozen=True)
class CookieNames:
    """``${prefix}.session_token`` etc., with ``__Secure-`` in front on https."""

    prefix: str = "better-auth"
    secure: bool = False

    def _name(self, suffix: str) -> str:
        return f"{'__Secure-' if self.secure else ''}{self.prefix}.{suffix}"

    @property
    def session_token(self) -> str:
        return self._name("session_token")

    @property
    def session_data(self) -> str:
        return self._name("session_data")

    @property
    def dont_remember(self) -> str:
        return self._name("dont_remember")

    def set_cookie(self, name: str, value: str, max_age: int | None) -> str:
        """better-call's ``serializeCookieValue`` with Better Auth's attributes."""
        cookie = f"{name}={value}"
        if max_age is not None:
            cookie += f"; Max-Age={max_age}"
        cookie += "; Path=/; HttpOnly"
        if self.secure:
            cookie += "; Secure"
        return cookie + "; SameSite=Lax"

    def expire(self, name: str) -> str:
        return self.set_cookie(name, "", 0)
