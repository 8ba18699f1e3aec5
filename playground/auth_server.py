"""One way to get "an auth server, embedded or real": ``start_auth_server()`` and its ``AuthServer``.

Every caller that needs Better Auth running (the playground, the CORS lab, a lesson's second
server, the checker, the conformance and browser tests) starts it here, so the two kinds are
interchangeable behind one small typed handle:

* ``url`` (where it listens), ``origin`` (its ``iss``/``aud``), ``jwks_url``;
* ``secret`` and ``demo_password`` (never shown by ``repr``);
* ``clock`` and ``advance(seconds)``: the embedded issuer's clock; the real Better Auth reads the
  system clock, so ``clock`` is ``None`` and ``advance`` raises ``ClockNotMovableError``;
* ``controls``: the teaching controls client (``None`` unless ``teaching_controls=True``);
* ``running`` and ``stop()`` (also as a context manager).

The embedded issuer is served in a thread (``playground.servers``); the real one is
``node server.mjs`` (``playground.better_auth.launcher``). Neither module imports this one.
"""

from __future__ import annotations

import secrets as _secrets
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from playground.backend.settings import origin_of
from playground.clock import Clock
from playground.controls_client import TeachingControls
from playground.servers import ServerThread, bind_loopback

EMBEDDED = "embedded"
REAL = "better-auth"
ISSUERS = (EMBEDDED, REAL)
IssuerKind = Literal["embedded", "better-auth"]
#: ``base_url=AUTO``: the server's own ``http://127.0.0.1:PORT`` (what the playground always uses).
AUTO = "auto"


class ClockNotMovableError(RuntimeError):
    """The real Better Auth reads the system clock: only the embedded issuer's clock can move."""


@dataclass(eq=False)
class AuthServer:
    """A running auth server of either kind. Build it with ``start_auth_server``."""

    kind: IssuerKind
    url: str
    #: ``BETTER_AUTH_URL`` as configured; ``None`` when unset (Better Auth then trusts Host).
    base_url: str | None
    secret: str = field(repr=False)
    demo_password: str = field(repr=False)
    options: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The embedded issuer's clock (shared with whoever passed it in); ``None`` for the real one.
    clock: Clock | None = field(default=None, repr=False)
    controls: TeachingControls | None = field(default=None, repr=False)
    #: The secret the teaching controls demand (``Authorization: Bearer``); ``None`` without them.
    controls_token: str | None = field(default=None, repr=False)
    _stop: Callable[[], None] = field(default=lambda: None, repr=False)
    _logs: Callable[[], str] = field(default=lambda: "", repr=False)
    _running: Callable[[], bool] = field(default=lambda: False, repr=False)
    _request_stop: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def origin(self) -> str:
        """What Better Auth puts in ``iss`` and ``aud`` by default: the base URL's origin."""
        return origin_of(self.base_url or self.url)

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/api/auth/jwks"

    @property
    def label(self) -> str:
        if self.kind == REAL:
            from playground.better_auth.launcher import installed_version

            return f"better-auth {installed_version()}"
        return "embedded issuer"

    @property
    def running(self) -> bool:
        return self._running()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for this server (embedded issuer only)."""
        if self.clock is None:
            raise ClockNotMovableError("the real Better Auth reads the system clock; mint a token with "
                                       "chosen iat/exp claims instead (controls.mint_token)")
        self.clock.shift(seconds)

    def logs(self) -> str:
        """What the server printed (the real Better Auth's log; empty for the embedded issuer)."""
        return self._logs()

    def request_stop(self) -> None:
        """Ask the server to stop without waiting (``playground.servers.stop_all``)."""
        self._request_stop()

    def stop(self) -> None:
        if self.controls is not None:
            self.controls.close()
        self._stop()

    def __enter__(self) -> AuthServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_auth_server(
    issuer: IssuerKind = EMBEDDED,
    *,
    port: int = 0,
    sock: socket.socket | None = None,
    secret: str | None = None,
    demo_password: str | None = None,
    options: Mapping[str, Any] | None = None,
    base_url: str | None = AUTO,
    teaching_controls: bool = False,
    trusted_origins: Iterable[str] = (),
    cors_origins: Iterable[str] = (),
    cors_overrides: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    deterministic: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> AuthServer:
    """Start an auth server and wait until it answers.

    - ``issuer``: ``"embedded"`` (the Python issuer, in a thread) or ``"better-auth"`` (Node).
    - ``port`` / ``sock``: where to listen (0: a free port; ``sock``: a socket already bound, embedded only).
    - ``secret`` / ``demo_password``: random when not given (read them back from the handle).
    - ``options``: the JSON option tree both servers understand (``playground/issuer/README.md``).
    - ``base_url``: ``AUTO`` = its own URL; ``None`` leaves ``BETTER_AUTH_URL`` unset.
    - ``teaching_controls``: the ``/__playground/*`` routes, reachable only with the per-run
      token that the returned ``controls`` client carries.
    - ``trusted_origins``: Better Auth's ``trustedOrigins`` (its origin check, not CORS).
    - ``cors_origins`` / ``cors_overrides``: the CORS layer in front of it (Better Auth has none);
      overrides change single Starlette options (embedded only: the CORS lab's broken setups).
    - ``clock`` / ``deterministic``: the embedded issuer's clock, fixed keys and seeded ids.
    - ``env``: extra environment for the Node process (real Better Auth only).
    - ``timeout``: generous by default: Node on a loaded machine can take many seconds.
    """
    if issuer not in ISSUERS:
        raise ValueError(f"issuer must be one of {ISSUERS}, not {issuer!r}")
    secret = secret or _secrets.token_urlsafe(32)
    demo_password = demo_password or _secrets.token_urlsafe(12)
    options = dict(options or {})
    trusted_origins, cors_origins = list(trusted_origins), list(cors_origins)
    # The teaching controls mint any token: they answer only to this per-run secret, which the
    # server is started with and the returned ``controls`` client carries.
    controls_token = _secrets.token_urlsafe(32) if teaching_controls else None
    if issuer == REAL:
        if sock is not None or cors_overrides or clock is not None:
            if sock is not None:
                sock.close()
            raise ValueError("sock, cors_overrides and clock apply to the embedded issuer only")
        return _start_real(port=port, secret=secret, demo_password=demo_password, options=options,
                           base_url=base_url, controls_token=controls_token,
                           trusted_origins=trusted_origins, cors_origins=cors_origins, env=env, timeout=timeout)
    return _start_embedded(port=port, sock=sock, secret=secret, demo_password=demo_password, options=options,
                           base_url=base_url, controls_token=controls_token,
                           trusted_origins=trusted_origins, cors_origins=cors_origins,
                           cors_overrides=dict(cors_overrides or {}), clock=clock,
                           deterministic=deterministic, timeout=timeout)


def _start_real(*, port, secret, demo_password, options, base_url, controls_token, trusted_origins,
                cors_origins, env, timeout) -> AuthServer:
    from playground.better_auth.launcher import RealBetterAuth

    environment = dict(env or {})
    if cors_origins:
        environment["PLAYGROUND_CORS_ORIGINS"] = ",".join(cors_origins)
    server = RealBetterAuth(port=port, secret=secret, demo_password=demo_password, base_url=base_url,
                            options=options, teaching_controls=controls_token is not None,
                            controls_token=controls_token, trusted_origins=trusted_origins,
                            env=environment).start(timeout=timeout)
    return AuthServer(
        kind=REAL, url=server.url, base_url=server.base_url, secret=secret, demo_password=demo_password,
        options=options, clock=None, controls_token=controls_token,
        controls=TeachingControls(server.url, controls_token) if controls_token else None,
        _stop=server.stop, _logs=server.logs, _running=lambda: server.running,
    )


def _start_embedded(*, port, sock, secret, demo_password, options, base_url, controls_token, trusted_origins,
                    cors_origins, cors_overrides, clock, deterministic, timeout) -> AuthServer:
    from playground.issuer import IssuerConfig, create_app

    sock = sock if sock is not None else bind_loopback(port, "auth server")
    try:
        own_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        clock = clock or Clock.system()
        config = IssuerConfig.from_options(
            {**options, "trustedOrigins": [*trusted_origins, *options.get("trustedOrigins", [])]},
            base_url=own_url if base_url == AUTO else base_url, secret=secret, clock=clock,
            deterministic=deterministic, demo_password=demo_password,
            teaching_controls=controls_token is not None, controls_token=controls_token,
        )
        app = create_app(config)
        if cors_origins or cors_overrides:
            from playground.auth_cors import auth_cors

            app = auth_cors(app, cors_origins, **cors_overrides)
        thread = ServerThread(app, sock=sock, name="auth server").start(timeout=timeout)
    except BaseException:
        sock.close()
        raise
    return AuthServer(
        kind=EMBEDDED, url=thread.url, base_url=config.base_url, secret=secret, demo_password=demo_password,
        options=options, clock=clock, controls_token=controls_token,
        controls=TeachingControls(thread.url, controls_token) if controls_token else None,
        _stop=thread.stop, _running=lambda: thread.running, _request_stop=thread.request_stop,
    )


__all__ = ["AUTO", "EMBEDDED", "ISSUERS", "REAL", "AuthServer", "ClockNotMovableError", "start_auth_server"]
