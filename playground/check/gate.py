"""The checker's gate: a reverse proxy it owns, in front of the whole issuer.

The app under test is given the gate's origin as ``{issuer}`` (and ``{jwks}`` below it), and the
issuer is started with that origin as its base URL, so ``iss`` and ``aud`` match whatever the app
fetches through the gate. That lets the outage cases take the issuer "down" (503 on every path),
serve garbage from it, and bring it back, and lets the amplification case count the app's JWKS
fetches, without touching either issuer: the embedded one and the real Better Auth are gated alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

import httpx

from playground.auth_server import AuthServer, start_auth_server
from playground.servers import ServerThread, bind_loopback, stop_all
from playground.tls import client_tls

Mode = Literal["up", "down", "garbage"]
#: Hop-by-hop and length headers: the gate reads the whole answer and sends it with its own length.
_NOT_FORWARDED = {b"host", b"connection", b"keep-alive", b"transfer-encoding", b"content-length",
                  b"content-encoding", b"upgrade"}
GARBAGE = b"<html><body>502 Bad Gateway (a load balancer's error page)</body></html>"
#: The process's one TLS context: each request's client would otherwise load the CA bundle again
#: (~20 ms of CPU a request; the upstream is the issuer on loopback, over plain HTTP).
_TLS = client_tls()


class IssuerGate:
    """Forwards every request to the issuer while ``mode`` is ``"up"``; counts JWKS requests."""

    def __init__(self, port: int = 0) -> None:
        self.mode: Mode = "up"
        #: Requests for a path ending in ``/jwks`` that reached the gate (the app's key fetches), and their paths.
        self.jwks_fetches = 0
        self.jwks_paths: list[str] = []
        self._upstream: str | None = None
        self._server = ServerThread(self, sock=bind_loopback(port, "issuer gate"), name="issuer gate",
                                    lifespan="off")

    @property
    def url(self) -> str:
        return self._server.url

    def open(self, upstream: str) -> IssuerGate:
        self._upstream = upstream
        self._server.start()
        return self

    def request_stop(self) -> None:
        self._server.request_stop()

    def stop(self) -> None:
        self._server.stop()

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"].rstrip("/").endswith("/jwks"):
            self.jwks_fetches += 1
            self.jwks_paths.append(scope["path"])
        if self.mode == "down":
            await _answer(send, 503, [(b"content-type", b"text/plain")], b"issuer unavailable (the checker's outage)")
            return
        if self.mode == "garbage":
            await _answer(send, 200, [(b"content-type", b"text/html")], GARBAGE)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = f"{self._upstream}{scope['raw_path'].decode('latin-1')}"
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _NOT_FORWARDED]
        try:
            async with httpx.AsyncClient(timeout=30.0, verify=_TLS) as client:
                response = await client.request(scope["method"], target, headers=headers, content=body)
        except httpx.HTTPError as exc:
            await _answer(send, 502, [(b"content-type", b"text/plain")], f"the gate's issuer: {exc}".encode())
            return
        content = response.content
        out = [(k, v) for k, v in response.headers.raw if k.lower() not in _NOT_FORWARDED]
        await _answer(send, response.status_code, out, content)


async def _answer(send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@dataclass(eq=False)
class GatedAuthServer(AuthServer):
    """The issuer as the app sees it: ``url``, ``origin`` and ``jwks_url`` are the gate's."""

    gate: IssuerGate | None = field(default=None, repr=False)


def start_gated_issuer(issuer: str, *, port: int = 0, host: str = "127.0.0.1", **options: Any) -> GatedAuthServer:
    """``start_auth_server(issuer, **options)`` behind a gate listening on ``port`` (0: a free one);
    ``host="localhost"``: the issuer's URL (and so ``iss``, ``aud`` and ``{issuer}``) names it so."""
    gate = IssuerGate(port)
    try:
        server = start_auth_server(issuer, base_url=gate.url.replace("127.0.0.1", host, 1), **options)
    except BaseException:
        gate.stop()
        raise
    try:
        gate.open(server.url)
    except BaseException:
        server.stop()
        raise

    def request_stop() -> None:
        gate.request_stop()
        server.request_stop()

    copied = {f.name: getattr(server, f.name) for f in fields(AuthServer) if f.init}
    # Asked to stop together, so that their shutdowns overlap (a request still passing through the
    # gate may then get a 502: only one its client already gave up on).
    return GatedAuthServer(**{**copied, "url": gate.url, "_stop": lambda: stop_all([gate, server]),
                              "_request_stop": request_stop}, gate=gate)


__all__ = ["GatedAuthServer", "IssuerGate", "start_gated_issuer"]
