"""The token doctor: why is this token accepted or rejected, and what to do about it.

    python -m playground doctor TOKEN [--jwks-url URL] [--issuer I] [--audience A]
                                      [--leeway S] [--secret-env NAME]

It runs the backend's own checks (``playground.backend.verify``: same functions, same reason
codes), but instead of stopping at the first failure it reports every finding, each with its
likely cause and the fix — the troubleshooting playbook: secret mismatch, wrong credential kind,
expired (by how long), clock skew, iss/aud mismatch (trailing slash included), unknown kid,
algorithm, malformed. Exit status: 0 accepted, 1 rejected, 2 usage error.

Expected values come from the options, else from ``BETTER_AUTH_URL`` (like the backend), else
— with a warning finding — from the token's own ``iss``. The secret is read from the environment
variable named by ``--secret-env``, never from the command line (it would land in shell history).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt

from playground.backend.errors import AuthError, InvalidTokenError, Reason
from playground.backend.keys import JWKSKeySource
from playground.backend.sessions import sign_session_token
from playground.backend.settings import (
    DEFAULT_AUTH_PATH,
    SUPPORTED_ALGORITHMS,
    origin_of,
)
from playground.backend.verify import (
    COOKIE_CACHE_TYPE,
    DecodedToken,
    claim_problems,
    decode_unverified,
    header_problems,
    verify_signature,
)
from playground.clock import Clock

#: Cause and fix for each reason code (the doctor adds specifics found in the token).
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
        "the JWKS could not be fetched",
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
        "a claim has the wrong type (times are numbers, sub a non-empty string)",
        "check a custom definePayload / getSubject",
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


@dataclass(frozen=True)
class Finding:
    """One check's outcome. ``reason`` is the backend's code when the check failed."""

    check: str
    ok: bool
    message: str
    reason: Reason | None = None
    cause: str = ""
    fix: str = ""

    @classmethod
    def failed(cls, check: str, error: AuthError, *, cause: str | None = None, fix: str | None = None) -> Finding:
        default_cause, default_fix = PLAYBOOK.get(error.reason, ("", ""))
        return cls(check, False, error.description, error.reason, cause or default_cause, fix or default_fix)


@dataclass
class Diagnosis:
    """Everything the doctor found about one token, against one configuration."""

    token: str
    expected: dict[str, Any]
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def reasons(self) -> list[Reason]:
        return [f.reason for f in self.findings if f.reason is not None]

    def __str__(self) -> str:
        lines = [f"Token {'ACCEPTED' if self.accepted else 'REJECTED'}"]
        lines += [f"  expected {name}: {value}" for name, value in self.expected.items()]
        for finding in self.findings:
            mark = "ok " if finding.ok else "ERR"
            code = f" [{finding.reason.value}]" if finding.reason else ""
            lines.append(f"{mark} {finding.check}: {finding.message}{code}")
            if finding.cause:
                lines.append(f"      cause: {finding.cause}")
            if finding.fix:
                lines.append(f"      fix:   {finding.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from playground.display import diagnosis_html

        return diagnosis_html(self)


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _issuer_hint(found: Any, expected: str) -> str | None:
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
        if urlsplit(found).hostname != urlsplit(expected).hostname or urlsplit(found).scheme != urlsplit(expected).scheme:
            return (
                f"the token names {found!r}: the two sides disagree on BETTER_AUTH_URL (scheme/host/port), or Better "
                "Auth has no base URL and took it from the request's Host header"
            )
    except ValueError:
        pass
    return None


def _structure(token: str, max_token_bytes: int) -> tuple[DecodedToken | None, list[Finding]]:
    stripped = token.strip().strip('"').strip("'")
    findings = []
    if stripped.lower().startswith("bearer "):
        findings.append(
            Finding("structure", False, "the value starts with 'Bearer '", Reason.MALFORMED,
                    "the Authorization header's scheme was pasted as part of the token",
                    "pass only the part after 'Bearer '")
        )
        stripped = stripped[7:].strip()
    elif stripped != token:
        findings.append(
            Finding("structure", False, "the value has surrounding quotes or whitespace", Reason.MALFORMED,
                    "the token was copied from JSON or a shell with its quotes",
                    "send the bare token")
        )
    if "%" in stripped and "." in unquote(stripped):
        findings.append(
            Finding("structure", False, "the value is percent-encoded", Reason.MALFORMED,
                    "it was copied from a cookie or URL", "decode it first (or send the JWT, not a cookie)")
        )
    try:
        decoded = decode_unverified(stripped, max_token_bytes=max_token_bytes)
    except InvalidTokenError as error:
        return None, findings + [Finding.failed("structure", error)]
    findings.append(Finding("structure", True, "a compact JWS with 3 segments, JSON header and payload"))
    return decoded, findings


def _secret_findings(decoded: DecodedToken | None, token: str, secret: str) -> list[Finding]:
    """What BETTER_AUTH_SECRET says about a token: the secret-based credentials and mismatches."""
    if decoded is None:
        value = unquote(token.strip())
        body, dot, _ = value.rpartition(".")
        if not dot:
            return [Finding("secret", True, "an unsigned session token: the secret cannot check it; use get-session")]
        if hmac.compare_digest(sign_session_token(body, secret), value):
            return [Finding("secret", True, "a session cookie value whose HMAC matches the secret "
                            "(proves Better Auth issued it once; get-session says if it is still valid)")]
        return [Finding("secret", False, "the session cookie's HMAC does not match this secret", Reason.BAD_SIGNATURE,
                        "BETTER_AUTH_SECRET differs between Better Auth and this service (or the cookie was altered)",
                        "use the same secret on both sides (and restart Better Auth after changing it)")]
    if decoded.header.get("alg") != "HS256":
        return []
    try:
        # Only the signature matters here; the claim checks follow with the injected clock.
        options = {"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_iss": False}
        jwt.decode(decoded.token, secret.encode(), algorithms=["HS256"], options=options)
    except jwt.InvalidSignatureError:
        return [Finding("secret", False, "this HS256 token does not verify with the secret", Reason.BAD_SIGNATURE,
                        "secret mismatch between Better Auth and this service, or another issuer's token",
                        "use the same BETTER_AUTH_SECRET on both sides")]
    except jwt.PyJWTError:
        return []
    return [Finding("secret", True, "this HS256 token is signed with BETTER_AUTH_SECRET: it is a cookie cache "
                    "(or a custom jwt.sign) token, not a jwt plugin access token")]


async def adiagnose(
    token: str,
    *,
    jwks_url: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    leeway: float = 0.0,
    secret: str | None = None,
    algorithms: list[str] | None = None,
    clock: Clock | None = None,
    max_token_bytes: int = 8192,
) -> Diagnosis:
    """Run every check on ``token`` (async: it fetches the JWKS). See ``diagnose`` for the sync call."""
    clock = clock or Clock.system()
    algorithms = algorithms or ["EdDSA"]
    decoded, findings = _structure(token, max_token_bytes)
    diagnosis = Diagnosis(token=token, expected={}, findings=findings)
    is_session_token = any(f.reason is Reason.SESSION_TOKEN_NOT_JWT for f in findings)
    if secret is not None and (decoded is not None or is_session_token):
        diagnosis.findings += _secret_findings(decoded, token, secret)
    if decoded is None:
        return diagnosis
    diagnosis.header, diagnosis.claims = decoded.header, decoded.claims

    base = os.environ.get("BETTER_AUTH_URL")
    if issuer is None or audience is None or jwks_url is None:
        origin = None
        if base:
            origin = origin_of(base)
        elif jwks_url:
            origin = origin_of(jwks_url)
        elif isinstance(decoded.claims.get("iss"), str):
            try:
                origin = origin_of(decoded.claims["iss"])
            except ValueError:
                origin = None
            if origin is not None:
                diagnosis.findings.append(Finding(
                    "configuration", True, f"no --issuer/--jwks-url/BETTER_AUTH_URL: assuming the token's own "
                    f"issuer {origin} (this trusts the token; pass --jwks-url to check it properly)"))
        if origin is None:
            raise ValueError("give --jwks-url (or set BETTER_AUTH_URL): the token names no usable issuer")
        issuer = issuer or origin
        audience = audience or origin
        path = urlsplit(base).path.rstrip("/") if base else ""
        jwks_url = jwks_url or origin + (path or DEFAULT_AUTH_PATH) + "/jwks"
    diagnosis.expected = {"issuer": issuer, "audience": audience, "jwks_url": jwks_url,
                          "algorithms": ", ".join(algorithms), "leeway": f"{leeway:g} s", "now": _when(clock.now())}

    problems = header_problems(decoded, algorithms)
    for error in problems:
        cause = fix = None
        if error.reason is Reason.UNSUPPORTED_ALGORITHM and decoded.header.get("alg") in ("HS256", "HS384", "HS512"):
            cause = ("an HMAC token: signed with a shared secret. Better Auth's jwt plugin never does that; the "
                     "session cookie cache (jwt strategy) and a custom jwt.sign do — or it is a key-confusion attack")
            fix = ("verify jwt plugin tokens with the JWKS (EdDSA), not with BETTER_AUTH_SECRET; pass --secret-env "
                   "to see whether the secret signed it")
        elif error.reason is Reason.COOKIE_CACHE_TOKEN and decoded.header.get("typ") == COOKIE_CACHE_TYPE:
            cause = "typ is better-auth.session-cache+jwt: jwt({ sessionCookieCache: true }) signed the cookie cache"
        diagnosis.findings.append(Finding.failed("header", error, cause=cause, fix=fix))
    if not problems:
        diagnosis.findings.append(Finding("header", True, f"alg {decoded.header['alg']}, kid {decoded.header['kid']}"))
        source = JWKSKeySource(jwks_url, algorithms=algorithms)
        try:
            key = await source.get_key(decoded.header["kid"])
        except AuthError as error:
            finding = Finding.failed("key", error)
            if error.reason is Reason.UNKNOWN_KID:
                known = ", ".join(source.keys) or "none"
                finding = Finding("key", False, f"{error.description}; kids in the JWKS: {known}", error.reason,
                                  finding.cause, finding.fix)
            diagnosis.findings.append(finding)
        else:
            diagnosis.findings.append(Finding("key", True, f"kid found in {jwks_url}"))
            try:
                verify_signature(decoded, key)
            except InvalidTokenError as error:
                diagnosis.findings.append(Finding.failed("signature", error))
            else:
                diagnosis.findings.append(Finding("signature", True, "valid for the issuer's key"))
        finally:
            await source.aclose()

    claims = decoded.claims
    now = clock.now()
    problems = claim_problems(claims, issuer=issuer, audience=audience, now=now, leeway=leeway)
    for error in problems:
        cause = fix = None
        if error.reason is Reason.EXPIRED:
            lifetime = claims["exp"] - claims["iat"] if isinstance(claims.get("iat"), (int, float)) else None
            ago = now - claims["exp"]
            cause = f"it expired at {_when(claims['exp'])}, {ago:.0f} s ago" + (
                f" (a {lifetime / 60:g}-minute token)" if lifetime else "")
            if 0 <= ago <= 120:
                fix = (f"just expired: if clocks differ by ~{ago:.0f} s, sync them; otherwise fetch a fresh token "
                       "(a leeway hides skew, not expiry)")
        elif error.reason in (Reason.ISSUED_IN_FUTURE, Reason.NOT_YET_VALID):
            claim = "iat" if error.reason is Reason.ISSUED_IN_FUTURE else "nbf"
            skew = claims[claim] - now
            cause = f"{claim} is {skew:.0f} s ahead of this machine's clock: the issuer's clock runs ahead"
            fix = f"synchronise clocks (NTP), or set a leeway of at least {skew:.0f} s (--leeway / BACKEND_LEEWAY_SECONDS)"
        elif error.reason is Reason.WRONG_ISSUER:
            cause = _issuer_hint(claims.get("iss"), issuer)
        elif error.reason is Reason.WRONG_AUDIENCE:
            aud = claims.get("aud")
            cause = _issuer_hint(aud if not isinstance(aud, list) else (aud[0] if len(aud) == 1 else None), audience)
        diagnosis.findings.append(Finding.failed("claims", error, cause=cause, fix=fix))
    if not problems:
        diagnosis.findings.append(Finding(
            "claims", True, f"sub {claims['sub']!r}, iss and aud as expected, expires {_when(claims['exp'])} "
            f"(in {claims['exp'] - now:.0f} s)"))
    return diagnosis


def diagnose(token: str, **options) -> Diagnosis:
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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that, print clearly
        self.print_usage(sys.stderr)
        print(f"doctor: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m playground doctor",
                     description="Explain why a Better Auth token is accepted or rejected by the backend's checks.")
    parser.add_argument("token", help="the token (JWT, session token or cookie value)")
    parser.add_argument("--jwks-url", help="default: <BETTER_AUTH_URL>/api/auth/jwks")
    parser.add_argument("--issuer", help="expected iss (default: origin of BETTER_AUTH_URL)")
    parser.add_argument("--audience", help="expected aud (default: origin of BETTER_AUTH_URL)")
    parser.add_argument("--leeway", type=float, default=0.0, help="clock-skew tolerance in seconds (default 0)")
    parser.add_argument("--algorithms", default="EdDSA", help=f"comma-separated, of {', '.join(SUPPORTED_ALGORITHMS)}")
    parser.add_argument("--secret-env", metavar="NAME",
                        help="name of the environment variable holding BETTER_AUTH_SECRET (e.g. BETTER_AUTH_SECRET)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry: prints the diagnosis; returns 0 accepted, 1 rejected, 2 usage error."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    secret = None
    if args.secret_env:
        secret = os.environ.get(args.secret_env)
        if not secret:
            print(f"doctor: error: environment variable {args.secret_env} is not set", file=sys.stderr)
            return 2
    algorithms = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    if not algorithms or any(a not in SUPPORTED_ALGORITHMS for a in algorithms):
        print(f"doctor: error: --algorithms must be among {', '.join(SUPPORTED_ALGORITHMS)}", file=sys.stderr)
        return 2
    if args.leeway < 0:
        print("doctor: error: --leeway must be >= 0", file=sys.stderr)
        return 2
    try:
        diagnosis = diagnose(args.token, jwks_url=args.jwks_url, issuer=args.issuer, audience=args.audience,
                             leeway=args.leeway, secret=secret, algorithms=algorithms)
    except ValueError as exc:
        print(f"doctor: error: {exc}", file=sys.stderr)
        return 2
    print(diagnosis)
    return 0 if diagnosis.accepted else 1
