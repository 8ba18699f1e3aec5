"""Helpers for lesson 05b (deployment topology): what Better Auth's cookies look like on the wire,
and how a server-side frontend (a Next.js route handler) calls a FastAPI API for its user.

* ``set_cookies(response)``: each ``Set-Cookie`` of a response, by name, with its attributes —
  to see the ``__Secure-`` prefix, ``Secure``, ``SameSite`` and the percent-encoded value.
* ``call_api_on_behalf(cookie_header, ...)``: the server-side pattern. The frontend's server
  receives the browser's Better Auth cookie (same site as itself), trades it for a JWT at
  ``GET /api/auth/token`` (what ``auth.api.getToken`` does in-process), and calls the API with
  ``Authorization: Bearer``. The cookie never leaves for the API: it is a 7-day session
  credential, the JWT a 15-minute one the API can verify without Better Auth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from playground.tls import client_tls


@dataclass(frozen=True)
class SetCookie:
    """One ``Set-Cookie`` header: name, raw value (still percent-encoded) and attributes.

    ``attributes`` keys are lower-case; flag attributes (``HttpOnly``, ``Secure``) map to ``True``.
    """

    name: str
    value: str = field(repr=False)
    attributes: dict[str, str | bool]


def set_cookies(response: httpx.Response) -> dict[str, SetCookie]:
    """The cookies ``response`` sets, by name (a later header for the same name wins, as in a browser)."""
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        pair, *attributes = (part.strip() for part in header.split(";"))
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValueError(f"not a Set-Cookie header: {header!r}")
        parsed: dict[str, str | bool] = {}
        for attribute in attributes:
            key, has_value, attribute_value = attribute.partition("=")
            parsed[key.strip().lower()] = attribute_value.strip() if has_value else True
        cookies[name] = SetCookie(name, value, parsed)
    return cookies


@dataclass(frozen=True)
class OnBehalfCall:
    """The two requests of a server-side call: the token exchange, then the API call (``None``
    when Better Auth refused the cookie: there is no token to send)."""

    token_response: httpx.Response
    api_response: httpx.Response | None


def call_api_on_behalf(cookie_header: str, *, auth_url: str, api_url: str, path: str = "/api/me",
                       timeout: float = 10.0) -> OnBehalfCall:
    """What a Next.js server does for the user whose request carried ``cookie_header``.

    ``auth_url`` is Better Auth's base URL as the frontend's server reaches it (often an internal
    address); ``api_url`` the FastAPI API's. Only the ``Cookie`` header goes to Better Auth, and
    only ``Authorization: Bearer <jwt>`` goes to the API.
    """
    with httpx.Client(timeout=timeout, verify=client_tls()) as client:
        token_response = client.get(f"{auth_url}/api/auth/token", headers={"cookie": cookie_header})
        if token_response.status_code != 200:
            return OnBehalfCall(token_response, None)
        token = token_response.json()["token"]
        api_response = client.get(f"{api_url}{path}", headers={"authorization": f"Bearer {token}"})
        return OnBehalfCall(token_response, api_response)


__all__ = ["OnBehalfCall", "SetCookie", "call_api_on_behalf", "set_cookies"]
