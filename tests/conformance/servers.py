"""The two servers under comparison, started the same way from one option set.

``Target`` is what a scenario talks to: a base URL, the secret and demo password it was
started with, and the option set. Both kinds listen on a real loopback socket, so a scenario
sees real HTTP (cookies, headers, status lines), never an in-process shortcut.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.better_auth.launcher import RealBetterAuth, installed_version, node_available
from playground.servers import ServerThread

REAL = "better-auth"
EMBEDDED = "embedded"
KINDS = (REAL, EMBEDDED)

TRUSTED_ORIGIN = "http://app.example"
DEMO_EMAIL = "ada@example.com"
#: Generous: a loaded CI machine can take many times the usual ~1 s to start Node.
START_TIMEOUT = 60.0


@dataclass
class Target:
    kind: str
    url: str
    secret: str
    demo_password: str
    options: dict[str, Any]
    base_url: str | None
    stop: Any = field(repr=False)
    teaching_controls: bool = False

    @property
    def label(self) -> str:
        return f"better-auth {installed_version()}" if self.kind == REAL else "embedded issuer"

    def client(self, *, origin: bool = True, **kwargs) -> httpx.Client:
        """A fresh client (no cookies yet); ``origin`` sends this server's own Origin on every request,
        as a browser on the auth server's page would."""
        headers = {"origin": self.base_url or self.url} if origin else {}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0, **kwargs)


class _LateApp:
    """An ASGI app whose inner app is set after the socket is bound, so it can know its own URL."""

    def __init__(self) -> None:
        self.app = None

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


def start(
    kind: str,
    options: dict[str, Any],
    *,
    own_base_url: bool = True,
    teaching_controls: bool = False,
    cors_origins: tuple[str, ...] = (),
) -> Target:
    """Start one server. ``cors_origins``: the playground's CORS layer in front of it (Better Auth
    has none): ``PLAYGROUND_CORS_ORIGINS`` for the real one, ``playground.frontend.auth_cors`` for
    the embedded one."""
    secret = secrets.token_urlsafe(32)
    demo_password = "demo-" + secrets.token_urlsafe(12)
    if kind == REAL:
        reason = node_available()
        if reason:
            raise RuntimeError(reason)
        server = RealBetterAuth(
            secret=secret,
            demo_password=demo_password,
            base_url="auto" if own_base_url else None,
            options=options,
            teaching_controls=teaching_controls,
            trusted_origins=[TRUSTED_ORIGIN],
            env={"PLAYGROUND_CORS_ORIGINS": ",".join(cors_origins)} if cors_origins else None,
        ).start(timeout=START_TIMEOUT)
        return Target(REAL, server.url, secret, demo_password, options, server.base_url, server.stop, teaching_controls)

    from playground.issuer import IssuerConfig, create_app  # imported late: the issuer may be missing

    late = _LateApp()
    thread = ServerThread(late, port=0, name="embedded-issuer")
    base_url = thread.url if own_base_url else None
    config = IssuerConfig.from_options(
        {**options, "trustedOrigins": [TRUSTED_ORIGIN, *options.get("trustedOrigins", [])]},
        base_url=base_url,
        secret=secret,
        demo_password=demo_password,
        teaching_controls=teaching_controls,
    )
    late.app = create_app(config)
    if cors_origins:
        from playground.frontend import auth_cors

        late.app = auth_cors(late.app, list(cors_origins))
    thread.start(timeout=START_TIMEOUT)
    return Target(EMBEDDED, thread.url, secret, demo_password, options, base_url, thread.stop, teaching_controls)
