"""Better Auth's CSRF defence: the ``Origin`` check and the redirect-URL checks against ``trustedOrigins``.

It is *not* CORS (Better Auth sends no CORS headers at all). A state-changing request that carries
cookies must name a trusted origin (``Origin``, else ``Referer``); sign-in and sign-up also check
any request that sends an ``Origin``/``Referer`` or Fetch Metadata headers, and block cross-site
navigations; every redirect target a POST names must be trusted or a safe relative path.

A URL is judged the way Better Auth judges it, with a WHATWG URL parser (``ada_url``: the parser
Node itself uses), so that the forms browsers and Python's ``urllib`` read differently
(``http:\\\\host``, ``http://user@host``, default ports, tabs inside the host) get the same answer
here as from the real server. Sources: ``better-auth/dist/auth/trusted-origins.mjs``
(``matchesOriginPattern``, ``isSafeRelativeURL``), ``dist/utils/url.mjs`` (``getOrigin``),
``dist/utils/wildcard.mjs`` and ``dist/api/middlewares/origin-check.mjs``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import unquote

from ada_url import URL

from playground.issuer.errors import AuthError
from playground.issuer.javascript import usv_string

_CONTROL_CHARACTER = re.compile("[\u0000-\u001f\u007f-\u009f]")
_ENCODED_PATH_SEPARATOR = re.compile(r"%2[fF]|%5[cC]")
_IP_WILDCARD_HOST = re.compile(r"^(?=.*\d)[\d*?.]+$")
_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$")
_RELATIVE_URL_PARSER_ORIGIN = "https://better-auth.invalid"

#: The redirect fields ``originCheckMiddleware`` checks on every POST, with the error of each.
REDIRECT_FIELDS = (
    ("callbackURL", "callbackURL", "INVALID_CALLBACK_URL"),
    ("redirectTo", "redirectURL", "INVALID_REDIRECT_URL"),
    ("errorCallbackURL", "errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
    ("newUserCallbackURL", "newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
)


def _parse(url: str, base: str | None = None) -> URL | None:
    url = usv_string(url)  # as new URL() receives a JavaScript string (ada would refuse the bytes)
    try:
        return URL(url, base) if base is not None else URL(url)
    except (ValueError, TypeError):
        return None


def get_origin(url: str) -> str | None:
    """``new URL(url).origin``, or ``None`` when it does not parse or is opaque (``"null"``)."""
    parsed = _parse(url)
    return None if parsed is None or parsed.origin == "null" else parsed.origin


def _protocol(url: str) -> str | None:
    parsed = _parse(url)
    return parsed.protocol if parsed is not None else None


def _host(url: str) -> str | None:
    parsed = _parse(url)
    return parsed.host if parsed is not None else None


@lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """``wildcardMatch(pattern)`` without a separator: ``*`` any run, ``?`` one character, ``\\`` escapes."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 < len(pattern):
                out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*?" if char == "*" else "." if char == "?" else re.escape(char))
        i += 1
    return re.compile("".join(out))


def _wildcard_match(pattern: str, sample: str) -> bool:
    return _wildcard(pattern).fullmatch(sample) is not None


def _allowed_ipv4_host(pattern_authority: str, authority: str) -> bool:
    """A wildcard made of digits, dots and wildcards names an IPv4 range: it admits only IPv4 hosts."""
    if not _IP_WILDCARD_HOST.match(pattern_authority.split(":")[0]):
        return True
    return _IPV4.match(authority.split(":")[0]) is not None


def _normalize_path(path: str) -> str:
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        decoded = path
    segments: list[str] = []
    for segment in decoded.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in (".", ""):
            segments.append(segment)
    return "/" + "/".join(segments) if segments else ""


def _custom_scheme_parts(value: str, wildcard: bool = False) -> tuple[str, str, str] | None:
    """``parseCustomSchemeOrigin``: (scheme, authority, path) of ``myapp://host/path`` by string rules."""
    if _CONTROL_CHARACTER.search(value):
        return None
    scheme_end = value.find(":")
    if scheme_end <= 0:
        return None
    scheme, rest, authority = value[:scheme_end].lower(), value[scheme_end + 1:], ""
    if rest.startswith("//"):
        rest = rest[2:]
        end = re.search(r"[/#]" if wildcard else r"[/?#]", rest)
        authority, rest = (rest, "") if end is None else (rest[:end.start()], rest[end.start():])
    end = re.search(r"#" if wildcard else r"[?#]", rest)
    return scheme, authority.lower(), _normalize_path(rest if end is None else rest[:end.start()])


def is_safe_relative_url(value: str) -> bool:
    """``isSafeRelativeURL``: a root-relative path no browser or router can read as another host."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or _CONTROL_CHARACTER.search(value):
        return False
    path = re.split(r"[?#]", value, maxsplit=1)[0]
    if _ENCODED_PATH_SEPARATOR.search(path):
        return False
    parsed = _parse(value, _RELATIVE_URL_PARSER_ORIGIN)
    return parsed is not None and parsed.origin == _RELATIVE_URL_PARSER_ORIGIN


def matches_origin_pattern(url: str, pattern: str, *, allow_relative: bool = False) -> bool:
    """``matchesOriginPattern``: does ``url`` fall under one ``trustedOrigins`` entry?"""
    if url.startswith("/"):
        return allow_relative and is_safe_relative_url(url)
    has_wildcard = "*" in pattern or "?" in pattern
    if has_wildcard and "://" not in pattern:
        host = _host(url)
        return bool(host) and _wildcard_match(pattern, host) and _allowed_ipv4_host(pattern, host)
    protocol = _protocol(url)
    if protocol in ("http:", "https:", None):
        origin = get_origin(url)
        if not has_wildcard:
            return pattern == origin
        if origin is None or not _wildcard_match(pattern, origin):
            return False
        return _allowed_ipv4_host(pattern[pattern.find("://") + 3:], origin[origin.find("://") + 3:])
    parsed, parsed_pattern = _custom_scheme_parts(url), _custom_scheme_parts(pattern, has_wildcard)
    if parsed is None or parsed_pattern is None or parsed[0] != parsed_pattern[0]:
        return False
    (_, authority, path), (_, pattern_authority, pattern_path) = parsed, parsed_pattern
    if has_wildcard:
        if "@" in authority:
            return False
        if pattern_authority and not (_wildcard_match(pattern_authority, authority)
                                      and _allowed_ipv4_host(pattern_authority, authority)):
            return False
        return not pattern_path or _wildcard_match(pattern_path, path or "/")
    if pattern_authority and authority != pattern_authority:
        return False
    return not pattern_path or path == pattern_path or path.startswith(pattern_path + "/")


def is_trusted(url: str, trusted: Iterable[str], *, allow_relative: bool) -> bool:
    return any(matches_origin_pattern(url, pattern, allow_relative=allow_relative) for pattern in trusted)


def validate_origin(headers: Mapping[str, str], trusted: list[str], *, force: bool,
                    request_origin: str | None = None) -> None:
    """``validateOrigin``: only when the request carries cookies, unless ``force``.

    ``Origin: null`` from a same-origin request (``Sec-Fetch-Site: same-origin``) stands for the
    request's own origin (``request_origin``, from its Host).
    """
    if not (force or "cookie" in headers):
        return
    origin = headers.get("origin")
    candidate = origin or headers.get("referer") or ""
    if origin == "null" and headers.get("sec-fetch-site") == "same-origin" and request_origin:
        candidate = request_origin
    if not candidate or candidate == "null":
        raise AuthError(403, "MISSING_OR_NULL_ORIGIN")
    if not is_trusted(candidate, trusted, allow_relative=False):
        raise AuthError(403, "INVALID_ORIGIN")


def validate_form_csrf(headers: Mapping[str, str], trusted: list[str], *, request_origin: str | None = None) -> None:
    """``formCsrfMiddleware`` of sign-in/sign-up (first-login CSRF, via Fetch Metadata)."""
    if "cookie" in headers:
        return validate_origin(headers, trusted, force=False, request_origin=request_origin)
    site, mode, dest = (headers.get(f"sec-fetch-{h}", "") for h in ("site", "mode", "dest"))
    if site.strip() or mode.strip() or dest.strip():
        if site == "cross-site" and mode == "navigate":
            raise AuthError(
                403,
                "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
                "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
            )
        return validate_origin(headers, trusted, force=True, request_origin=request_origin)
    if headers.get("origin") or headers.get("referer"):
        validate_origin(headers, trusted, force=True, request_origin=request_origin)


def validate_redirect_urls(body: object, query: Mapping[str, object], trusted: list[str]) -> None:
    """The redirect half of ``originCheckMiddleware``: run on every POST, before the body's schema.

    ``callbackURL`` comes from the body or else the query string (``query`` as better-call
    builds it: a repeated parameter is a list); a non-string is a 400 (the schema has not run
    yet), an untrusted one a 403 named after the field.
    """
    fields = body if isinstance(body, dict) else {}
    for key, label, code in REDIRECT_FIELDS:
        value = fields.get(key)
        if key == "callbackURL" and not _truthy(value):
            value = query.get("callbackURL")
        if not _truthy(value):
            continue
        if not isinstance(value, str):
            raise AuthError(400, None, f"Invalid {label}: expected a string")
        if not is_trusted(value, trusted, allow_relative=True):
            raise AuthError(403, code)


def _truthy(value: object) -> bool:
    """JavaScript truthiness of a JSON value (``[]`` and ``{}`` are truthy, ``0`` and ``""`` are not)."""
    if isinstance(value, (list, dict)):
        return True
    return bool(value)
