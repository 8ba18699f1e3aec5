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

    @property
    def server_error(self) -> Exchange | None:
        return next((e for e in self.exchanges if e.status >= 500), None)


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


def is_accepted(exchange: Exchange) -> bool:
    return 200 <= exchange.status < 400


def is_rejected(exchange: Exchange) -> bool:
    """A 4xx: the request was refused, whatever the exact status (exact wording is advisory)."""
    return 400 <= exchange.status < 500


def all_rejected(exchanges: Iterable[Exchange]) -> Outcome:
    exchanges = list(exchanges)
    for exchange in exchanges:
        if not is_rejected(exchange):
            verdict = "crashed on" if exchange.status >= 500 else "accepted"
            return Outcome(False, exchanges, f"{verdict} {exchange.sent} ({exchange.got})")
    return Outcome(True, exchanges)


def all_accepted(exchanges: Iterable[Exchange]) -> Outcome:
    exchanges = list(exchanges)
    for exchange in exchanges:
        if not is_accepted(exchange):
            return Outcome(False, exchanges, f"refused {exchange.sent} ({exchange.got})")
    return Outcome(True, exchanges)


def not_applicable(reason: str) -> Outcome:
    return Outcome(True, [], reason, applicable=False)
