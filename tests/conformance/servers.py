"""The two servers under comparison, started the same way from one option set.

``Target`` is what a scenario talks to: a base URL, the secret and demo password it was
started with, and the option set. Both kinds come from ``playground.auth_server``, the one
factory for "an auth server, embedded or real", and listen on a real loopback socket, so a
scenario sees real HTTP (cookies, headers, status lines), never an in-process shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from playground.auth_server import AUTO, EMBEDDED, REAL, AuthServer, start_auth_server
from playground.tls import client_tls

TRUSTED_ORIGIN = "http://app.example"
#: The process's one TLS context for every client (the servers are plain HTTP on loopback): building a
#: client's default one loads the CA bundle, ~20 ms of CPU, and the tables make a fresh client per case.
CLIENT_TLS = client_tls()
DEMO_EMAIL = "ada@example.com"


@dataclass
class Target:
    """A started server (``server``, the ``AuthServer`` handle) and what the scenarios read off it."""

    server: AuthServer
    teaching_controls: bool = False

    @property
    def kind(self) -> str:
        return self.server.kind

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str | None:
        return self.server.base_url

    @property
    def secret(self) -> str:
        return self.server.secret

    @property
    def demo_password(self) -> str:
        return self.server.demo_password

    @property
    def options(self) -> dict[str, Any]:
        return self.server.options

    @property
    def label(self) -> str:
        return self.server.label

    def stop(self) -> None:
        self.server.stop()

    def client(self, *, origin: bool = True, **kwargs) -> httpx.Client:
        """A fresh client (no cookies yet); ``origin`` sends this server's own Origin on every request,
        as a browser on the auth server's page would."""
        headers = {"origin": self.base_url or self.url} if origin else {}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0, verify=CLIENT_TLS, **kwargs)


def start(
    kind: str,
    options: dict[str, Any],
    *,
    own_base_url: bool = True,
    teaching_controls: bool = False,
    cors_origins: tuple[str, ...] = (),
) -> Target:
    """Start one server. ``cors_origins``: the playground's CORS layer in front of it (Better Auth
    has none): ``PLAYGROUND_CORS_ORIGINS`` for the real one, ``playground.auth_cors`` for the
    embedded one."""
    server = start_auth_server(
        kind,
        options=options,
        base_url=AUTO if own_base_url else None,
        teaching_controls=teaching_controls,
        trusted_origins=[TRUSTED_ORIGIN],
        cors_origins=cors_origins,
    )
    return Target(server, teaching_controls)


__all__ = ["DEMO_EMAIL", "EMBEDDED", "REAL", "TRUSTED_ORIGIN", "Target", "start"]
