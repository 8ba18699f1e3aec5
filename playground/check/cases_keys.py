"""Where keys come from, and what the app does when they cannot be had.

* Key source: the token names a place to fetch keys from (``x5u``, or its ``iss``: a multi-tenant
  app fetching ``{iss}/api/auth/jwks``); the app must never go there. (``jku`` and ``jwk`` are
  ``cases.py``'s.)
* Amplification: tokens with made-up kids must not make the app fetch the JWKS once each.
* Outages: the checker's gate (``gate.py``) takes the issuer down (503 on every path), then serves
  garbage from it, then brings it back. Forged tokens must still be refused (no unverified-decode
  fallback); valid ones should still be served from cached keys (advisory: an app that answers 5xx
  to everyone is reported as such); once the issuer is back, valid tokens must be accepted again.
"""

from __future__ import annotations

import secrets
import time
import weakref
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.jose import ed25519, forge, public_jwk
from playground.lessons.attack_lab import attacker_key
from playground.servers import ServerThread

from .case import Outcome, all_accepted, is_accepted
from .cases import ROTATION_WINDOW, _reject_all, case
from .context import Context, Exchange

#: Tokens with unknown kids in the amplification flood, and the JWKS fetches they may cause.
FLOOD = 20
MAX_FETCHES = 3
#: How long each outage lasts before it is probed again: a short key cache expires meanwhile.
OUTAGE_WAIT = 1.5
OUTAGE_MODES = {"down": "answers 503", "garbage": "serves an HTML error page as its JWKS"}


def _gate(ctx: Context):
    return getattr(ctx.issuer, "gate", None)


def _forged(ctx: Context, kid: str, **header: str) -> str:
    key = attacker_key()
    return forge({"alg": "EdDSA", "kid": kid, **header}, ctx.claims(role="admin"), ed25519(key))


# --- key source ------------------------------------------------------------------------------


@case("key-source-from-token", group="keys", weight="required",
      title="a token that names where to fetch its key (x5u, an iss of the attacker's, or one that extends "
            "the issuer's) is refused, and nothing is fetched from there",
      expect="401, and no request to the attacker's server",
      fix="fetch keys only from the configured JWKS URL; never build it from the token's iss or headers")
def key_source_from_token(ctx: Context) -> Outcome:
    key, kid = attacker_key(), "attacker-key"
    hits: list[str] = []

    async def attacker(request):
        hits.append(request.url.path)
        return JSONResponse({"keys": [public_jwk(key, kid)]})

    server = ServerThread(Starlette(routes=[Route("/{path:path}", attacker)]), name="attacker key server",
                          lifespan="off").start()
    # An iss that merely starts with the issuer's (a prefix check) and names a path of its own: an app
    # that fetches {iss}/api/auth/jwks asks the gate for it (in production: https://auth.example.com.evil.net).
    gate, marker = _gate(ctx), f"attacker-{secrets.token_hex(4)}"
    try:
        claims = ctx.claims(role="admin", iss=server.url)
        outcome = _reject_all(ctx, {
            "signed by the attacker, x5u = the attacker's URL": _forged(ctx, kid, x5u=f"{server.url}/cert.pem"),
            "signed by the attacker, iss = the attacker's origin": forge({"alg": "EdDSA", "kid": kid}, claims,
                                                                         ed25519(key)),
            f"signed by the attacker, iss = the issuer + '/{marker}'": forge(
                {"alg": "EdDSA", "kid": kid}, ctx.claims(role="admin", iss=f"{ctx.token_issuer}/{marker}"),
                ed25519(key)),
        })
    finally:
        server.stop()
    if outcome.passed and hits:
        return Outcome(False, outcome.exchanges, f"refused, but the app fetched {hits[0]} from the attacker's "
                                                 "server named by the token (a server-side request forgery)")
    named = [path for path in (gate.jwks_paths if gate is not None else []) if marker in path]
    if outcome.passed and named:
        return Outcome(False, outcome.exchanges, f"refused, but the app fetched keys from {named[0]}, a URL built from "
                                                 "a token's iss that merely starts with the issuer's: an attacker's "
                                                 "iss (https://auth.example.com.evil.net) brings its own keys")
    return outcome


# --- amplification -----------------------------------------------------------------------------


@case("jwks-fetch-amplification", group="keys", weight="required",
      title=f"{FLOOD} tokens with made-up kids do not make the app fetch the JWKS {FLOOD} times",
      expect=f"401 each, and at most {MAX_FETCHES} JWKS fetches (refetches on an unknown kid are rate-limited)",
      fix="refetch on an unknown kid at most once per cooldown (PyJWKClient's cooldown_duration, default 30 s; "
          "never 0)")
def jwks_fetch_amplification(ctx: Context) -> Outcome:
    gate = _gate(ctx)
    before = gate.jwks_fetches
    outcome = _reject_all(ctx, {f"a forged token with made-up kid #{n + 1}": _forged(ctx, secrets.token_hex(8))
                               for n in range(FLOOD)})
    fetches = gate.jwks_fetches - before
    if outcome.passed and fetches > MAX_FETCHES:
        return Outcome(False, outcome.exchanges, f"the app fetched the issuer's JWKS {fetches} times for {FLOOD} "
                                                 "tokens: anyone can make it hammer the issuer")
    return outcome


# --- outages -----------------------------------------------------------------------------------


@dataclass
class _Outage:
    #: A valid token the app accepted just before the outage (None: it accepted none).
    valid_token: str | None = None
    before: list[Exchange] = field(default_factory=list)
    forged: list[Exchange] = field(default_factory=list)
    valid: list[Exchange] = field(default_factory=list)
    #: After the issuer's return: forgeries with a new kid, sent until the app answers them below 500
    #: (an app may keep its failed fetch's verdict for its refetch rate limit, e.g. 503 for 5 s).
    settling: list[Exchange] = field(default_factory=list)


_OUTAGES: weakref.WeakKeyDictionary[Context, _Outage] = weakref.WeakKeyDictionary()


def outage_exchanges(ctx: Context) -> list[Exchange]:
    """The requests sent while the issuer was down: a 5xx then is the outage's, not a crash."""
    record = _OUTAGES.get(ctx)
    return [*(record.forged + record.valid + record.settling if record else []), *_COLD_STARTS.get(ctx, [])]


# --- the issuer down before the app ever fetched its keys ------------------------------------------

#: The case that judges the cold start (with the outages below): the engine runs the probe when it runs.
COLD_START_CASE = "jwks-outage-fails-closed"
#: The protected routes the cold start probes when none was given (discovery has not chosen one yet).
COLD_START_ROUTES = 3
#: How long an app may take to fetch its keys again after the cold start (PyJWKClient-style 30 s intervals).
COLD_START_RECOVERY = 35.0
#: After the app fetched its keys again, how long its answer may take to change.
REFETCH_SETTLE = 2.0
_COLD_STARTS: weakref.WeakKeyDictionary[Context, list[Exchange]] = weakref.WeakKeyDictionary()


def cold_start(ctx: Context) -> str | None:
    """Run by the engine before any valid token reaches the app: the issuer down, forged tokens sent
    to the protected route (or the first few discovered ones). A key cache still empty is where a
    fail-open fallback fires: later, keys the app holds (or PyJWKClient's 30 s refetch cooldown)
    hide it. Then the issuer comes back and the app is given time to accept a valid token again.
    Returns why the run cannot go on when the app never fetched the keys again (else None)."""
    gate = _gate(ctx)
    if gate is None or ctx.credential != "jwt":  # the outage cases grade access tokens only
        return None
    if ctx.protected is not None:
        paths = [ctx.protected]
    elif ctx.routes.document is not None:
        from .discovery import choose_candidates, concrete

        paths = [concrete(op, ctx.ada.id) for op in choose_candidates(ctx) if op.method == "GET"][:COLD_START_ROUTES]
    else:
        paths = []
    if not paths:
        return None
    record = _COLD_STARTS[ctx] = []
    before = gate.jwks_fetches
    try:
        gate.mode = "down"
        for path in paths:
            record.append(ctx.send(path, describe="no credentials, the issuer down since the app started"))
            if is_accepted(record[-1]):
                continue  # serves anyone: no-token's finding
            for label, token in (("with the issuer's kid", _forged(ctx, ctx.kid)),
                                 ("with a new kid", _forged(ctx, secrets.token_hex(8)))):
                record.append(ctx.send(path, token=token, describe=f"a forged token {label}, the issuer down since "
                                                                   "the app started"))
    finally:
        gate.mode = "up"
    if gate.jwks_fetches == before:
        return None  # it never asked the issuer: the outage left nothing behind
    return _recovered(ctx, paths, record)


def _recovered(ctx: Context, paths: list[str], record: list[Exchange]) -> str | None:
    """Send ada's token until the app accepts it. A correct app may wait out its refetch interval
    after the failed fetch (the reference backend 5 s, others 10 s): the wait ends once it has
    fetched the keys again (then the baseline judges its answer) or after ``COLD_START_RECOVERY``."""
    gate, reopened = _gate(ctx), _gate(ctx).jwks_fetches
    deadline, fetched_at = time.monotonic() + COLD_START_RECOVERY, None
    while True:
        for path in paths:
            record.append(ctx.send(path, as_user=ctx.ada, describe=f"{ctx.credential_label(ctx.ada)}, the issuer "
                                                                   "back (has the app recovered?)"))
            if is_accepted(record[-1]):
                return None
        now = time.monotonic()
        if fetched_at is None and gate.jwks_fetches > reopened:
            fetched_at = now
        if fetched_at is not None and now - fetched_at > REFETCH_SETTLE:
            return None
        if now > deadline:
            return (f"the issuer was down when the app first needed its keys (the checker's cold-start outage), and "
                    f"{COLD_START_RECOVERY:g} s after its return the app had not fetched the JWKS again: retry the "
                    "JWKS on the next request after a failed fetch (at most a few seconds later), never remember "
                    "the failure for good (jwks-outage-recovers)")
        time.sleep(0.5)


def _outage(ctx: Context) -> _Outage:
    """Take the issuer down, then garble it, probing each state (once per run: the outage cases
    share it); the gate is up again afterwards, and the app has settled (see ``_Outage.settling``)."""
    if ctx in _OUTAGES:
        return _OUTAGES[ctx]
    gate, record = _gate(ctx), _Outage()
    _OUTAGES[ctx] = record
    # The valid token of the outage is one the app accepts now: after key-rotated-in, an app still
    # in its refetch cooldown knows only the retired key.
    for label, token in (("ada's valid token", ctx.ada.access_token),
                         ("ada's token signed with the retired key", ctx.retired_token)):
        if token is not None:
            record.before.append(ctx.send(ctx.protected, token=token, describe=f"{label}, before the outage"))
            if is_accepted(record.before[-1]):
                record.valid_token = token
                break
    if record.valid_token is None:
        return record
    try:
        # Down at once, down after a short key cache has expired, then garbage (that cache still expired).
        for mode, wait in (("down", 0.0), ("down", OUTAGE_WAIT), ("garbage", 0.0)):
            gate.mode = mode
            time.sleep(wait)
            during = f"while the issuer {OUTAGE_MODES[mode]}" + (f", {wait:g} s in" if wait else "")
            for label, token in (("with the issuer's kid", _forged(ctx, ctx.kid)),
                                 ("with a new kid", _forged(ctx, secrets.token_hex(8)))):
                record.forged.append(ctx.send(ctx.protected, token=token, describe=f"a forged token {label}, {during}"))
            record.valid.append(ctx.send(ctx.protected, token=record.valid_token,
                                         describe=f"ada's valid token, {during}"))
    finally:
        gate.mode = "up"
    deadline = time.monotonic() + ROTATION_WINDOW
    while True:
        exchange = ctx.send(ctx.protected, token=_forged(ctx, secrets.token_hex(8)),
                            describe="a forged token with a new kid, the issuer back")
        record.settling.append(exchange)
        if exchange.status < 500 or time.monotonic() > deadline:
            return record
        time.sleep(0.5)


def _no_outage(record: _Outage) -> Outcome:
    return Outcome(True, record.before, "not run: the app accepted no valid token just before the outage",
                   applicable=False)


class _OutageOutcome(Outcome):
    """A 5xx during the outage is what the case reports, not a crash of the app."""

    @property
    def server_error(self) -> Exchange | None:
        return None


@case("jwks-outage-fails-closed", group="keys", weight="required",
      title="while the issuer is down or serves garbage (also from the app's start, before it fetched any key), "
            "forged tokens are still refused",
      expect="4xx or 5xx for each forgery: no unverified-decode fallback, no other key source",
      fix="when the JWKS cannot be fetched, refuse (401, or 503) the tokens whose key you do not hold; "
          "never fall back to jwt.decode(..., verify_signature=False) on PyJWKClientConnectionError")
def jwks_outage_fails_closed(ctx: Context) -> Outcome:
    cold = [e for e in _COLD_STARTS.get(ctx, []) if e.sent.startswith("a forged token")]
    for exchange in cold:
        if is_accepted(exchange):
            return _OutageOutcome(False, cold, f"accepted {exchange.sent}: the app fails open when it cannot "
                                               "fetch the issuer's keys", culprit=exchange)
    record = _outage(ctx)
    if record.valid_token is None:
        return _no_outage(record) if not cold else _OutageOutcome(True, cold)
    for exchange in record.forged:
        if is_accepted(exchange):
            return _OutageOutcome(False, record.forged, f"accepted {exchange.sent}: the app fails open when it "
                                                        "cannot reach the issuer", culprit=exchange)
    return _OutageOutcome(True, [*cold, *record.forged])


@case("jwks-outage-keeps-serving", group="keys", weight="advisory",
      title="while the issuer is down, valid tokens are still accepted (keys the app already holds)",
      expect="2xx: the keys fetched before the outage still verify the tokens they signed",
      fix="keep the last good key set when a refetch fails (PyJWKClient keeps its cache); answer 401/503 "
          "only for kids you do not hold")
def jwks_outage_keeps_serving(ctx: Context) -> Outcome:
    record = _outage(ctx)
    if record.valid_token is None:
        return _no_outage(record)
    for exchange in record.valid:
        if not is_accepted(exchange):
            what = "answered 5xx" if exchange.status >= 500 else "refused"
            return _OutageOutcome(False, record.valid, f"{what} {exchange.sent} ({exchange.got}): every user is "
                                                       "locked out while the issuer is down", culprit=exchange)
    return _OutageOutcome(True, record.valid)


@case("jwks-outage-recovers", group="keys", weight="required",
      title="once the issuer is back, valid tokens are accepted again",
      expect=f"2xx within {ROTATION_WINDOW:g} s of the issuer's return",
      fix="retry the JWKS on the next request that needs it; never remember a failed fetch for good")
def jwks_outage_recovers(ctx: Context) -> Outcome:
    record = _outage(ctx)
    if record.valid_token is None:
        return _no_outage(record)
    last = record.settling[-1]
    if last.status >= 500:
        return Outcome(False, record.settling, f"still answered {last.sent} with {last.got} {ROTATION_WINDOW:g} s "
                                               "after the issuer's return", culprit=last)
    # The token of the outage, or (when that was signed with the key key-rotated-in retired, which a
    # refetch after the outage rightly drops) a token of the issuer's current key.
    tokens = {"ada's valid token, the issuer back": record.valid_token}
    if record.valid_token != ctx.ada.access_token:
        tokens["ada's token of the current key, the issuer back"] = ctx.ada.access_token
    deadline = time.monotonic() + ROTATION_WINDOW
    exchanges = []
    while True:
        exchanges += [ctx.send(ctx.protected, token=token, describe=label) for label, token in tokens.items()]
        if any(is_accepted(e) for e in exchanges[-len(tokens):]) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    last = exchanges[-len(tokens):]
    outcome = Outcome(True, last) if any(is_accepted(e) for e in last) else all_accepted(last)
    if not outcome.passed:
        outcome.detail += f" (retried for {ROTATION_WINDOW:g} s after the outage): the app stays down"
    return Outcome(outcome.passed, [*record.settling, *exchanges], outcome.detail, culprit=outcome.culprit)
