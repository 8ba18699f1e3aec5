"""Time: a verdict must not outlive the token it was reached on, and the leeway must stay small.

``expired`` (in ``cases.py``) sends a token long past its exp; this family catches what it cannot:
a cache of verified tokens (``functools.lru_cache`` on the verifier is the classic) that serves a
token it accepted once, after its exp, and a declared leeway that keeps Better Auth's 15-minute
tokens alive for much longer. They run with the claims cases, before the key rotation: the token
must be signed with a key the app already holds.
"""

from __future__ import annotations

import time

from .case import Outcome, all_rejected, is_accepted
from .cases import case
from .context import Context

#: Seconds of life the token has left (leeway counted) when the cache case first sends it.
CACHE_LIFETIME = 3
#: Seconds past exp + leeway before it is sent again (clock granularity: exp is whole seconds).
CACHE_MARGIN = 1.0
#: Better Auth's access tokens live 15 minutes (jwt plugin ``expirationTime: "15m"``).
MAX_LEEWAY = 300


@case("cached-token-expires", group="claims", weight="required",
      title="a token accepted seconds before its exp is refused once it has expired (no cached verdict outlives exp)",
      expect=f"2xx while valid, 401 once exp + leeway has passed ({CACHE_LIFETIME + CACHE_MARGIN:g} s later)",
      fix="cache verified claims only until their exp (or re-check exp on every cache hit); never wrap the "
          "verifier in functools.lru_cache",
      # An app that never checks exp, or with an undeclared leeway, serves the expired token without any cache.
      consequence_of=("expired", "missing-exp"))
def cached_token_expires(ctx: Context) -> Outcome:
    exp = ctx.now() - int(ctx.leeway) + CACHE_LIFETIME
    token = ctx.mint(claims={"iat": exp - 900, "exp": exp})
    first = ctx.send(ctx.protected, token=token, describe=f"a token {CACHE_LIFETIME} s before it expires "
                                                          f"(leeway counted)")
    if not is_accepted(first):
        return Outcome(True, [first], f"not run: the app refused a token still valid for {CACHE_LIFETIME} s "
                                      f"({first.got}); is --leeway larger than the app's?", applicable=False)
    time.sleep(max(0.0, exp + ctx.leeway + CACHE_MARGIN - time.time()))
    again = ctx.send(ctx.protected, token=token, describe="the same token, now expired")
    outcome = all_rejected([again])
    if not outcome.passed:
        outcome.detail = "served a token after its exp: a cached verdict outlived the token"
    return Outcome(outcome.passed, [first, again], outcome.detail, culprit=outcome.culprit)


@case("leeway-at-most-5-minutes", group="claims", weight="required",
      title=f"the declared clock-skew leeway is at most {MAX_LEEWAY} s",
      expect="--leeway of seconds: Better Auth's access tokens live 15 minutes, so a leeway of minutes keeps "
             "every stolen token alive a third longer or more",
      fix="configure a leeway of seconds (30-60 s covers servers whose clocks are synchronised)")
def leeway_at_most_5_minutes(ctx: Context) -> Outcome:
    if ctx.leeway > MAX_LEEWAY:
        return Outcome(False, [], f"--leeway {ctx.leeway:g} s: an expired token stays accepted for "
                                  f"{ctx.leeway / 60:.0f} more minutes (tokens live 15)")
    return Outcome(True, [])
