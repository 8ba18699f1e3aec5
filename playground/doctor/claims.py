"""Stage 5, claims: the backend's ``claim_problems`` at the expected time, issuer and audience.

Two comparisons are left out, each on purpose, so a finding never blames the token for a
configuration problem already reported: ``iss``/``aud`` when there is no expected issuer at all
(the key stage says so), and when the expected ones are only the origin of a JWKS URL that did
not answer (a wrong ``--jwks-url`` is one key problem, not three).
"""

from __future__ import annotations

from typing import Any

from playground.backend.errors import Reason
from playground.backend.verify import claim_problems

from .expected import Expected, when
from .findings import Finding

_ISS_AUD = frozenset({Reason.WRONG_ISSUER, Reason.WRONG_AUDIENCE})


def check_claims(claims: dict[str, Any], expected: Expected, *, jwks_answered: bool) -> list[Finding]:
    """The claim findings. ``jwks_answered`` is False when the key stage could not fetch the JWKS."""
    compare_iss_aud = expected.issuer is not None and not (expected.derived_from_jwks_url and not jwks_answered)
    problems = claim_problems(claims, issuer=expected.issuer or "", audience=expected.audience or "",
                              now=expected.now, leeway=expected.leeway)
    findings = [Finding.failed("claims", error) for error in problems
                if compare_iss_aud or error.reason not in _ISS_AUD]
    if findings:
        return findings
    iss_aud = "iss and aud as expected" if compare_iss_aud else "iss and aud not compared"
    exp = claims["exp"]
    # when() is None for an instant no calendar holds: then the raw value, and no arithmetic on it.
    expires = f"expires {when(exp)} (in {exp - expected.now:.0f} s)" if when(exp) else f"exp {exp!r}"
    return [Finding.passed("claims", f"sub {claims['sub']!r}, {iss_aud}, {expires}")]
