"""The secret check (only when the caller hands over ``BETTER_AUTH_SECRET``): what the secret says
about a value that is *not* a jwt plugin access token.

The secret never verifies a jwt plugin token (those are EdDSA, checked with the JWKS); it signs
Better Auth's session cookie (``token.base64(HMAC-SHA256)``) and an HS256 cookie cache or custom
``jwt.sign`` token. So this check answers "did this secret sign it?" — the usual cause of a
secret mismatch between Better Auth and a Python service.
"""

from __future__ import annotations

import hmac
from urllib.parse import unquote

from jwt.algorithms import HMACAlgorithm

from playground.backend.errors import Reason
from playground.backend.sessions import sign_session_token
from playground.backend.verify import DecodedToken

from .findings import Finding, Status

_HS256 = HMACAlgorithm(HMACAlgorithm.SHA256)


def check_secret(decoded: DecodedToken | None, token: str, secret: str) -> list[Finding]:
    """Findings about ``token`` and ``secret``: a session cookie's HMAC, or an HS256 signature."""
    if decoded is None:
        value = unquote(token.strip())
        body, dot, _ = value.rpartition(".")
        if not dot:
            return [Finding.passed("secret", "an unsigned session token: the secret cannot check it; use get-session")]
        if hmac.compare_digest(sign_session_token(body, secret), value):
            return [Finding.passed("secret", "a session cookie value whose HMAC matches the secret "
                                   "(proves Better Auth issued it once; get-session says if it is still valid)")]
        return [Finding("secret", Status.ERROR, "the session cookie's HMAC does not match this secret",
                        Reason.BAD_SIGNATURE,
                        "BETTER_AUTH_SECRET differs between Better Auth and this service (or the cookie was altered)",
                        "use the same secret on both sides (and restart Better Auth after changing it)")]
    if decoded.header.get("alg") != "HS256":
        return []
    # PyJWT's HMAC algorithm object on the raw secret bytes: only the signature matters here (the
    # claims are the claims stage's, with the injected clock), and a short secret is checked, not
    # refused with a warning as jwt.decode would.
    if not _HS256.verify(decoded.signing_input, secret.encode(), decoded.signature):
        return [Finding("secret", Status.ERROR, "this HS256 token does not verify with the secret",
                        Reason.BAD_SIGNATURE,
                        "secret mismatch between Better Auth and this service, or another issuer's token",
                        "use the same BETTER_AUTH_SECRET on both sides")]
    return [Finding.passed("secret", "this HS256 token is signed with BETTER_AUTH_SECRET: it is a cookie cache "
                           "(or a custom jwt.sign) token, not a jwt plugin access token")]
