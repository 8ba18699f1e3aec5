"""The HTTP plumbing around the endpoints: the bearer plugin's before-hook, the request's own
origin, and the response with the jwt and bearer plugins' after-hooks.

Response headers are checked the way Node's ``http`` module checks them: a value with a character
outside tab, printable ASCII and Latin-1 (a ``callbackURL`` holding ``\\u2028`` becomes a
``Location`` header) cannot be sent, and the real Better Auth then answers an empty 500. The
embedded issuer answers the same, on purpose, instead of letting the ASGI server drop the
connection.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.issuer.cookies import parse_cookie_header, sign_value, verify_signed
from playground.issuer.exchange import Exchange
from playground.issuer.javascript import stringify
from playground.issuer.state import Issuer

BASE_PATH = "/api/auth"
#: Node's ``checkInvalidHeaderChar`` (lib/_http_common.js).
_INVALID_HEADER_CHAR = re.compile(r"[^\t\x20-\x7e\x80-\xff]")
#: Request headers of which Node keeps the first when a request repeats them
#: (``matchKnownFields`` in lib/_http_incoming.js); it joins any other repeat with ", ", and
#: repeated Cookie headers with "; ".
_FIRST_WINS = frozenset({
    "age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host",
    "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
    "proxy-authorization", "referer", "retry-after", "server", "user-agent",
})

#: WHATWG URL: the spellings of "." and ".." path segments (ASCII case-insensitive).
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})

log = logging.getLogger("playground.issuer")


def node_headers(request: Request) -> dict[str, str]:
    """The request headers by lower-case name, repeats merged the way Node's ``http`` merges them.

    A repeated ``Origin`` becomes ``"a, b"`` (which no trusted origin matches), a repeated
    ``Referer`` or ``Authorization`` counts by its first value, repeated ``Cookie`` headers all count.
    """
    merged: dict[str, str] = {}
    for raw_name, raw_value in request.headers.raw:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name not in merged:
            merged[name] = value
        elif name == "cookie":
            merged[name] += "; " + value
        elif name not in _FIRST_WINS:
            merged[name] += ", " + value
    return merged


def bearer_hook(issuer: Issuer, headers: dict[str, str], cookies: dict[str, str]) -> None:
    """bearer(): ``Authorization: Bearer X`` becomes the session cookie if X checks out.

    A dotted X must be ``token.signature`` with a valid HMAC; a bare X is signed here unless
    ``requireSignature``. Anything else is silently ignored (the request stays anonymous).
    """
    auth = headers.get("authorization", "")
    if auth[:7].lower() != "bearer ":
        return
    value = auth[7:].strip()
    if not value:
        return
    if "." in value:
        signed = parse_cookie_header(f"x={value}")["x"] if "%" in value else value
    elif issuer.config.require_signature:
        return
    else:
        signed = sign_value(value, issuer.config.secret)
    if verify_signed(signed, issuer.config.secret) is not None:
        cookies[issuer.cookies.session_token] = signed


def route_path(request: Request) -> str:
    """The request's path as Better Auth's router matches it: the WHATWG URL parser's ``pathname``.

    Better Auth routes ``new URL(request.url).pathname``, which resolves dot segments (``.``,
    ``..`` and their ``%2e`` spellings) and reads ``\\`` as ``/``, but decodes no other
    percent-escape: ``/api/auth/%6Fk`` is not ``/api/auth/ok`` there (404), so it is not here
    either. ASGI's ``path`` is percent-decoded, hence the raw path.
    """
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.scope["path"]
    segments: list[str] = []
    parts = path.replace("\\", "/").split("/")[1:]
    for index, segment in enumerate(parts):
        last = index == len(parts) - 1
        if segment.lower() in _DOUBLE_DOT:
            if segments:
                segments.pop()
            if last:
                segments.append("")
        elif segment.lower() in _SINGLE_DOT:
            if last:
                segments.append("")
        else:
            segments.append(segment)
    return "/" + "/".join(segments)


def request_origin(request: Request) -> str:
    """Without a configured base URL, Better Auth takes the origin from the request (Host header)."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def build_response(issuer: Issuer, exchange: Exchange, result: Any) -> Response:
    headers = dict(exchange.response_headers)
    if exchange.session is not None and exchange.route == "/get-session":
        # jwt plugin after-hook: the session's JWT rides along on every successful get-session.
        if not issuer.config.disable_setting_jwt_header:
            headers["set-auth-jwt"] = issuer.signer.session_jwt(exchange.session, exchange.origin)
            exchange.expose("set-auth-jwt")
    for cookie in exchange.set_cookies:
        name, _, rest = cookie.partition("=")
        value = rest.split(";", 1)[0]
        if name == issuer.cookies.session_token and value and "; Max-Age=0;" not in cookie:
            # bearer after-hook: hand the signed token to clients that cannot read cookies.
            headers["set-auth-token"] = parse_cookie_header(f"x={value}")["x"]
            exchange.expose("set-auth-token")
    headers.update({k: v for k, v in exchange.response_headers.items() if k == "access-control-expose-headers"})
    body = stringify(result)
    return with_headers(Response(body, status_code=exchange.status, media_type="application/json"), headers,
                        exchange.set_cookies)


def with_headers(response: Response, headers: dict[str, str], set_cookies: list[str]) -> Response:
    """``response`` with ``headers`` (sorted) and the Set-Cookies, or Node's empty 500 if one cannot be sent."""
    bad = [name for name, value in headers.items() if _INVALID_HEADER_CHAR.search(value)]
    if bad:
        log.warning("issuer: header %s has characters HTTP cannot carry; answering 500 as Node does", bad[0])
        return Response(b"", status_code=500)
    for name in sorted(headers):
        response.headers[name] = headers[name]
    for cookie in set_cookies:
        response.headers.append("set-cookie", cookie)
    return response
