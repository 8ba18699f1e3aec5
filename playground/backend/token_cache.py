"""A bounded cache of tokens that already passed full verification (as API gateways keep one).

The Ed25519 check is the largest single cost of an authenticated request; a client sends the same
token for its whole 15-minute life, so remembering "this exact token verified" lets most requests
skip the signature check. Security rules — the invariants the tests pin down:

* keyed by the **exact token string**: any other string (one changed byte) is a miss;
* only **successes** are stored: the verifier calls ``put`` after every check passed, and a
  failure is never cached (so a transient 503 does not stick, and a rejection is always re-checked);
* an entry never outlives the token's ``exp`` (no leeway: after ``exp`` the full check decides),
  nor applies before ``iat``/``nbf`` (a lesson's clock can move backwards);
* an entry is dropped as soon as its ``kid`` is no longer in the key set (key removed/rotated out);
* at most ``max_entries`` entries, least recently used evicted first.

It lives in one verifier, so a change of issuer/audience/algorithms means a new, empty cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .clock import Clock

if TYPE_CHECKING:
    from .verify import VerifiedToken


@dataclass(frozen=True)
class _Entry:
    verified: VerifiedToken
    valid_from: float
    valid_until: float


class VerifiedTokenCache:
    def __init__(self, max_entries: int, clock: Clock) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1 (use no cache instead)")
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: object) -> bool:
        """Whether ``token`` has an entry (tests use it to prove what was never stored)."""
        return token in self._entries

    def get(self, token: str, key_present: Callable[[str], bool]) -> VerifiedToken | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        now = self._clock.now()
        if not (entry.valid_from <= now < entry.valid_until) or not key_present(entry.verified.kid):
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry.verified

    def put(self, token: str, verified: VerifiedToken) -> None:
        claims = verified.claims
        # The verifier has checked these are NumericDates (finite, 1970-9999); iat/nbf may have
        # been accepted within the leeway, so the entry starts no earlier than its verification.
        valid_from = min(max(claims["iat"], claims.get("nbf", claims["iat"])), self._clock.now())
        self._entries[token] = _Entry(verified, valid_from=valid_from, valid_until=claims["exp"])
        self._entries.move_to_end(token)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
