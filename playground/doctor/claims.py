"""Stage 5, claims: the backend's ``claim_problems`` at the expected time, issuer and audience.

The ``iss`` and ``aud`` comparisons are left out, each on purpose, so a finding never blames the
token for a configuration problem already reported: when there is no expected value at all (the
key stage says so), and when the expected value is only the origin of a JWKS URL that did not
answer (a wrong ``--jwks-url`` is one key problem, not three).
"""

from __future__ import annotations

from typing import Any

from playground.backend.errors import Reason
from playground.backend.verify import claim_problems

from .expected import Expected, when
from .findings import Finding

_COMPARISONS = {Reason.WRONG_ISSUER: ("issuer", "iss"), Reason.WRONG_AUDIENCE: ("audience", "aud")}


def check_claims(claims: dict[str, Any], expected: Expected, *, jwks_answered: bool) -> list[Finding]:
    """The claim findings. ``jwks_answered`` is False when the key stage could not fetch the JWKS."""
    unknown = {reason for reason, (name, _) in _COMPARISONS.items() if getattr(expected, name) is None}
    unconfirmed = {reason for reason, (name, _) in _COMPARISONS.items()
                   if expected.from_jwks_url(name) and not jwks_answered}
    skipped = unknown | unconfirmed
    problems = claim_problems(claims, issuer=expected.issuer or "", audience=expected.audience or "",
                              now=expected.now, leeway=expected.leeway)
    findings = [Finding.failed("claims", error) for error in problems if error.reason not in skipped]
    if findings:
        return findings
    names = " and ".join(_COMPARISONS[reason][1] for reason in _COMPARISONS if reason in skipped)
    why = "nothing expected" if unknown else "guessed from a JWKS URL that did not answer"
    compared = f"{names} not compared ({why})" if names else "iss and aud as expected"
    exp = claims["exp"]
    # when() is None for an instant no calendar holds: then the raw value, and no arithmetic on it.
    expires = f"expires {when(exp)} (in {exp - expected.now:.0f} s)" if when(exp) else f"exp {exp!r}"
    return [Finding.passed("claims", f"sub {claims['sub']!r}, {compared}, {expires}")]
