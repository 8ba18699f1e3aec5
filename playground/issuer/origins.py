"""Better Auth's CSRF defence: the ``Origin`` check against ``trustedOrigins``.

It is *not* CORS (Better Auth sends no CORS headers at all). From
``api/middlewares/origin-check.mjs``: a state-changing request that carries cookies must name a
trusted origin (``Origin``, else ``Referer``); sign-in and sign-up also check any request that
sends an ``Origin``/``Referer`` or Fetch Metadata headers, and block cross-site navigations.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from playground.issuer.errors import AuthError


def origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_trusted(url: str, trusted: Iterable[str], *, allow_relative: bool) -> bool:
    if allow_relative and url.startswith("/") and not url.startswith("//"):
        return True
    origin = origin_of(url)
    if origin is None:
        return False
    for pattern in trusted:
        if "*" in pattern or "?" in pattern:
            if fnmatch.fnmatchcase(origin, pattern.lower()):
                return True
        elif origin_of(pattern) == origin:
            return True
    return False


def validate_origin(headers: Mapping[str, str], trusted: list[str], *, force: bool) -> None:
    """``validateOrigin``: only when the request carries cookies, unless ``force``."""
    if not (force or "cookie" in headers):
        return
    origin = headers.get("origin") or headers.get("referer") or ""
    if not origin or origin == "null":
        raise AuthError(403, "MISSING_OR_NULL_ORIGIN")
    if not is_trusted(origin, trusted, allow_relative=False):
        raise AuthError(403, "INVALID_ORIGIN")


def validate_form_csrf(headers: Mapping[str, str], trusted: list[str]) -> None:
    """``formCsrfMiddleware`` of sign-in/sign-up (first-login CSRF, via Fetch Metadata)."""
    if "cookie" in headers:
        return validate_origin(headers, trusted, force=False)
    site, mode, dest = (headers.get(f"sec-fetch-{h}", "").strip() for h in ("site", "mode", "dest"))
    if site or mode or dest:
        if site == "cross-site" and mode == "navigate":
            raise AuthError(
                403,
                "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
                "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
            )
        return validate_origin(headers, trusted, force=True)
    if headers.get("origin") or headers.get("referer"):
        validate_origin(headers, trusted, force=True)


def validate_callback_url(url: str | None, trusted: list[str]) -> None:
    if url and not is_trusted(url, trusted, allow_relative=True):
        raise AuthError(403, "INVALID_CALLBACK_URL")
