"""Stage 6, advice: the likely cause and the fix of each failed check — the troubleshooting playbook.

The checks say *what* is wrong (the backend's reason code and description); this stage adds
*why it usually happens with Better Auth* and *what to do*: a general entry per reason code
(``PLAYBOOK``), made specific where the token tells more — by how long it expired, how far the
issuer's clock runs ahead, which side of an iss/aud comparison has the trailing slash or path.
Every specific detail is computed defensively: a token's values can be of any type or size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from playground.backend.errors import Reason
from playground.backend.settings import origin_of
from playground.backend.verify import COOKIE_CACHE_TYPE

from .expected import Expected, when
from .findings import Finding

#: Cause and fix for each reason code (``advise`` adds specifics found in the token).
PLAYBOOK: dict[Reason, tuple[str, str]] = {
    Reason.TOKEN_TOO_LARGE: (
        "the value is far longer than a Better Auth JWT (~0.4-2 KB)",
        "check you are sending the token, not a whole cookie header or response body",
    ),
    Reason.MALFORMED: (
        "the value is not a compact JWS (three base64url segments separated by dots)",
        "send the 'token' field of GET /api/auth/token (or the set-auth-jwt header) verbatim: no quotes, "
        "no 'Bearer ' prefix inside the token, no percent-encoding",
    ),
    Reason.NON_CANONICAL_ENCODING: (
        "a segment's last base64url character has unused bits set: the same bytes spelled another way, which "
        "no JWT library writes (the value was edited or fuzzed)",
        "send the token exactly as Better Auth issued it",
    ),
    Reason.SESSION_TOKEN_NOT_JWT: (
        "this is Better Auth's opaque session token (sign-in 'token', set-auth-token or the session cookie)",
        "exchange the session for a JWT: GET /api/auth/token with the session, or read set-auth-jwt from "
        "get-session; or validate sessions via get-session (/api/session/me)",
    ),
    Reason.COOKIE_CACHE_TOKEN: (
        "this is the session cookie cache (better-auth.session_data), not an access token",
        "send the jwt plugin's token (GET /api/auth/token); the cookie cache is for Better Auth itself",
    ),
    Reason.WRONG_TOKEN_TYPE: (
        "the header's typ marks another kind of token",
        "send the jwt plugin's access token",
    ),
    Reason.UNSUPPORTED_ALGORITHM: (
        "the token's alg is not one this API accepts (the list comes from configuration, never from the token)",
        "Better Auth's jwt plugin signs with EdDSA by default; if you changed jwks.keyPairConfig.alg, set "
        "BACKEND_ALGORITHMS to match. HS256 means a token signed with the secret: not a jwt plugin token",
    ),
    Reason.FORBIDDEN_HEADER: (
        "the header tries to choose its own verification key (jku/jwk/x5u/x5c): a classic forgery",
        "Better Auth never sets these; this token was not issued by it",
    ),
    Reason.UNSUPPORTED_CRITICAL_HEADER: (
        "the header lists 'crit' extensions the verifier must understand and does not",
        "Better Auth never sets crit; this token was not issued by it",
    ),
    Reason.MISSING_KID: (
        "the header has no kid, so the key cannot be chosen from the JWKS",
        "Better Auth always sets kid; a custom jwt.sign must set it too",
    ),
    Reason.UNKNOWN_KID: (
        "no key in the JWKS has this kid: another Better Auth instance or database, keys rotated and the old "
        "one removed, or the wrong JWKS URL",
        "point --jwks-url / BACKEND_JWKS_URL at the Better Auth that issued the token; get a fresh token",
    ),
    Reason.JWKS_UNAVAILABLE: (
        "the JWKS could not be fetched, so the signature is unchecked (the backend answers 503, not 401)",
        "check the URL (default <BETTER_AUTH_URL>/api/auth/jwks) and that Better Auth is running",
    ),
    Reason.BAD_SIGNATURE: (
        "the signature does not match the key with this kid: the token was altered, or signed by another key "
        "that reuses the kid",
        "never edit tokens; get a fresh one from the issuer whose JWKS you use",
    ),
    Reason.MISSING_CLAIM: (
        "a claim the backend requires is absent (Better Auth always sets exp, iat, iss, aud and sub)",
        "if jwt.definePayload or jwt.sign is customised, keep these claims",
    ),
    Reason.INVALID_CLAIM: (
        "a claim has the wrong type or range (times are numbers of seconds since 1970, sub a non-empty string)",
        "check a custom definePayload / getSubject; Better Auth sets iat and exp as whole seconds",
    ),
    Reason.EXPIRED: (
        "Better Auth's JWTs live 15 minutes (jwt.expirationTime) and cannot be refreshed",
        "fetch a new one (GET /api/auth/token, or set-auth-jwt on get-session) before exp; a leeway of a "
        "few seconds covers clock skew, not expiry",
    ),
    Reason.NOT_YET_VALID: (
        "nbf is in the future: the issuer's clock is ahead of this machine's",
        "synchronise clocks (NTP) or allow a few seconds of BACKEND_LEEWAY_SECONDS",
    ),
    Reason.ISSUED_IN_FUTURE: (
        "iat is in the future: the issuer's clock is ahead of this machine's",
        "synchronise clocks (NTP) or allow a few seconds of BACKEND_LEEWAY_SECONDS",
    ),
    Reason.WRONG_ISSUER: (
        "iss is not the expected issuer; Better Auth sets it to its base URL's origin (jwt.issuer overrides)",
        "set BETTER_AUTH_URL (both sides) to the same origin, or BACKEND_ISSUER to exactly the token's iss",
    ),
    Reason.WRONG_AUDIENCE: (
        "aud does not contain the expected audience; Better Auth sets it to its base URL's origin "
        "(jwt.audience overrides)",
        "set BACKEND_AUDIENCE to the value Better Auth's jwt.audience uses",
    ),
}

_HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")


@dataclass(frozen=True)
class Context:
    """What the advice may draw on besides the finding."""

    header: dict[str, Any]
    claims: dict[str, Any]
    expected: Expected | None
    secret_given: bool


def advise(finding: Finding, context: Context) -> Finding:
    """``finding`` with its cause and fix filled in (a check's own cause and fix are kept)."""
    if finding.reason is None or (finding.cause and finding.fix):
        return finding
    default_cause, default_fix = PLAYBOOK.get(finding.reason, ("", ""))
    cause, fix = _specific(finding.reason, context)
    return replace(finding, cause=finding.cause or cause or default_cause, fix=finding.fix or fix or default_fix)


def _specific(reason: Reason, context: Context) -> tuple[str | None, str | None]:
    header, claims, expected = context.header, context.claims, context.expected
    if reason is Reason.UNSUPPORTED_ALGORITHM and header.get("alg") in _HMAC_ALGORITHMS:
        cause = ("an HMAC token: signed with a shared secret. Better Auth's jwt plugin never does that; the "
                 "session cookie cache (jwt strategy) and a custom jwt.sign do — or it is a key-confusion attack")
        fix = "verify jwt plugin tokens with the JWKS (EdDSA), not with BETTER_AUTH_SECRET"
        if context.secret_given:
            return cause, fix + "; the secret finding says whether the secret signed it"
        return cause, fix + "; pass --secret-env to see whether the secret signed it"
    if reason is Reason.COOKIE_CACHE_TOKEN and header.get("typ") == COOKIE_CACHE_TYPE:
        return "typ is better-auth.session-cache+jwt: jwt({ sessionCookieCache: true }) signed the cookie cache", None
    if expected is None:
        return None, None
    if reason is Reason.EXPIRED:
        return _expired(claims, expected.now)
    if reason in (Reason.ISSUED_IN_FUTURE, Reason.NOT_YET_VALID):
        name = "iat" if reason is Reason.ISSUED_IN_FUTURE else "nbf"
        moment = _instant(claims.get(name))
        if moment is None:
            return None, None
        skew = moment - expected.now
        return (f"{name} is {skew:.0f} s ahead of this machine's clock: the issuer's clock runs ahead",
                f"synchronise clocks (NTP), or set a leeway of at least {skew:.0f} s "
                "(--leeway / BACKEND_LEEWAY_SECONDS)")
    if reason is Reason.WRONG_ISSUER and expected.issuer is not None:
        return issuer_hint(claims.get("iss"), expected.issuer), None
    if reason is Reason.WRONG_AUDIENCE and expected.audience is not None:
        aud = claims.get("aud")
        if isinstance(aud, list):
            aud = aud[0] if len(aud) == 1 else None
        return issuer_hint(aud, expected.audience), None
    return None, None


def _instant(value: Any) -> float | None:
    """``value`` as epoch seconds when it is a time the calendar holds, else None (never a crash:
    a token's times can be ``10**400``, infinite, negative, text or a bool)."""
    if isinstance(value, bool) or when(value) is None:
        return None
    return float(value)


def _expired(claims: dict[str, Any], now: float) -> tuple[str | None, str | None]:
    exp, iat = _instant(claims.get("exp")), _instant(claims.get("iat"))
    if exp is None:
        return None, None
    ago = now - exp
    lifetime = f" (a {(exp - iat) / 60:g}-minute token)" if iat is not None and exp > iat else ""
    fix = None
    if 0 <= ago <= 120:
        fix = (f"just expired: if clocks differ by ~{ago:.0f} s, sync them; otherwise fetch a fresh token "
               "(a leeway hides skew, not expiry)")
    return f"it expired at {when(exp)}, {ago:.0f} s ago{lifetime}", fix


def issuer_hint(found: Any, expected: str) -> str | None:
    """The specific way an iss/aud differs from the expected value, when there is a common one."""
    if not isinstance(found, str):
        return None
    if found.rstrip("/") == expected.rstrip("/"):
        return f"only a trailing slash differs ({found!r} vs {expected!r}): Better Auth uses the origin without one"
    try:
        if origin_of(found) == origin_of(expected):
            # Same origin, so one of the two carries a path: say which side to fix.
            with_path = found if urlsplit(found).path.strip("/") else expected
            side = "the token's value" if with_path == found else "the expected value"
            return (f"{side} {with_path!r} has a path; Better Auth's iss/aud is the origin only "
                    "(BETTER_AUTH_URL without /api/auth)")
        found_at, expected_at = urlsplit(found), urlsplit(expected)
        if (found_at.hostname, found_at.scheme) != (expected_at.hostname, expected_at.scheme):
            return (f"the token names {found!r}: the two sides disagree on BETTER_AUTH_URL (scheme/host/port), or "
                    "Better Auth has no base URL and took it from the request's Host header")
    except ValueError:
        pass
    return None
