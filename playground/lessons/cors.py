"""Helpers for the CORS lesson (notebook 05): send what a browser sends, and judge the answer as
the browser would.

* ``preflight(url, origin=..., method=..., headers=...)`` sends the ``OPTIONS`` request a browser
  makes before a non-simple cross-origin request (Fetch standard, "CORS-preflight request").
* ``unsafe_request_headers(headers)``: the request headers that make the browser preflight.
* ``cors_headers(response)`` keeps only the ``Access-Control-*`` and ``Vary`` headers.
* ``browser_check(...)`` applies the Fetch standard's CORS check to a response, returning ``None``
  when the browser would let page code read it, else the reason in Chromium's words (the text
  after "has been blocked by CORS policy: " in its console). It is a teaching model of the
  browser, checked against Chromium's own messages in tests/browser; the lesson also shows
  the real browser when Chromium is installed.
* ``bare_auth_server(issuer)``: an auth server (embedded or the real Better Auth) with **no** CORS
  layer in front — the playground's own auth server has one for its page — to show that Better
  Auth itself answers no preflight and sends no ``Access-Control-Allow-Origin``.
* ``echo_app(**cors_options)``: a two-route app wrapped in Starlette's ``CORSMiddleware`` with
  exactly the options given (to show Starlette's defaults and the wildcard trap).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import httpx
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.auth_server import EMBEDDED, AuthServer, IssuerKind, start_auth_server
from playground.lessons.checks import Verdict, verdict
from playground.tls import client_tls

#: Methods a browser never preflights (Fetch: "CORS-safelisted method").
SAFELISTED_METHODS = ("GET", "HEAD", "POST")
#: Request headers a browser never preflights (Fetch: "CORS-safelisted request-header"; value
#: limits apply, e.g. Content-Type only for form and text/plain types, Range only for one range
#: with a start). Authorization is not one. A browser does not list these in
#: Access-Control-Request-Headers (unless a value is unsafe: ``unsafe_request_headers``).
SAFELISTED_HEADERS = ("accept", "accept-language", "content-language", "content-type", "range")
_SIMPLE_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
#: Fetch's "CORS-unsafe request-header byte": controls other than tab, and "():<>?@[\\]{}\x7f.
_UNSAFE_BYTE = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')
_LANGUAGE_VALUE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_SIMPLE_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


def _safelisted(name: str, value: str) -> bool:
    """Fetch's "CORS-safelisted request-header" check for one header."""
    if len(value.encode()) > 128:
        return False
    if name == "accept":
        return not _UNSAFE_BYTE.search(value)
    if name in ("accept-language", "content-language"):
        return _LANGUAGE_VALUE.fullmatch(value) is not None
    if name == "content-type":
        essence = value.split(";", 1)[0].strip().lower()
        return not _UNSAFE_BYTE.search(value) and essence in _SIMPLE_CONTENT_TYPES
    if name == "range":  # one range with a start: "bytes=0-499" or "bytes=500-", never "bytes=-500"
        match = _SIMPLE_RANGE.fullmatch(value)
        return match is not None and (not match[2] or int(match[1]) <= int(match[2]))
    return False


def unsafe_request_headers(headers: Mapping[str, str]) -> list[str]:
    """The names a browser lists in ``Access-Control-Request-Headers`` for a ``fetch`` with these
    request headers (Fetch: "CORS-unsafe request-header names"): sorted, lower-case. An empty list
    means no preflight is needed for the headers (a safelisted method still decides the rest)."""
    # (Fetch's 1024-byte cap on all safelisted values together cannot bind here: five headers of
    # at most 128 bytes each.)
    return sorted(name.lower() for name, value in headers.items() if not _safelisted(name.lower(), value))


def preflight(url: str, *, origin: str, method: str = "GET", headers: Iterable[str] = ("authorization",),
              client: httpx.Client | None = None) -> httpx.Response:
    """The ``OPTIONS`` request a browser sends before ``method url`` with ``headers`` from ``origin``."""
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    names = ",".join(h.lower() for h in headers)
    if names:
        request_headers["Access-Control-Request-Headers"] = names
    if client is not None:
        return client.options(url, headers=request_headers)
    return httpx.options(url, headers=request_headers, timeout=10, verify=client_tls())


def cors_headers(response: httpx.Response) -> dict[str, str]:
    """The response's CORS headers (and Vary), sorted by name: what the browser looks at."""
    return {name: value for name, value in sorted(response.headers.items())
            if name.startswith("access-control-") or name == "vary"}


def _split(value: str | None) -> list[str]:
    return [item.strip().lower() for item in (value or "").split(",") if item.strip()]


def browser_check(response: httpx.Response, *, origin: str, credentials: bool = True,
                  preflight_for: tuple[str, Iterable[str]] | None = None,
                  read_header: str | None = None) -> str | None:
    """Would the browser let page code at ``origin`` see ``response``? ``None`` if yes, else why.

    ``preflight_for=(method, request_headers)`` marks ``response`` as the answer to a preflight for
    that request. ``credentials`` is ``fetch(..., {credentials: "include"})`` (cookies, or a page that
    sends them). ``read_header``: page code then calls ``response.headers.get(read_header)``.
    """
    prefix = "Response to preflight request doesn't pass access control check: " if preflight_for else ""
    allow_origin = response.headers.get("access-control-allow-origin")
    if allow_origin is None:
        return prefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    if allow_origin == "*" and credentials:
        return (prefix + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
                "wildcard '*' when the request's credentials mode is 'include'.")
    if allow_origin not in ("*", origin):
        return (prefix + f"The 'Access-Control-Allow-Origin' header has a value '{allow_origin}' that is not "
                "equal to the supplied origin.")
    if credentials and response.headers.get("access-control-allow-credentials") != "true":
        found = response.headers.get("access-control-allow-credentials", "")
        return (prefix + f"The value of the 'Access-Control-Allow-Credentials' header in the response is "
                f"'{found}' which must be 'true' when the request's credentials mode is 'include'.")
    if preflight_for is not None:
        if not 200 <= response.status_code < 300:
            return prefix + "It does not have HTTP ok status."
        method, request_headers = preflight_for
        methods = _split(response.headers.get("access-control-allow-methods"))
        wildcard_ok = not credentials  # with credentials "*" is a literal name, not a wildcard
        if method.upper() not in SAFELISTED_METHODS and method.lower() not in methods and not (
                wildcard_ok and "*" in methods):
            return f"Method {method.upper()} is not allowed by Access-Control-Allow-Methods in preflight response."
        allowed = _split(response.headers.get("access-control-allow-headers"))
        # request_headers is what the browser lists in Access-Control-Request-Headers: only the
        # non-safelisted ones (Content-Type counts when its value is e.g. application/json).
        for name in (h.lower() for h in request_headers):
            if name in allowed:
                continue
            # Fetch: "*" never covers Authorization, and with credentials it covers nothing.
            if wildcard_ok and "*" in allowed and name != "authorization":
                continue
            return (f"Request header field {name} is not allowed by Access-Control-Allow-Headers in "
                    "preflight response.")
    if read_header is not None:
        exposed = _split(response.headers.get("access-control-expose-headers"))
        if read_header.lower() not in exposed and not (not credentials and "*" in exposed):
            return f"page code reads null for {read_header} (not in Access-Control-Expose-Headers)"
    return None


def echo_app(**cors_options) -> CORSMiddleware:
    """``GET``/``POST /api/echo`` behind ``CORSMiddleware(**cors_options)``: Starlette's defaults apply
    to every option not given."""

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"method": request.method, "origin": request.headers.get("origin")})

    app = Starlette(routes=[Route("/api/echo", echo, methods=["GET", "POST"])])
    return CORSMiddleware(app, **cors_options)


def bare_auth_server(issuer: IssuerKind = EMBEDDED) -> AuthServer:
    """A started auth server of kind ``issuer`` with no CORS layer in front (``.url``,
    ``.demo_password``, ``.stop()``); fresh random secret and password."""
    return start_auth_server(issuer)


# The lesson's exercises: the learner passes what they found; each check says right, or hints.
_NOT_OK = "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."


def check_preflights(patch_verdict: str | None, debug_verdict: str | None) -> Verdict:
    """Exercise 1: ``browser_check``'s verdicts on the backend's preflights for a ``PATCH`` with
    Authorization and Content-Type, and for a ``GET`` with an extra ``X-Debug`` header."""
    if patch_verdict is not None:
        return verdict("exercise 1", False, why="", hint=(
            "compare the PATCH preflight with cors_options (printed in the lesson's first cells): "
            "allow_methods and allow_headers; and pass browser_check preflight_for=(method, headers) "
            "with the same method and headers the preflight asked for"))
    return verdict("exercise 1", debug_verdict == _NOT_OK,
                   why="PATCH passes; X-Debug is not in allow_headers, so Starlette answers 400 and the "
                       "browser stops at the preflight's status",
                   hint="a header the backend does not list makes Starlette refuse the whole preflight: "
                        "what status does it answer, and what does browser_check say about that status?")


def check_wildcard(get_allow_origin: str | None, preflight_allow_origin: str | None,
                   preflight_verdict: str | None, evil: str) -> Verdict:
    """Exercise 2: the ``Access-Control-Allow-Origin`` of the wildcard app's GET and preflight from
    ``evil``, and ``browser_check``'s verdict on that preflight (for a GET with Authorization)."""
    if "*" in (get_allow_origin, preflight_allow_origin):
        return verdict("exercise 2", False, why="", hint=(
            "with allow_credentials=True Starlette never sends '*': read the header it really sent"))
    if (get_allow_origin, preflight_allow_origin) != (evil, evil):
        return verdict("exercise 2", False, why="", hint=(
            "send both requests from the evil origin (an Origin header) and read "
            "access-control-allow-origin from each answer"))
    return verdict("exercise 2", preflight_verdict == _NOT_OK,
                   why="both answers reflect the evil origin: the simple GET is readable, with the user's "
                       "cookies, by any site. The preflight reflects it too and fails only because "
                       "Starlette's default allow_headers lacks Authorization: add that header to the "
                       "options and every site may call the API as the user",
                   hint="the preflight's origin is allowed; look at its status and at what it says about "
                        "the Authorization header, then ask browser_check with preflight_for")


def check_origin_over_referer(trusted_origin_status: int, evil_origin_status: int) -> Verdict:
    """Exercise 3: two cookie-carrying sign-outs that send both headers: ``Origin`` = the base URL
    with an evil ``Referer``, then an evil ``Origin`` with ``Referer`` = a page under the base URL."""
    if trusted_origin_status == evil_origin_status:
        return verdict("exercise 3", False, why="", hint=(
            "the two requests name opposite origins in the two headers, and Better Auth checks only one "
            "of them: the answers cannot be the same"))
    return verdict("exercise 3", (trusted_origin_status, evil_origin_status) == (200, 403),
                   why="Better Auth checks Origin when there is one and falls back to Referer only without it "
                       "(origin-check.mjs: origin || referer): the Referer of the first request is never read, "
                       "and a trusted Referer does not rescue an untrusted Origin",
                   hint="which of the two headers does Better Auth read when both are present? Send the evil-Origin "
                        "request first (it leaves you signed in), then the other")


__all__ = ["SAFELISTED_HEADERS", "SAFELISTED_METHODS", "bare_auth_server", "browser_check",
           "check_origin_over_referer", "check_preflights", "check_wildcard", "cors_headers", "echo_app", "preflight",
           "unsafe_request_headers"]
