"""Verifying a Better Auth access JWT: every check, in order, each failure with its reason code.

Security rules (each is a check below, and a case in ``tests/security``):

* The allowed algorithms come from configuration, never from the token: the token's ``alg`` is
  only *compared* with that list. ``none``, HMAC (``HS*``, the key-confusion attack) and any
  algorithm not configured are refused before a key is even looked up.
* Keys come only from the configured JWKS: ``jku``, ``jwk``, ``x5u`` and ``x5c`` headers (which
  point at attacker-chosen keys) are refused, and so is any ``crit`` extension we do not implement.
* ``kid``, ``exp``, ``iat``, ``iss``, ``aud`` and ``sub`` are required; ``iss`` and ``aud`` must
  equal the configured values exactly (no prefix/suffix match, no trailing-slash forgiveness).
* Time claims are checked against the injected clock with the configured leeway; each must be a
  number of seconds between 1970 and 9999 (``timestamps``): a huge, infinite, boolean or textual
  ``exp`` is ``invalid_claim``, never a crash and never "does not expire". PyJWT reads the wall
  clock itself, so it is used for what it is good at — its algorithm objects check the
  signature — and the claims are checked here.
* A Better Auth *session cookie cache* JWT (``typ: better-auth.session-cache+jwt`` or an HS256
  token carrying ``session``/``user``) and the opaque session token are different credentials and
  are refused as access tokens with their own reason codes.
* Tokens longer than ``max_token_bytes`` are refused before any parsing; parsing is strict
  (base64url without padding, UTF-8 JSON objects, no duplicate member names, no NaN/Infinity).

The pieces (``decode_unverified``, ``header_problems``, ``claim_problems``) are public so the
doctor can run every check and report all findings, not just the first.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jwt import PyJWK

from .clock import Clock, SystemClock
from .errors import InvalidTokenError, Reason
from .keys import JWKSKeySource
from .settings import BackendSettings
from .timestamps import MAX_INSTANT, numeric_date
from .token_cache import VerifiedTokenCache
from .user import User

#: Headers that would let the token choose its own verification key.
FORBIDDEN_HEADERS = ("jku", "jwk", "x5u", "x5c")
#: ``typ`` values accepted for an access token (Better Auth sets none).
ACCESS_TOKEN_TYPES = (None, "JWT", "jwt", "at+jwt", "application/at+jwt")
#: Better Auth's markers for its session cookie cache JWT (``better-auth/dist/cookies/jwt.mjs``).
COOKIE_CACHE_TYPE = "better-auth.session-cache+jwt"
COOKIE_CACHE_AUDIENCE = "better-auth:session-cache"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
# Better Auth's session token: 32 alphanumerics, optionally "." + the standard-base64 HMAC-SHA256
# (44 chars ending in "=", percent-encoded in the cookie) — the signed cookie value.
_SESSION_TOKEN = re.compile(r"[A-Za-z0-9]{32}(\.(?:[A-Za-z0-9+/]|%2[BbFf]){43}(?:=|%3[Dd]))?")
_PRINTABLE_KID = re.compile(r"[\x20-\x7e]{1,256}")
# A base64url segment of length 2 or 3 (mod 4) ends in a character whose low 4 or 2 bits encode
# no data; canonical encoders set them to zero, so only these last characters are canonical.
# A set lookup: much cheaper than decoding and re-encoding every token.
_CANONICAL_LAST_CHAR = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}


@dataclass(frozen=True)
class DecodedToken:
    """A compact JWS split and decoded, *not yet verified*."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes
    token: str


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed every check, and the typed user it describes."""

    header: dict[str, Any]
    claims: dict[str, Any]

    @property
    def kid(self) -> str:
        kid: str = self.header["kid"]  # header_problems admitted only a printable string
        return kid

    @cached_property
    def user(self) -> User:
        # Built once per verified token: a token-cache hit then costs no model validation either.
        return User.from_claims(self.claims)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # {"alg": "none", "alg": "EdDSA"}: parsers disagree on which one wins, so neither does here.
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("duplicate member names")
    return value


def _no_constants(name: str) -> Any:
    # Python's json accepts NaN and Infinity; an exp of Infinity would never expire.
    raise ValueError(f"{name} is not JSON")


#: One decoder for every header and payload: ``json.loads`` with hooks would build a new one per call.
_STRICT_JSON = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constants)


def is_canonical_base64url(segment: str) -> bool:
    """Whether ``segment`` (already known to be unpadded base64url) is the one encoding of its bytes."""
    allowed = _CANONICAL_LAST_CHAR.get(len(segment) % 4)
    return allowed is None or segment[-1] in allowed


def _non_canonical(part: str) -> InvalidTokenError:
    return InvalidTokenError(
        Reason.NON_CANONICAL_ENCODING,
        f"the {part} is non-canonical base64url: its last character has unused bits set "
        "(another spelling of the same bytes, RFC 4648 section 3.5)",
    )


def _b64url_json(segment: str, part: str) -> dict[str, Any]:
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise InvalidTokenError(Reason.MALFORMED, f"the {part} is not base64url (RFC 7515 compact form)")
    if not is_canonical_base64url(segment):
        raise _non_canonical(part)
    try:
        # UTF-8 only (RFC 7515 section 5.2): json.loads(bytes) would also take UTF-16 and a BOM.
        value = _STRICT_JSON.decode(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidTokenError(
            Reason.MALFORMED, f"the {part} is not valid UTF-8 JSON (RFC 8259, unique names)"
        ) from None
    if not isinstance(value, dict):
        raise InvalidTokenError(Reason.MALFORMED, f"the {part} is not a JSON object")
    return value


def decode_unverified(token: str, *, max_token_bytes: int = 8192) -> DecodedToken:
    """Split and decode ``token`` without trusting anything in it. Raises ``InvalidTokenError``."""
    if len(token) > max_token_bytes:
        raise InvalidTokenError(Reason.TOKEN_TOO_LARGE, f"the token is longer than {max_token_bytes} bytes")
    if _SESSION_TOKEN.fullmatch(token):
        raise InvalidTokenError(
            Reason.SESSION_TOKEN_NOT_JWT,
            "this is a Better Auth session token, not a JWT: send the JWT from /api/auth/token "
            "or the set-auth-jwt header",
        )
    if token.lstrip().startswith("{"):
        raise InvalidTokenError(Reason.MALFORMED, "only the compact JWS form is accepted, not the JSON serialization")
    segments = token.split(".")
    if len(segments) != 3:
        raise InvalidTokenError(Reason.MALFORMED, f"a JWT has 3 dot-separated segments, this has {len(segments)}")
    header = _b64url_json(segments[0], "header")
    claims = _b64url_json(segments[1], "payload")
    signature = segments[2]
    if not _B64URL.fullmatch(signature) or len(signature) % 4 == 1:
        raise InvalidTokenError(Reason.MALFORMED, "the signature is not base64url")
    if not is_canonical_base64url(signature):
        raise _non_canonical("signature")
    return DecodedToken(
        header=header,
        claims=claims,
        signing_input=f"{segments[0]}.{segments[1]}".encode(),
        signature=base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        token=token,
    )


def header_problems(decoded: DecodedToken, algorithms: list[str]) -> list[InvalidTokenError]:
    """Everything wrong with the token's kind and header, most fundamental first."""
    header, claims = decoded.header, decoded.claims
    problems = []
    if header.get("typ") == COOKIE_CACHE_TYPE or claims.get("aud") == COOKIE_CACHE_AUDIENCE or (
        isinstance(claims.get("session"), dict) and isinstance(claims.get("user"), dict)
    ):
        problems.append(
            InvalidTokenError(
                Reason.COOKIE_CACHE_TOKEN,
                "this is Better Auth's session cookie cache (better-auth.session_data), not an access "
                "token: send the JWT from /api/auth/token",
            )
        )
    elif header.get("typ") not in ACCESS_TOKEN_TYPES:
        problems.append(InvalidTokenError(Reason.WRONG_TOKEN_TYPE, "the token's typ is not an access token type"))
    for name in FORBIDDEN_HEADERS:
        if name in header:
            problems.append(
                InvalidTokenError(
                    Reason.FORBIDDEN_HEADER, f"the '{name}' header is refused: keys come only from the configured JWKS"
                )
            )
    if "crit" in header:
        problems.append(
            InvalidTokenError(
                Reason.UNSUPPORTED_CRITICAL_HEADER, "the token has 'crit' extensions this API does not implement"
            )
        )
    alg = header.get("alg")
    if alg not in algorithms:
        shown = alg if isinstance(alg, str) and len(alg) <= 20 else "missing" if alg is None else "invalid"
        problems.append(
            InvalidTokenError(
                Reason.UNSUPPORTED_ALGORITHM, f"alg {shown!s} is not allowed (allowed: {', '.join(algorithms)})"
            )
        )
    kid = header.get("kid")
    if kid is None:
        problems.append(InvalidTokenError(Reason.MISSING_KID, "the token header has no kid"))
    elif not isinstance(kid, str) or not _PRINTABLE_KID.fullmatch(kid):
        problems.append(InvalidTokenError(Reason.MALFORMED, "the kid is not a short printable string"))
    return problems


def claim_problems(
    claims: dict[str, Any], *, issuer: str, audience: str, now: float, leeway: float = 0.0
) -> list[InvalidTokenError]:
    """Everything wrong with the claims at time ``now`` (epoch seconds from the injected clock)."""
    problems = [
        InvalidTokenError(Reason.MISSING_CLAIM, f"the token has no '{name}' claim")
        for name in REQUIRED_CLAIMS
        if name not in claims
    ]
    times = {}
    for name in ("exp", "iat", "nbf"):
        if name in claims:
            times[name] = numeric_date(claims[name])
            if times[name] is None:
                problems.append(
                    InvalidTokenError(
                        Reason.INVALID_CLAIM,
                        f"'{name}' is not a NumericDate (a number of seconds from 0 to {MAX_INSTANT}, year 9999)",
                    )
                )
    exp, iat, nbf = times.get("exp"), times.get("iat"), times.get("nbf")
    if exp is not None and now >= exp + leeway:
        problems.append(InvalidTokenError(Reason.EXPIRED, f"the token expired {now - exp:.0f} s ago"))
    if nbf is not None and nbf > now + leeway:
        problems.append(
            InvalidTokenError(Reason.NOT_YET_VALID, f"the token is not valid for another {nbf - now:.0f} s")
        )
    if iat is not None and iat > now + leeway:
        problems.append(
            InvalidTokenError(
                Reason.ISSUED_IN_FUTURE, f"the token was issued {iat - now:.0f} s in the future (clock skew?)"
            )
        )
    if "iss" in claims and claims["iss"] != issuer:
        problems.append(InvalidTokenError(Reason.WRONG_ISSUER, f"the issuer is not {issuer}"))
    if "aud" in claims:
        aud = claims["aud"]
        audiences = aud if isinstance(aud, list) else [aud]
        if audience not in [a for a in audiences if isinstance(a, str)]:
            problems.append(InvalidTokenError(Reason.WRONG_AUDIENCE, f"the audience does not include {audience}"))
    if "sub" in claims and (not isinstance(claims["sub"], str) or not claims["sub"]):
        problems.append(InvalidTokenError(Reason.INVALID_CLAIM, "'sub' is not a non-empty string"))
    return problems


def verify_signature(decoded: DecodedToken, key: PyJWK) -> None:
    """Check the signature with ``key``; the header's alg was already checked against the allow-list.

    The check is PyJWT's: ``key.Algorithm`` is the algorithm object ``PyJWS.decode_complete``
    would call. Calling it directly avoids parsing the token a second time (it is already split
    and decoded here, strictly), which is most of PyJWT's per-token overhead.
    """
    alg = decoded.header["alg"]
    if key.algorithm_name != alg:
        # The JWKS says which algorithm the key is for; a token may not use it for another.
        raise InvalidTokenError(Reason.BAD_SIGNATURE, f"the key with this kid is for {key.algorithm_name}, not {alg}")
    if not key.Algorithm.verify(decoded.signing_input, key.key, decoded.signature):
        raise InvalidTokenError(Reason.BAD_SIGNATURE, "the signature does not match the issuer's key")


class TokenVerifier:
    """Verifies access tokens against one Better Auth issuer's configuration."""

    def __init__(
        self,
        key_source: JWKSKeySource,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        leeway: float = 0.0,
        clock: Clock | None = None,
        max_token_bytes: int = 8192,
        cache: VerifiedTokenCache | None = None,
    ) -> None:
        self.key_source = key_source
        self.issuer = issuer
        self.audience = audience
        self.algorithms = list(algorithms)  # a copy: never mutated after construction
        self.leeway = leeway
        self.clock = clock or SystemClock()
        self.max_token_bytes = max_token_bytes
        self.cache = cache

    @classmethod
    def from_settings(
        cls, settings: BackendSettings, key_source: JWKSKeySource, clock: Clock | None = None
    ) -> TokenVerifier:
        clock = clock or SystemClock()
        # BackendSettings derives both from BETTER_AUTH_URL when they are not given.
        assert settings.issuer is not None and settings.audience is not None
        cache = VerifiedTokenCache(settings.token_cache_size, clock) if settings.token_cache_size else None
        return cls(
            key_source,
            issuer=settings.issuer,
            audience=settings.audience,
            algorithms=settings.algorithms,
            leeway=settings.leeway_seconds,
            clock=clock,
            max_token_bytes=settings.max_token_bytes,
            cache=cache,
        )

    async def verify(self, token: str) -> VerifiedToken:
        """The verified header and claims of ``token``, or ``InvalidTokenError`` /
        ``UpstreamUnavailableError`` with the first problem found."""
        if self.cache is not None:
            hit = self.cache.get(token, self.key_source.has_key)
            if hit is not None:
                return hit
        decoded = decode_unverified(token, max_token_bytes=self.max_token_bytes)
        problems = header_problems(decoded, self.algorithms)
        if problems:
            raise problems[0]
        key = await self.key_source.get_key(decoded.header["kid"])
        verify_signature(decoded, key)
        problems = claim_problems(
            decoded.claims, issuer=self.issuer, audience=self.audience, now=self.clock.now(), leeway=self.leeway
        )
        if problems:
            raise problems[0]
        verified = VerifiedToken(header=decoded.header, claims=decoded.claims)
        if self.cache is not None:
            self.cache.put(token, verified)  # only reached when every check passed
        return verified
