"""The playground: an auth server, the reference backend and the browser page, in this process.

``start()`` runs the three servers in threads (``playground.servers``) inside the current process
(a notebook kernel, a test, the CLI) and returns their handle. The auth server comes from
``playground.auth_server``, the one factory for "an auth server, embedded or real".
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import threading
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from playground.auth_server import ISSUERS, AuthServer, start_auth_server
from playground.clock import DEMO_EPOCH, Clock
from playground.servers import PlaygroundStartError, ServerThread, bind_loopback, bind_preferred, stop_all
from playground.tls import client_tls

#: Ports the deterministic playground uses when they are free (see ``bind_preferred``).
DEMO_AUTH_PORT, DEMO_API_PORT, DEMO_FRONTEND_PORT = 41700, 41701, 41702
#: JupyterHub (and so Binder) sets the first in every participant's server; the second says the
#: same on any other shared machine. See ``shared_host``.
HUB_PREFIX_VARIABLE, SHARED_HOST_VARIABLE = "JUPYTERHUB_SERVICE_PREFIX", "PLAYGROUND_SHARED_HOST"


def shared_host() -> bool:
    """True when other people's processes run on this machine (a hub), so loopback is not private.

    Then the playground is never deterministic: its demo keys are derived from a public label and
    its session tokens from a fixed seed, so another participant could sign tokens this backend
    accepts and replay this issuer's sessions (the bearer plugin takes a bare session token).
    ``PLAYGROUND_SHARED_HOST=0`` says otherwise, e.g. to compare the stored lesson outputs (nbval)
    from a hub's terminal, accepting that guessable playground for the time of the run.
    """
    marked = os.environ.get(SHARED_HOST_VARIABLE)
    if marked in ("0", "1"):
        return marked == "1"
    return bool(os.environ.get(HUB_PREFIX_VARIABLE))


def browser_url(url: str) -> str:
    """``url`` (a playground server on 127.0.0.1) as the learner's browser reaches it.

    Unchanged on a laptop. Under a hub the browser is elsewhere: the URL goes through
    jupyter-server-proxy, ``<prefix>proxy/<port>/<path>`` on the hub's own origin.
    """
    prefix = os.environ.get(HUB_PREFIX_VARIABLE)
    if not prefix:
        return url
    parsed = httpx.URL(url)
    return f"{prefix.rstrip('/')}/proxy/{parsed.port}{parsed.raw_path.decode() or '/'}"


@dataclass(frozen=True)
class _Request:
    """What a start() call asked for: the same request twice returns the running playground."""

    issuer: str
    deterministic: bool
    auth_port: int
    api_port: int
    frontend_port: int


@dataclass
class _Credential:
    value: str
    source: str  # "environment" or "generated"


class Playground:
    """The running playground: an auth server (embedded or the real Better Auth) and the backend.

    ``auth`` and ``api`` are ``httpx.Client`` objects whose base URLs point at the two servers;
    ``controls`` are the teaching controls (rotate keys, mint tokens with chosen claims).
    ``advance(seconds)`` lets time pass for the playground. ``api_clock`` is the backend's clock:
    shift it alone to reproduce clock skew (that works with either issuer). ``issuer_clock`` is
    the embedded issuer's clock, ``None`` with the real Better Auth, which reads the system clock.
    """

    def __init__(self, *, issuer: str, auth_server: AuthServer, api_server: ServerThread,
                 frontend_server: ServerThread | None, issuer_clock: Clock | None,
                 api_clock: Clock, secret: _Credential, demo_password: _Credential, request: _Request) -> None:
        self.issuer = issuer
        self._auth_server = auth_server
        self._api_server = api_server
        self._frontend_server = frontend_server
        self.issuer_clock = issuer_clock
        self.api_clock = api_clock
        self._secret = secret
        self._demo_password = demo_password
        self._request = request
        tls = client_tls()  # one per process, not per start(): see playground.tls
        self.auth = httpx.Client(base_url=self.auth_url, timeout=10.0, verify=tls)
        self.api = httpx.Client(base_url=self.api_url, timeout=10.0, verify=tls)
        self.controls = auth_server.controls

    @property
    def auth_url(self) -> str:
        return self._auth_server.url

    @property
    def api_url(self) -> str:
        return self._api_server.url

    @property
    def frontend_url(self) -> str | None:
        """The browser page (None when it was not built: it needs Node, see README)."""
        return self._frontend_server.url if self._frontend_server is not None else None

    @property
    def secret(self) -> str:
        """The BETTER_AUTH_SECRET the auth server runs with (never printed by repr)."""
        return self._secret.value

    @property
    def demo_password(self) -> str:
        """The password of the seeded demo users (never printed by repr)."""
        return self._demo_password.value

    @property
    def secret_generated(self) -> bool:
        """True when no BETTER_AUTH_SECRET was set and a random secret was made for this run."""
        return self._secret.source == "generated"

    @property
    def demo_password_generated(self) -> bool:
        return self._demo_password.source == "generated"

    @property
    def running(self) -> bool:
        return self._auth_server.running and self._api_server.running

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for both servers (only the backend's clock when the issuer is real)."""
        self.api_clock.shift(seconds)
        if self.issuer_clock is not None:
            self.issuer_clock.shift(seconds)

    def stop(self) -> None:
        self.auth.close()
        self.api.close()
        stop_all([self._auth_server, self._api_server,
                  *([self._frontend_server] if self._frontend_server is not None else [])])

    def __enter__(self) -> Playground:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        secret_note = ("random, generated for this run (set BETTER_AUTH_SECRET to choose one)"
                       if self.secret_generated else "from BETTER_AUTH_SECRET")
        return "\n".join([
            f"Playground (issuer: {self.issuer})",
            f"  auth server : {self.auth_url}/api/auth",
            f"  backend     : {self.api_url}/api",
            f"  frontend    : {self.frontend_url or 'not built (needs Node: make lab builds it)'}",
            f"  clock       : {self.api_clock!r}",
            f"  secret      : {secret_note}",
            *(self._hub_notes() if os.environ.get(HUB_PREFIX_VARIABLE) else []),
        ])

    def _hub_notes(self) -> list[str]:
        """Under a hub the learner's browser cannot reach 127.0.0.1 here: what to open instead."""
        return [
            f"  in your browser: the backend's API at {browser_url(self.api_url + '/api/public')}"
            " (through jupyter-server-proxy)",
            "  the frontend page and /docs need a local install: they load from their server's root and",
            "    call the auth server and the backend on their own origins, which a browser elsewhere",
            "    cannot reach; through the proxy all three would share the hub's one origin, and the CORS",
            "    lessons' point - separate origins - would vanish. The lessons' headless Chromium runs",
            "    beside the kernel and sees the real origins.",
        ]


_running: Playground | None = None
_lock = threading.Lock()


def start(issuer: str | None = None, *, deterministic: bool = True, auth_port: int = 0,
          api_port: int = 0, frontend_port: int = 0, fresh: bool = False) -> Playground:
    """Start the playground, or return the one already running with the same arguments.

    ``fresh=True`` always starts a new one: the lesson's starting state (no sign-ups, the demo
    clock at its epoch, the first keys), whatever cells ran before — a lesson's reset cell.

    ``issuer`` is ``"embedded"`` (default, or the ``PLAYGROUND_ISSUER`` environment variable) or
    ``"better-auth"`` (the real package from npm, run with Node). ``deterministic`` freezes the
    embedded issuer's clock at ``DEMO_EPOCH`` and fixes its demo keys and ids, so a lesson's
    output is the same on every run; it has no effect on the real Better Auth, whose clock is the
    system's, nor on a shared host (``shared_host``: its keys and sessions would be guessable by
    the other participants). A playground started by a different call is stopped first: one at a time.

    The teaching controls answer only to this run's random token, which ``controls`` holds: a
    process without it (another participant's, on a hub) gets 401 from each of them.
    """
    global _running
    issuer = issuer or os.environ.get("PLAYGROUND_ISSUER", "embedded")
    if issuer not in ISSUERS:
        raise ValueError(f"issuer must be one of {ISSUERS}, not {issuer!r}")
    deterministic = deterministic and issuer == "embedded" and not shared_host()
    request = _Request(issuer, deterministic, auth_port, api_port, frontend_port)
    with _lock:
        if _running is not None:
            if not fresh and _running._request == request and _running.running:
                return _running
            _running.stop()
            _running = None
        _running = _launch(request)
        return _running


def stop() -> None:
    """Stop the running playground, if any (also called at interpreter exit)."""
    global _running
    with _lock:
        if _running is not None:
            _running.stop()
            _running = None


atexit.register(stop)


def _launch(request: _Request) -> Playground:
    secret = _credential("BETTER_AUTH_SECRET", nbytes=32)
    demo_password = _credential("PLAYGROUND_DEMO_PASSWORD", nbytes=12)
    if request.deterministic:
        issuer_clock, api_clock = Clock.frozen(DEMO_EPOCH), Clock.frozen(DEMO_EPOCH)
    else:
        issuer_clock, api_clock = Clock.system(), Clock.system()

    # Imported here so that ServerThread stays usable on its own, without the apps.
    from playground.backend import BackendSettings
    from playground.backend import create_app as create_backend

    # The page's origin must be known before the other two servers are configured: the auth
    # server trusts it (and answers its CORS requests) and the backend allows it (CORS).
    frontend_sock = _socket_for(request, request.frontend_port, DEMO_FRONTEND_PORT, "frontend")
    frontend_origin = f"http://127.0.0.1:{frontend_sock.getsockname()[1]}"
    started: list = []
    try:
        auth_server = _auth_server(request, secret.value, demo_password.value, issuer_clock, frontend_origin)
        started.append(auth_server)
        try:
            api_settings = BackendSettings(better_auth_url=auth_server.url, cors_origins=[frontend_origin],
                                           better_auth_secret=secret.value)
        except ValidationError as exc:  # from the environment (BETTER_AUTH_SECRET, BACKEND_*): one line
            problems = "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
            raise PlaygroundStartError(f"backend settings: {problems}") from None
        api_server = ServerThread(create_backend(api_settings, clock=api_clock),
                                  sock=_socket_for(request, request.api_port, DEMO_API_PORT, "backend"),
                                  name="backend").start()
        started.append(api_server)
        frontend_server = _frontend_server(frontend_sock, auth_server.url, api_server.url)
        if frontend_server is not None:
            started.append(frontend_server.start())
    except BaseException:
        for server in reversed(started):
            server.stop()
        frontend_sock.close()
        raise
    return Playground(issuer=request.issuer, auth_server=auth_server, api_server=api_server,
                      frontend_server=frontend_server,
                      issuer_clock=issuer_clock if request.issuer == "embedded" else None,
                      api_clock=api_clock, secret=secret, demo_password=demo_password, request=request)


def _auth_server(request: _Request, secret: str, demo_password: str, clock: Clock,
                 frontend_origin: str) -> AuthServer:
    # The page's origin is trusted (Better Auth's origin check) and given CORS (Better Auth has none).
    if request.issuer == "better-auth":
        return start_auth_server("better-auth", port=request.auth_port, secret=secret,
                                 demo_password=demo_password, teaching_controls=True,
                                 trusted_origins=[frontend_origin], cors_origins=[frontend_origin])
    return start_auth_server("embedded", sock=_socket_for(request, request.auth_port, DEMO_AUTH_PORT, "auth server"),
                             secret=secret, demo_password=demo_password, teaching_controls=True,
                             trusted_origins=[frontend_origin], cors_origins=[frontend_origin], clock=clock,
                             deterministic=request.deterministic)


def _frontend_server(sock: socket.socket, auth_url: str, api_url: str) -> ServerThread | None:
    """The browser page, or None when it was never built (no Node on this machine)."""
    from playground.frontend import FrontendNotBuiltError, create_app

    try:
        app = create_app(auth_url, api_url)
    except FrontendNotBuiltError:
        sock.close()
        return None
    return ServerThread(app, sock=sock, name="frontend")


def _socket_for(request: _Request, port: int, demo_port: int, name: str) -> socket.socket:
    if port == 0 and request.deterministic:
        return bind_preferred(demo_port, name)
    return bind_loopback(port, name)


def _credential(env_name: str, *, nbytes: int) -> _Credential:
    value = os.environ.get(env_name)
    if value:
        return _Credential(value, "environment")
    return _Credential(secrets.token_urlsafe(nbytes), "generated")
