"""One request in flight through the embedded issuer, and the response being built for it.

Better Auth's endpoints and hooks all write to one context (cookies to set, headers, the session
they found); ``Exchange`` is that context here, so an endpoint, the origin checks and the
after-hooks can each add their part without knowing about the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from playground.issuer.bodies import MISSING
from playground.issuer.cookies import CookieNames


@dataclass
class Exchange:
    request: Request
    headers: dict[str, str]  # request headers, lower-case names
    cookies: dict[str, str]  # after the bearer hook: may hold a session cookie from Authorization
    origin: str  # the base URL origin (configured, or from the Host header like Better Auth)
    request_origin: str  # the origin the request itself was sent to (from its Host header)
    route: str = ""  # the endpoint's path under /api/auth, as the router matched it ("/get-session")
    body: Any = MISSING
    status: int = 200
    set_cookies: list[str] = field(default_factory=list)
    response_headers: dict[str, str] = field(default_factory=dict)
    session: dict[str, Any] | None = None  # the session the endpoint found or created

    def set_cookie(self, cookie: str) -> None:
        self.set_cookies.append(cookie)

    def expire_cookie(self, names: CookieNames, name: str) -> None:
        """Better Auth's ``expireCookie``: drop earlier Set-Cookies of ``name``, then expire it."""
        self.set_cookies = [c for c in self.set_cookies if c.split("=", 1)[0] != name]
        self.set_cookies.append(names.expire(name))

    def expose(self, header: str) -> None:
        exposed = [h.strip() for h in self.response_headers.get("access-control-expose-headers", "").split(",")]
        names = [h for h in exposed if h]
        if header not in names:
            names.append(header)
        self.response_headers["access-control-expose-headers"] = ", ".join(names)
