"""A case: one named thing a backend must get right, its weight, and how its verdict is reached.

Two weights:

* ``required`` — a real hole: a forged, unsigned, expired, wrong-issuer or wrong-audience token
  accepted, another user's data served, a non-admin let into the admin route. A careful app
  written the way PyJWT's docs advise passes every one of them. Any 5xx, in any case, counts as
  required too: no input may crash a backend.
* ``advisory`` — hardening beyond what such a careful app gets by default (canonical encodings,
  the exact RFC 6750 wording, odd claim types the issuer never emits). They set the exit code
  only with ``--strict``.

``baseline`` cases prove the target is set up to be graded at all (it trusts the playground
issuer, the routes exist): when one fails, every other verdict would be meaningless, so the run
stops with exit code 2 and says what to configure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .context import Context, Exchange

Weight = Literal["baseline", "required", "advisory"]
#: Route settings a case may need; without them it does not apply (and the report says so).
Need = Literal["owner", "admin", "public", "frontend"]


@dataclass
class Outcome:
    passed: bool
    exchanges: list[Exchange] = field(default_factory=list)
    #: Why it failed (or why it does not apply), in one line.
    detail: str = ""
    applicable: bool = True
    #: The request that decided a failure (the report shows it first).
    culprit: Exchange | None = None
    #: The culprit's credential got past authentication; only a 400/422 (validation) refused it.
    past_authentication: bool = False

    @property
    def rate_limited(self) -> bool:
        """No verdict: a 429 decided it (or a case that passed met one on the way)."""
        if not any(e.status == RATE_LIMITED for e in self.exchanges):
            return False
        return self.passed or self.culprit is None or self.culprit.status == RATE_LIMITED

    @property
    def server_error(self) -> Exchange | None:
        """A 5xx, or no answer at all: any input that crashes or hangs the app."""
        return next((e for e in self.exchanges if e.status >= 500 or e.status == NO_ANSWER), None)


@dataclass(frozen=True)
class Case:
    id: str  # stable, kebab-case: the junit test name and the --allow argument
    group: str
    weight: Weight
    title: str  # what it checks
    expect: str  # what a correct backend does
    fix: str  # what to change when it fails
    run: Callable[[Context], Outcome] = field(repr=False, compare=False)
    needs: tuple[Need, ...] = ()
    #: The --credential kinds the case grades (``context.CREDENTIALS``); under another it does not apply.
    credentials: tuple[str, ...] = ("jwt",)
    #: Cases whose failure explains this one's (an app that never checks exp serves an expired token
    #: from its cache too): when one of them failed, this failure is reported as its consequence.
    consequence_of: tuple[str, ...] = ()


#: ``Exchange.status`` of a request the app never answered (it hung past the checker's timeout,
#: or its process died: then the body starts with ``APP_DIED``).
NO_ANSWER = 0
APP_DIED = "no answer: the app crashed"
#: Too Many Requests: the app (or a proxy) is rate limiting; the answer is no verdict either way.
RATE_LIMITED = 429
#: Answers that refuse a request's body or parameters: they say nothing of its credential, unless the
#: same request without any credential is refused by authentication (401/403) instead.
VALIDATION_REFUSALS = (400, 422)


def is_accepted(exchange: Exchange) -> bool:
    """A 2xx: the app served the request. (A redirect serves nothing; the baseline catches routes
    that only redirect.)"""
    return 200 <= exchange.status < 300


def is_rejected(exchange: Exchange) -> bool:
    """A 3xx or 4xx: the request was not served, whatever the exact status (exact wording is advisory).
    A 429 is not a refusal: the app did not judge the request at all."""
    return 300 <= exchange.status < 500 and exchange.status != RATE_LIMITED


def _verdict(exchange: Exchange) -> str:
    if exchange.status == NO_ANSWER:
        return "crashed on" if exchange.body.startswith(APP_DIED) else "hung on"
    if exchange.status == RATE_LIMITED:
        return "was rate limited (429) on"
    return "crashed on" if exchange.status >= 500 else "accepted"


def all_rejected(exchanges: Iterable[Exchange]) -> Outcome:
    exchanges = list(exchanges)
    for exchange in exchanges:
        if not is_rejected(exchange):
            return Outcome(False, exchanges, f"{_verdict(exchange)} {exchange.sent} ({exchange.got})", culprit=exchange)
    return Outcome(True, exchanges)


def all_accepted(exchanges: Iterable[Exchange]) -> Outcome:
    exchanges = list(exchanges)
    for exchange in exchanges:
        if not is_accepted(exchange):
            verb = _verdict(exchange) if exchange.status in (NO_ANSWER, RATE_LIMITED) or exchange.status >= 500 \
                else "refused"
            return Outcome(False, exchanges, f"{verb} {exchange.sent} ({exchange.got})", culprit=exchange)
    return Outcome(True, exchanges)


def not_applicable(reason: str) -> Outcome:
    return Outcome(True, [], reason, applicable=False)
