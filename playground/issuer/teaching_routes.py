"""Teaching controls: move the issuer's clock, rotate its keys now, mint tokens with chosen claims.

They exist for the troubleshooting lessons (an expired token, a wrong audience, a rotated key)
and are off unless ``IssuerConfig(teaching_controls=True)``. Then they are reachable as
``app.state.controls`` and over HTTP under ``/__playground/`` — a prefix no Better Auth route
uses, so the real-Better-Auth twin (``playground/better_auth/server.mjs``) offers the same
controls at the same paths, guarded the same way:

* ``GET  /__playground/state`` → ``{"now": epoch seconds, "keys": [JWKS entries incl. expired]}``
* ``POST /__playground/clock/shift`` ``{"seconds": 900}`` → the new state
* ``POST /__playground/keys/rotate`` ``{}`` (or ``{"keepOld": false}``: old keys leave ``/jwks`` now)
  → ``{"kid": new kid}``
* ``POST /__playground/tokens`` ``{"email": ..., "claims": {...}, "drop": ["aud"], "algorithm": "jwks"|"HS256"|"none"}``
  → ``{"token": ...}``

A control mints any token, so a served playground must grant them to nobody but its owner (the
way Jupyter guards its kernels): every request needs the per-run ``controls_token`` as
``Authorization: Bearer`` (401 without it), must be addressed to this server by its own loopback
name (``Host`` 127.0.0.1:PORT or localhost:PORT; anything else is DNS rebinding: 403), must not
come from another web origin (a foreign ``Origin``: 403), and a POST must carry JSON
(``Content-Type: application/json``; a form or ``text/plain`` — what a cross-site page can send
without a preflight — is a 415).

``GET /__playground/`` is the index: ``CONTROLS``, each with its method, path and body (JSON, or an
HTML table for a browser). It needs no token: it describes the controls and carries no secret, so
a learner can open it in the browser, which cannot send the controls' ``Authorization`` header.
"""

from __future__ import annotations

import hmac
import html
import json
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import jwt as pyjwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from playground.issuer.errors import AuthError
from playground.issuer.keys import load_private
from playground.issuer.tokens import encode_jws, expiry

if TYPE_CHECKING:
    from playground.issuer.state import Issuer

PREFIX = "/__playground"
ALGORITHMS = ("jwks", "HS256", "none")


@dataclass(frozen=True)
class Control:
    """One teaching control as its index, ``serve`` and the docs describe it."""

    method: str
    path: str
    body: dict[str, Any] | None  # an example JSON body, None for a GET
    answer: str
    purpose: str


#: Every control of both auth servers (the real Better Auth's twin has the same paths).
CONTROLS = (
    Control("GET", f"{PREFIX}/state", None, '{"now": epoch seconds, "keys": [every key, retired ones too]}',
            "the issuer's clock and keys"),
    Control("POST", f"{PREFIX}/clock/shift", {"seconds": 900}, "the new state",
            "move the issuer's clock (embedded issuer only: 501 with the real Better Auth)"),
    Control("POST", f"{PREFIX}/keys/rotate", {"keepOld": True}, '{"kid": the new key id}',
            "retire the signing key now; keepOld false drops the old keys from /jwks at once"),
    Control("POST", f"{PREFIX}/tokens",
            {"email": "ada@example.com", "claims": {"role": "admin"}, "drop": ["aud"], "algorithm": "jwks"},
            '{"token": a JWT}',
            'the JWT /token would give the user, claims changed; algorithm "HS256" or "none" forges'),
)
#: How to call them: said by the index and by ``serve`` (the token itself only by ``serve``).
CONTROLS_USAGE = ("every control needs 'Authorization: Bearer <this run's controls token>' (printed by "
                  "python -m playground serve; in a notebook, pg.controls calls them with it), "
                  "Host 127.0.0.1:PORT or localhost:PORT, and POST bodies as Content-Type: application/json")


def describe(control: Control) -> str:
    """One line: ``POST /__playground/tokens {"email": ...}: purpose``."""
    body = f" {json.dumps(control.body)}" if control.body is not None else ""
    return f"{control.method} {control.path}{body} -> {control.answer}: {control.purpose}"


class TeachingControls:
    def __init__(self, issuer: Issuer) -> None:
        self._issuer = issuer

    def state(self) -> dict[str, Any]:
        return {"now": self._issuer.config.clock.now(), "keys": [r.public_jwk() for r in self._issuer.store.keys()]}

    def shift_clock(self, seconds: float) -> dict[str, Any]:
        """Move the issuer's clock (it is shared with whatever else was given the same Clock)."""
        self._issuer.config.clock.shift(seconds)
        return self.state()

    def rotate_keys(self, *, keep_old: bool = True) -> str:
        """Expire every key now and make a new one: old tokens verify until the grace period ends.
        ``keep_old=False`` backdates the expiry past the grace period, so the old keys leave
        ``/jwks`` at once (a key "rotated out": what a verifier must stop trusting)."""
        now = self._issuer.config.clock.now()
        self._issuer.store.expire_keys(now if keep_old else now - self._issuer.config.grace_period - 1)
        return self._issuer.signer.create_key().id

    def mint_token(self, email: str = "ada@example.com", *, claims: dict[str, Any] | None = None,
                   drop: tuple[str, ...] | list[str] = (), algorithm: str = "jwks",
                   origin: str | None = None) -> str:
        """The JWT ``/token`` would give ``email``'s user, then ``claims`` overridden and ``drop`` removed.

        ``algorithm``: ``"jwks"`` signs with the issuer's key (verifies against ``/jwks``);
        ``"HS256"`` signs with the auth secret and ``"none"`` is unsigned — both must be rejected
        by a correct verifier (the algorithm-confusion lessons). ``origin`` is the default
        ``iss``/``aud`` when no base URL is configured.
        """
        issuer = self._issuer
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}")
        issuer.sessions.wait_seeded()
        user = issuer.store.user_by_email(email.lower())
        if user is None:
            raise LookupError(f"no user {email!r}")
        origin = issuer.config.origin or origin or ""
        payload = {"iat": math.floor(issuer.config.clock.now()), **user, "sub": user["id"]}
        payload.update(claims or {})
        payload.setdefault("exp", expiry(issuer.config.expiration_time, payload["iat"]))
        payload.setdefault("iss", issuer.config.jwt_issuer or origin)
        payload.setdefault("aud", issuer.config.jwt_audience or origin)
        for name in drop:
            payload.pop(name, None)
        if algorithm == "jwks":
            row = issuer.signer.signing_key()
            return encode_jws(payload, load_private(row, issuer.config.secret), row.alg, {"kid": row.id})
        key = issuer.config.secret.encode() if algorithm == "HS256" else None
        return pyjwt.encode(payload, key, algorithm=algorithm, headers={"typ": None})


#: 9999-12-31T23:59:59Z: the last instant an ISO 8601 date (and Python's datetime) can print.
LAST_PRINTABLE_SECOND = 253_402_300_800
#: Generous for any real control body (claims of a token); larger ones are refused unparsed.
MAX_BODY_BYTES = 64 << 10
REALM = 'Bearer realm="playground teaching controls"'


def guard(request: Request, token: str) -> Response | None:
    """Why ``request`` may not use the controls (a 401/403/415 answer), or ``None`` when it may."""
    port = request.scope.get("server", ("", 0))[1]
    own = {f"127.0.0.1:{port}", f"localhost:{port}"}
    if request.headers.get("host", "").lower() not in own:
        return _refuse(403, "FOREIGN_HOST", f"teaching controls answer only to Host {sorted(own)} (DNS rebinding?)")
    # Every Origin counts (Node joins repeated ones, which then match nothing).
    if any(origin.lower() not in {f"http://{h}" for h in own} for origin in request.headers.getlist("origin")):
        return _refuse(403, "FOREIGN_ORIGIN", "teaching controls refuse requests from other web origins")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return _refuse(401, "CONTROLS_TOKEN_REQUIRED", "teaching controls need Authorization: Bearer <controls token>",
                       challenge=REALM)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _refuse(401, "CONTROLS_TOKEN_INVALID", "the controls token is wrong",
                       challenge=f'{REALM}, error="invalid_token", error_description="the controls token is wrong"')
    if request.method == "POST":
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return _refuse(415, "UNSUPPORTED_MEDIA_TYPE", "teaching controls take Content-Type: application/json")
    return None


def routes(controls: TeachingControls, token: str) -> list[Route]:
    """The HTTP routes of ``controls``, each behind ``guard(request, token)``."""

    def guarded(endpoint):
        async def route(request: Request) -> Response:
            return guard(request, token) or await endpoint(request)

        return route

    async def state(request: Request) -> Response:
        return JSONResponse(controls.state())

    async def shift(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            return body if isinstance(body, Response) else _bad("body must be a JSON object")
        seconds = body.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds):
            return _bad("seconds must be a finite number")
        # Dates must stay printable (ISO 8601 years 1970-9999), or every later request fails.
        if not 0 <= controls.state()["now"] + seconds < LAST_PRINTABLE_SECOND:
            return _bad("seconds would move the clock outside the years 1970-9999")
        return JSONResponse(controls.shift_clock(seconds))

    async def rotate(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            return body if isinstance(body, Response) else _bad("body must be a JSON object")
        keep_old = body.get("keepOld", True)
        if not isinstance(keep_old, bool):
            return _bad("keepOld must be true or false")
        return JSONResponse({"kid": controls.rotate_keys(keep_old=keep_old)})

    async def mint(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            return body if isinstance(body, Response) else _bad("body must be a JSON object")
        try:
            token = controls.mint_token(
                body.get("email", "ada@example.com"), claims=body.get("claims") or {},
                drop=body.get("drop") or (), algorithm=body.get("algorithm", "jwks"),
                origin=f"{request.url.scheme}://{request.headers.get('host', '')}",
            )
        except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
            return _bad(str(exc) or type(exc).__name__)
        return JSONResponse({"token": token})

    return [
        Route(f"{PREFIX}/", index, methods=["GET"]),
        Route(f"{PREFIX}/state", guarded(state), methods=["GET"]),
        Route(f"{PREFIX}/clock/shift", guarded(shift), methods=["POST"]),
        Route(f"{PREFIX}/keys/rotate", guarded(rotate), methods=["POST"]),
        Route(f"{PREFIX}/tokens", guarded(mint), methods=["POST"]),
        # Anything else under the prefix, as server.mjs answers it: guarded, then a JSON 404.
        Route(f"{PREFIX}/{{rest:path}}", guarded(unknown_control),
              methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]),
    ]


async def unknown_control(request: Request) -> Response:
    return JSONResponse({"message": "Not Found", "code": "NOT_FOUND"}, status_code=404)


async def index(request: Request) -> Response:
    """What the controls are and how to call them; no token needed, none given (see the module doc)."""
    if "text/html" in request.headers.get("accept", ""):
        rows = "".join(f"<tr><td>{c.method}</td><td><code>{c.path}</code></td>"
                       f"<td><code>{html.escape(json.dumps(c.body)) if c.body is not None else ''}</code></td>"
                       f"<td>{html.escape(c.answer)}</td>"
                       f"<td>{html.escape(c.purpose)}</td></tr>" for c in CONTROLS)
        return HTMLResponse("<!doctype html><title>Teaching controls</title><h1>Teaching controls</h1>"
                            f"<p>{html.escape(CONTROLS_USAGE)}</p><table border=1 cellpadding=4>"
                            "<tr><th>method</th><th>path</th><th>body</th><th>answer</th><th>what for</th></tr>"
                            f"{rows}</table>")
    return Response(json.dumps({"controls": [asdict(c) for c in CONTROLS], "usage": CONTROLS_USAGE}, indent=2),
                    media_type="application/json")


async def _json(request: Request) -> Any:
    """The JSON body (``{}`` when empty), or the error ``Response`` that refuses it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _refuse(413, "PAYLOAD_TOO_LARGE", "Request body too large")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return _refuse(413, "PAYLOAD_TOO_LARGE", "Request body too large")
    try:
        return json.loads(bytes(raw) or b"{}")
    except (ValueError, RecursionError):  # deep nesting is bad input too, never a 500
        return _bad("body must be JSON")


def _bad(message: str) -> Response:
    return AuthError(400, "BAD_REQUEST", message).response()


def _refuse(status: int, code: str, message: str, *, challenge: str | None = None) -> Response:
    response = AuthError(status, code, message).response()
    if challenge:
        response.headers["www-authenticate"] = challenge
    return response
