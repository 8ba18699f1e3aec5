"""What every case needs: the running issuer, the target's HTTP client, tokens and their users.

Tokens come from the issuer itself: the real sign-in flow and ``/api/auth/token`` for the
baseline, and the issuer's teaching controls (``mint_token``: chosen claims, HS256 with the
secret, unsigned) for the variants. Forgeries that need no issuer key come from the attack lab.
Every request the cases send goes through ``Context.send``, which records it for the report.

A run grades one kind of credential (``--credential``): ``jwt`` (``Authorization: Bearer`` with
the access token), ``cookie`` (the cookies the issuer sets at sign-in: the signed
``better-auth.session_token`` and the ``session_data`` cookie cache) or ``bearer-session`` (the
bearer plugin's signed session token as ``Authorization: Bearer``). ``send(as_user=...)`` sends
that user's credential in the run's kind.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.auth_server import AuthServer
from playground.jose import split
from playground.tls import client_tls

from .case import APP_DIED, NO_ANSWER

#: The longest a 429's Retry-After is waited for; still 429 after that, its case is "not judged".
MAX_RETRY_AFTER = 3.0
#: Requests in a row without an answer after which the app is taken to have stopped answering.
MAX_UNANSWERED = 3
ADA, GRACE = "ada@example.com", "grace@example.com"  # the seeded demo users: ada is an admin
#: The credentials a run can grade (``--credential``); ``jwt`` is the default.
CREDENTIALS = ("jwt", "cookie", "bearer-session")
#: A credential no app can verify: a route that accepts it as well as a valid one authenticates nobody.
GARBAGE_TOKEN = "garbage.garbage.garbage"
#: Sent as the body of a write when the checker has no schema for it.
NO_BODY = object()
#: The checker's clients' TLS settings (httpx's defaults), the process's one context: a client built
#: without them loads the CA bundle again (~20 ms of CPU), and a run builds several (sign-ins, the target's).
TLS = client_tls()


class TargetUnreachableError(Exception):
    """The app under test did not answer at all (connection refused, timeout)."""


@dataclass
class Exchange:
    """One request a case sent and what came back, as the report shows it."""

    method: str
    path: str
    sent: str  # what was sent, in words (the token is described, not printed: it is long)
    status: int
    reason: str | None
    www_authenticate: str | None
    headers: httpx.Headers = field(repr=False)
    body: str = field(repr=False)
    #: The whole answer (up to 64 KB): a created resource's id, a body compared before and after.
    full_body: str = field(default="", repr=False)

    @property
    def got(self) -> str:
        if self.status == NO_ANSWER:
            return self.body
        text = f"{self.status}"
        if self.reason:
            text += f" {_shorten(self.reason, 60)}"
        elif self.body:
            text += f" {_shorten(self.body, 80)}"
        return text


@dataclass
class Identity:
    email: str
    id: str
    session_token: str  # the bearer plugin's opaque session token (sign-in JSON "token")
    signed_session_token: str | None  # token.signature, as in the cookie and set-auth-token
    cookie_cache_jwt: str | None  # better-auth.session_data with the jwt strategy
    access_token: str  # a real JWT from GET /api/auth/token
    #: Every cookie the issuer set at sign-in, as set (values still percent-encoded).
    cookies: dict[str, str] = field(default_factory=dict, repr=False)


class Context:
    #: Set by the engine when the app runs in a child process: whether that process died (why),
    #: starting it again. A request it never answered is then a crash of the case that sent it.
    revive: Callable[[], str | None] | None = None
    #: Requests in a row the app did not answer (reset by any answer).
    unanswered = 0
    #: Set by the engine: whether the app was given the issuer's secret ({secret} in --env).
    secret_shared = True

    def __init__(self, issuer: AuthServer, client: httpx.Client, *, protected: str, owner: str | None,
                 admin: str | None, public: str | None, frontend_origin: str | None, leeway: float,
                 external: bool = False, credential: str = "jwt", owner_flow: str | None = None,
                 discover: bool = True, cookie_cache: str = "jwt") -> None:
        self.issuer = issuer
        self.client = client
        self.owner = owner
        self.admin = admin
        self.public = public
        self.frontend_origin = frontend_origin
        self.leeway = leeway
        #: The target is a server started elsewhere (--api-url), not built for this run.
        self.external = external
        #: The credential this run grades (one of ``CREDENTIALS``).
        self.credential = credential
        #: The issuer's session.cookieCache strategy: the encoding of better-auth.session_data.
        self.cookie_cache = cookie_cache
        #: ``--owner 'POST /api/tasks -> /api/tasks/{id}'``: a resource one user creates (``routes.py``).
        self.owner_flow = owner_flow
        self.discover = discover
        self._routes: Any = None
        #: Resources ada created for the ownership flows: label -> (path, exchanges, why not).
        self.owned: dict[str, Any] = {}
        self.exchanges: list[Exchange] = []
        #: Clients left behind by requests that never finished (see ``_request``).
        self.abandoned: list[httpx.Client] = []
        self.ada = self._sign_in(ADA)
        self.grace = self._sign_in(GRACE)
        self._kid: str | None = None
        #: A token whose key key-rotated-in removed from the JWKS (for key-rotated-out).
        self.retired_token: str | None = None
        self.set_protected(protected)

    def set_protected(self, route: str | None) -> None:
        """The protected route, and the method it is called with (``--protected 'POST /api/notes'``
        for an app whose protected routes are all writes): every case's default request. Its path
        parameters are filled: a user id with ada's (her token is the one it must serve), any other
        with its schema's smallest value (a literal ``{id}`` only earns a 422)."""
        from .discovery import Operation, concrete

        self.protected_method, self.protected_template = split_route(route)
        self.protected = self.protected_template
        if self.protected_template is not None and "{" in self.protected_template:
            op = self.routes.operation(self.protected_method, self.protected_template) or \
                Operation(self.protected_method, self.protected_template, secured=True)
            self.protected = concrete(op, self.ada.id)

    # --- the issuer -----------------------------------------------------------------------

    def _sign_in(self, email: str) -> Identity:
        with httpx.Client(base_url=self.issuer.url, timeout=30.0, verify=TLS,
                          headers={"origin": self.issuer.origin}) as auth:
            response = auth.post("/api/auth/sign-in/email",
                                 json={"email": email, "password": self.issuer.demo_password})
            response.raise_for_status()
            body = response.json()
            token = auth.get("/api/auth/token")
            token.raise_for_status()
            signed = auth.cookies.get("better-auth.session_token")
            return Identity(
                email=email, id=body["user"]["id"], session_token=body["token"],
                signed_session_token=urllib.parse.unquote(signed) if signed else None,
                cookie_cache_jwt=auth.cookies.get("better-auth.session_data"),
                access_token=token.json()["token"],
                cookies={cookie.name: cookie.value for cookie in auth.cookies.jar},
            )

    def signed_out_session(self, email: str = ADA) -> Identity:
        """A new session of ``email`` that was then signed out (its cookies as they were before)."""
        identity = self._sign_in(email)
        cookie = "; ".join(f"{name}={value}" for name, value in identity.cookies.items())
        httpx.post(f"{self.issuer.url}/api/auth/sign-out", json={}, timeout=30.0, verify=TLS,
                   headers={"origin": self.issuer.origin, "cookie": cookie}).raise_for_status()
        return identity

    @property
    def kid(self) -> str:
        """The issuer's current signing key id (read from a real token's header)."""
        if self._kid is None:
            self._kid = split(self.ada.access_token)[0]["kid"]
        return self._kid

    @property
    def token_issuer(self) -> str:
        """The ``iss`` of the issuer's real tokens: its origin, or the jwt plugin's ``jwt.issuer``."""
        return split(self.ada.access_token)[1]["iss"]

    @property
    def token_audience(self) -> str:
        """The ``aud`` of the issuer's real tokens (one string: the checker sets at most one audience)."""
        audience = split(self.ada.access_token)[1]["aud"]
        return audience[0] if isinstance(audience, list) else audience

    def rotated_kid(self, kid: str) -> None:
        """The issuer now signs with ``kid`` (after a rotation)."""
        self._kid = kid

    def now(self) -> int:
        return int(time.time())

    def mint(self, email: str = ADA, *, claims: dict[str, Any] | None = None, drop: tuple[str, ...] = (),
             algorithm: str = "jwks") -> str:
        """A token the issuer signs, as ``/api/auth/token`` would give ``email``, with changes."""
        assert self.issuer.controls is not None, "the checker starts its issuer with teaching controls"
        return self.issuer.controls.mint_token(email, claims=claims or {}, drop=list(drop), algorithm=algorithm)

    def claims(self, email: str = ADA, **changes: Any) -> dict[str, Any]:
        """Claims shaped like Better Auth's for ``email``, valid now (for tokens forged without its key)."""
        identity = self.ada if email == ADA else self.grace
        claims = split(identity.access_token)[1]
        now = self.now()
        return {**claims, "iat": now, "exp": now + 900, **changes}

    # --- the target ------------------------------------------------------------------------

    def credential_headers(self, identity: Identity) -> dict[str, str]:
        """The headers that carry ``identity``'s credential of this run's kind."""
        if self.credential == "cookie":
            return {"cookie": "; ".join(f"{name}={value}" for name, value in identity.cookies.items())}
        if self.credential == "bearer-session":
            # What the bearer plugin's set-auth-token gives a client: the signed token.
            return {"authorization": f"Bearer {identity.signed_session_token or identity.session_token}"}
        return {"authorization": f"Bearer {identity.access_token}"}

    def garbage_credential(self) -> dict[str, str]:
        """A credential of this run's kind that no app can verify: what a route that authenticates refuses."""
        if self.credential == "cookie":
            return {"cookie": "; ".join(f"{name}={GARBAGE_TOKEN}" for name in self.ada.cookies)}
        return {"authorization": f"Bearer {GARBAGE_TOKEN}"}

    def send_garbage(self, path: str, **options: Any) -> Exchange:
        """``path`` sent with ``garbage_credential()``: does the route authenticate at all? Left out of
        the run's exchanges: a crash on garbage is malformed-tokens' finding, reported there."""
        exchange = self.send(path, headers=self.garbage_credential(),
                             describe=f"a garbage credential ({GARBAGE_TOKEN})", **options)
        self.exchanges.remove(exchange)
        return exchange

    def credential_label(self, identity: Identity) -> str:
        name = identity.email.partition("@")[0]
        return {"cookie": f"{name}'s session cookies", "bearer-session": f"{name}'s session token as Bearer"}.get(
            self.credential, f"{name}'s token")

    def send(self, path: str, *, token: str | None = None, describe: str = "", method: str | None = None,
             headers: dict[str, str | bytes] | None = None, as_user: Identity | None = None,
             json: Any = NO_BODY) -> Exchange:
        """One request to the target, recorded. ``token``: a JWT as ``Authorization: Bearer``;
        ``as_user``: that user's credential of this run's kind; ``json``: a JSON body. Without a
        ``method``, the protected route is called with its own (and the smallest body its schema
        allows), any other path with GET."""
        if method is None:
            method = self.protected_method if path == self.protected else "GET"
            if path == self.protected and method in ("POST", "PUT", "PATCH") and json is NO_BODY:
                json = self.routes.body(method, path)
        all_headers: dict[str, str | bytes] = {}
        if as_user is not None:
            all_headers.update(self.credential_headers(as_user))
        all_headers.update(headers or {})
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        body = {} if json is NO_BODY else {"json": json}
        for attempt in (1, 2):
            try:
                response = self._request(method, path, headers=all_headers, **body)
                break
            except httpx.LocalProtocolError as exc:  # the checker built a request HTTP cannot carry
                raise ValueError(f"cannot send {describe!r}: {exc}") from None
            except httpx.TimeoutException:
                # An input that hangs the app is a finding of the case that sent it, not a setup problem;
                # an app that answers nothing at all is not worth waiting for, request after request.
                self.unanswered += 1
                if self.unanswered >= MAX_UNANSWERED:
                    raise TargetUnreachableError(f"the app stopped answering: {MAX_UNANSWERED} requests in a row got "
                                                 f"no answer within {self.client.timeout.read:g} s") from None
                return self._record(Exchange(method=method, path=path, sent=describe or "a request", status=NO_ANSWER,
                                             reason=None, www_authenticate=None, headers=httpx.Headers(),
                                             body=f"no answer within {self.client.timeout.read:g} s"))
            except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
                died = self._died(method, path, describe)
                if died is not None:
                    return died
                # A server closes a kept-alive connection after a crash (a 500): retry once on a new one.
                if attempt == 2:
                    raise TargetUnreachableError(f"the app stopped answering: {method} {path}: "
                                                 f"{type(exc).__name__}: {exc}") from None
            except httpx.ConnectError:
                died = self._died(method, path, describe)
                if died is not None:
                    return died
                raise TargetUnreachableError(
                    f"nothing answers at {self.client.base_url}: is the server running?") from None
            except httpx.TransportError as exc:
                raise TargetUnreachableError(f"the app stopped answering: {method} {path}: "
                                             f"{type(exc).__name__}: {exc}") from None
        if response.status_code == 429:
            # Rate limited: not a verdict. Wait as asked (briefly) and try once more.
            time.sleep(_retry_after(response.headers.get("retry-after")))
            try:
                response = self._request(method, path, headers=all_headers, **body)
            except httpx.TransportError:
                pass
        self.unanswered = 0
        reason = None
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                body = response.json()
                if isinstance(body, dict):
                    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
            except ValueError:
                pass
        exchange = Exchange(
            method=method, path=path,
            sent=describe or ("no credentials" if token is None and as_user is None else "a credential"),
            status=response.status_code, reason=reason,
            www_authenticate=response.headers.get("www-authenticate"),
            headers=response.headers, body=response.text[:500], full_body=response.text[:65536],
        )
        return self._record(exchange)

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """``client.request`` with a deadline on the whole answer: httpx's timeout bounds each read,
        so a server that drips a byte at a time would never time out. A request still running at
        the deadline is abandoned with its client (a fresh one takes over)."""
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["response"] = self.client.request(method, path, **options)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=call, name="checker request", daemon=True)
        worker.start()
        worker.join(self.client.timeout.read + 1.0)
        if worker.is_alive():
            stuck = self.client
            self.client = httpx.Client(base_url=stuck.base_url, timeout=stuck.timeout, follow_redirects=False,
                                       verify=TLS)
            self.abandoned.append(stuck)
            raise httpx.ReadTimeout(f"no complete answer within {stuck.timeout.read:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

    def close(self) -> None:
        """Close the clients this context made in place of stuck ones."""
        for client in self.abandoned:  # one may still be stuck in its read: closed in the background
            threading.Thread(target=client.close, daemon=True).start()
        self.client.close()

    def _died(self, method: str, path: str, describe: str) -> Exchange | None:
        cause = self.revive() if self.revive is not None else None
        if cause is None:
            return None
        return self._record(Exchange(method=method, path=path, sent=describe or "a request", status=NO_ANSWER,
                                     reason=None, www_authenticate=None, headers=httpx.Headers(),
                                     body=f"{APP_DIED}: {cause} (started again)"))

    def _record(self, exchange: Exchange) -> Exchange:
        self.exchanges.append(exchange)
        return exchange

    def owner_path(self, user_id: str, template: str | None = None) -> str:
        template = template or self.owner
        assert template is not None
        return template.replace("{user_id}", urllib.parse.quote(user_id, safe=""))

    @property
    def routes(self):
        """What the app serves (``discovery.RouteMap``): its OpenAPI document, else only the given routes."""
        if self._routes is None:
            from .discovery import discover

            self._routes = discover(self)
        return self._routes


def _retry_after(value: str | None) -> float:
    """Seconds to wait before retrying a 429: its Retry-After in seconds, at most MAX_RETRY_AFTER."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:  # an HTTP date, or garbage: a second
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if seconds == seconds else 1.0


ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def split_route(route: str | None) -> tuple[str, str | None]:
    """``'POST /api/notes'`` -> ``('POST', '/api/notes')``; a bare path is called with GET."""
    if route is None:
        return "GET", None
    method, _, path = route.strip().partition(" ")
    if method.upper() in ROUTE_METHODS and path.strip().startswith("/"):
        return method.upper(), path.strip()
    return "GET", route


def _shorten(text: str, limit: int) -> str:
    # Printable only: an app's control characters must not reach the terminal or the JUnit XML.
    text = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
