"""Stage 3, key: find the token's ``kid`` in the configured JWKS, with the backend's key source.

Security rule: keys come only from a JWKS URL the caller configured (``--jwks-url``,
``--issuer`` or ``BETTER_AUTH_URL``). Without one the doctor fetches nothing: the token's own
``iss`` names a server of the token author's choosing, and keys from there would make any forged
token look genuine (and an attacker's token would make the doctor send requests anywhere). The
finding then says so, and tells the reader how to name the issuer they actually trust.
"""

from __future__ import annotations

from jwt import PyJWK

from playground.backend.errors import AuthError, Reason
from playground.backend.keys import JWKSKeySource
from playground.backend.settings import origin_of
from playground.backend.verify import DecodedToken

from .expected import Expected
from .findings import Finding, Status


def unconfigured_key_finding(claims: dict) -> Finding:
    """The warning for a diagnosis with no key source: nothing fetched, and why."""
    named = claims.get("iss")
    try:
        origin = origin_of(named) if isinstance(named, str) else None
    except ValueError:
        origin = None
    fix = (f"if you trust {origin}, run again with --issuer {origin} (or set BETTER_AUTH_URL)" if origin else
           "give --jwks-url, --issuer or BETTER_AUTH_URL: the Better Auth your API trusts")
    return Finding.warning(
        "key", "not checked: no --jwks-url, --issuer or BETTER_AUTH_URL, and a token cannot name its own keys",
        cause=("keys fetched from the URL in the token's own iss would make any forged token look genuine, so the "
               "doctor fetches none: the signature, iss and aud are unchecked"),
        fix=fix)


async def find_key(decoded: DecodedToken, expected: Expected) -> tuple[PyJWK | None, Finding]:
    """The key for the token's kid and the key finding; ``(None, finding)`` when there is none."""
    if expected.jwks_url is None:
        return None, unconfigured_key_finding(decoded.claims)
    source = JWKSKeySource(expected.jwks_url, algorithms=list(expected.algorithms))
    try:
        key = await source.get_key(decoded.header["kid"])
    except AuthError as error:
        if error.reason is Reason.UNKNOWN_KID:
            known = ", ".join(source.keys) or "none"
            return None, Finding.failed("key", error, message=f"{error.description}; kids in the JWKS: {known}")
        return None, Finding.failed("key", error)
    finally:
        await source.aclose()
    return key, Finding("key", Status.OK, f"kid found in {expected.jwks_url}")
