"""The diagnosis, stage by stage: expected values, structure (and header), key, signature, claims,
advice. Each stage is a function of its own module; this one only runs them in order and decides
which stages a failed one makes meaningless (no key lookup for a refused header, no iss/aud
comparison against a guess that a failed JWKS fetch already disproved).

Configuration comes in as arguments only: the library reads no environment variable (the CLI,
``playground.doctor.cli``, does that for ``BETTER_AUTH_URL`` and the secret).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from playground.backend.errors import Reason
from playground.clock import Clock

from .advice import Context, advise
from .claims import check_claims
from .expected import expected_values
from .findings import Diagnosis
from .key import find_key
from .secret import check_secret
from .signature import check_signature
from .structure import check_header, check_structure


async def adiagnose(
    token: str,
    *,
    jwks_url: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    base_url: str | None = None,
    leeway: float = 0.0,
    secret: str | None = None,
    algorithms: list[str] | None = None,
    clock: Clock | None = None,
    max_token_bytes: int = 8192,
) -> Diagnosis:
    """Run every check on ``token`` (async: it fetches the JWKS). See ``diagnose`` for the sync call.

    ``base_url`` plays the part of ``BETTER_AUTH_URL``; ``jwks_url``, ``issuer`` and ``audience``
    override what is derived from it (see ``playground.doctor.expected``). With none of the four,
    no key is fetched and the verdict is at best NOT VERIFIED. Raises ``ConfigurationError`` (a
    ``ValueError``) for an unusable configuration.
    """
    expected = expected_values(
        issuer=issuer, audience=audience, jwks_url=jwks_url, base_url=base_url,
        algorithms=["EdDSA"] if algorithms is None else algorithms, leeway=leeway, now=(clock or Clock.system()).now())
    decoded, findings = check_structure(token, max_token_bytes)
    is_session_token = any(f.reason is Reason.SESSION_TOKEN_NOT_JWT for f in findings)
    if secret is not None and (decoded is not None or is_session_token):
        findings += check_secret(decoded, token, secret)
    if decoded is None:
        context = Context(header={}, claims={}, expected=None, secret_given=secret is not None)
        return Diagnosis(token=token, expected={}, findings=[advise(f, context) for f in findings])

    header_findings = check_header(decoded, expected.algorithms)
    findings += header_findings
    jwks_answered = True
    if all(f.ok for f in header_findings):
        key, key_finding = await find_key(decoded, expected)
        findings.append(key_finding)
        jwks_answered = key_finding.reason is not Reason.JWKS_UNAVAILABLE
        if key is not None:
            findings.append(check_signature(decoded, key))
    findings += check_claims(decoded.claims, expected, jwks_answered=jwks_answered)

    context = Context(header=decoded.header, claims=decoded.claims, expected=expected, secret_given=secret is not None)
    return Diagnosis(token=token, expected=expected.rows(), header=decoded.header, claims=decoded.claims,
                     findings=[advise(f, context) for f in findings])


def diagnose(token: str, **options: Any) -> Diagnosis:
    """``adiagnose`` for synchronous callers, notebooks included (whose kernel already runs a loop,
    where ``asyncio.run`` would fail: the check then runs on a short-lived thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(adiagnose(token, **options))
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(adiagnose(token, **options))
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=run, name="doctor")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]

