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

import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.auth_server import AuthServer
from playground.jose import split

from .case import NO_ANSWER

ADA, GRACE = "ada@example.com", "grace@example.com"  # the seeded demo users: ada is an admin
#: The credentials a run can grade (``--credential``); ``jwt`` is the default.
CREDENTIALS = ("jwt", "cookie", "bearer-session")
#: Sent as the body of a write when the checker has no schema for it.
NO_BODY = object()


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
    #: Set by the engine: whether the app was given the issuer's secret ({secret} in --env).
    secret_shared = True

    def __init__(self, issuer: AuthServer, client: httpx.Client, *, protected: str, owner: str | None,
                 admin: str | None, public: str | None, frontend_origin: str | None, leeway: float,
                 external: bool = False, credential: str = "jwt", owner_flow: str | None = None,
                 discover: bool = True) -> None:
        self.issuer = issuer
        self.client = client
        self.protected = protected
        self.owner = owner
        self.admin = admin
        self.public = public
        self.frontend_origin = frontend_origin
        self.leeway = leeway
        #: The target is a server started elsewhere (--api-url), not built for this run.
        self.external = external
        #: The credential this run grades (one of ``CREDENTIALS``).
        self.credential = credential
        #: ``--owner 'POST /api/tasks -> /api/tasks/{id}'``: a resource one user creates (``routes.py``).
        self.owner_flow = owner_flow
        self.discover = discover
        self._routes: Any = None
        self.exchanges: list[Exchange] = []
        self.ada = self._sign_in(ADA)
        self.grace = self._sign_in(GRACE)
        self._kid: str | None = None
        #: A token whose key key-rotated-in removed from the JWKS (for key-rotated-out).
        self.retired_token: str | None = None

    # --- the issuer -----------------------------------------------------------------------

    def _sign_in(self, email: str) -> Identity:
        with httpx.Client(base_url=self.issuer.url, timeout=30.0,
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

    @property
    def kid(self) -> str:
        """The issuer's current signing key id (read from a real token's header)."""
        if self._kid is None:
            self._kid = split(self.ada.access_token)[0]["kid"]
        return self._kid

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

    def credential_label(self, identity: Identity) -> str:
        name = identity.email.partition("@")[0]
        return {"cookie": f"{name}'s session cookies", "bearer-session": f"{name}'s session token as Bearer"}.get(
            self.credential, f"{name}'s token")

    def send(self, path: str, *, token: str | None = None, describe: str = "", method: str = "GET",
             headers: dict[str, str | bytes] | None = None, as_user: Identity | None = None,
             json: Any = NO_BODY) -> Exchange:
        """One request to the target, recorded. ``token``: a JWT as ``Authorization: Bearer``;
        ``as_user``: that user's credential of this run's kind; ``json``: a JSON body."""
        all_headers: dict[str, str | bytes] = {}
        if as_user is not None:
            all_headers.update(self.credential_headers(as_user))
        all_headers.update(headers or {})
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        body = {} if json is NO_BODY else {"json": json}
        for attempt in (1, 2):
            try:
                response = self.client.request(method, path, headers=all_headers, **body)
                break
            except httpx.LocalProtocolError as exc:  # the checker built a request HTTP cannot carry
                raise ValueError(f"cannot send {describe!r}: {exc}") from None
            except httpx.TimeoutException:
                # An input that hangs the app is a finding of the case that sent it, not a setup problem.
                return self._record(Exchange(method=method, path=path, sent=describe or "a request", status=NO_ANSWER,
                                             reason=None, www_authenticate=None, headers=httpx.Headers(),
                                             body=f"no answer within {self.client.timeout.read:g} s"))
            except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
                # A server closes a kept-alive connection after a crash (a 500): retry once on a new one.
                if attempt == 2:
                    raise TargetUnreachableError(f"the app stopped answering: {method} {path}: "
                                                 f"{type(exc).__name__}: {exc}") from None
            except httpx.ConnectError:
                raise TargetUnreachableError(f"nothing answers at {self.client.base_url}: is the server running?") from None
            except httpx.TransportError as exc:
                raise TargetUnreachableError(f"the app stopped answering: {method} {path}: "
                                             f"{type(exc).__name__}: {exc}") from None
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
            headers=response.headers, body=response.text[:500],
        )
        return self._record(exchange)

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


def _shorten(text: str, limit: int) -> str:
    # Printable only: an app's control characters must not reach the terminal or the JUnit XML.
    text = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
