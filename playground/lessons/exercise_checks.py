"""Checks for the exercises of lessons 03c, 05b, 06, 07, 07c, 08 and 10 (05, 05a, 09 and 11 keep
theirs beside their helpers). The learner passes what they observed; each check says right and
why, or gives a hint that points at the mistake without handing over the answer.
"""

from __future__ import annotations

from typing import Any

from playground.lessons.checks import Verdict, verdict

# ---- 03c · choosing a library ----


def check_two_alg_names(accepted: bool) -> Verdict:
    """03c, exercise 1: does PyJWT accept an EdDSA token with ``algorithms=["Ed25519", "EdDSA"]``?"""
    return verdict("exercise 1", accepted is True,
                   why="the token's alg (EdDSA) is in the list; PyJWT skips a name it does not know",
                   hint="call libraries.try_pyjwt(...) with that list and read .accepted")


def check_bridge_clock_ahead(status: int) -> Verdict:
    """03c, exercise 2: the bridge's answer to a genuine token whose ``iat`` is 60 s in the future
    (an issuer whose clock runs ahead)."""
    return verdict("exercise 2", status == 401,
                   why="PyJWT, under the bridge, refuses an iat in the future ('The token is not yet valid "
                       "(iat)'), and JwtVerifier's leeway is 0 by default: every fresh token from an issuer whose "
                       "clock is ahead fails until yours catches up. A leeway of a few seconds "
                       "(JwtVerifier(base_url=..., leeway=...)) absorbs real clock skew",
                   hint="exp is not the only claim PyJWT compares with your clock: which other time claim does "
                        "this token carry?")


# ---- 05b · deployment topology ----


def check_secure_cookie_call(status: int, reason: str | None) -> Verdict:
    """05b, exercise 1: the reference backend's ``/api/session/me`` given the ``__Secure-`` cookie
    that the second auth server (another secret) set."""
    if status != 401:
        return verdict("exercise 1", False, why="", hint="send it as a Cookie header, under its own name "
                       "__Secure-better-auth.session_token, to pg.api's /api/session/me and read the status")
    return verdict("exercise 1", reason == "bad_signature",
                   why="the backend finds the prefixed cookie, then checks its HMAC with its own "
                       "BETTER_AUTH_SECRET; the second auth server signed it with another secret. Reading "
                       "both names is not enough: a backend that validates cookies must share Better Auth's "
                       "secret, and a cookie from another Better Auth (staging, a preview) is refused",
                   hint="the backend did find the cookie under its __Secure- name (section 3): what does it "
                        "check next? Section 4 says what the value is made of")


def check_decoded_cookie(email: Any) -> Verdict:
    """05b, exercise 2: what get-session answers for a cookie whose ``%3D`` arrived decoded as ``=``."""
    return verdict("exercise 2", email == "ada@example.com",
                   why="Better Auth decodes the cookie value once itself: a value already decoded has no "
                       "escapes left, so it reads the same token and signature",
                   hint="send the decoded value as the cookie to get-session and read ['user']['email']")


# ---- 06 · token lifecycle ----


def check_leeway_boundary(at_59: Any, at_60_reason: Any) -> Verdict:
    """06, exercise 1: a 60 s-leeway verifier's answer at ``exp`` + 59 s (the user's email) and at
    ``exp`` + 60 s (the reason it refuses, or "accepted")."""
    return verdict("exercise 1", at_59 == "ada@example.com" and at_60_reason == "expired",
                   why="leeway moves the boundary without changing its kind: exp is the time on or after which "
                       "a token is refused (RFC 7519 §4.1.4), so with leeway it is refused from exp + leeway on",
                   hint="a TokenVerifier built from BackendSettings(..., leeway_seconds=60); move the playground "
                        "with pg.advance(exp + 59 - pg.api_clock.now()), verify, then pg.advance(1) and read the "
                        "InvalidTokenError's reason")


def check_pyjwkclient_outage(outcome: Any) -> Verdict:
    """06, exercise 2: what ``PyJWKClient.get_signing_key`` does for a kid it had, once its
    ``lifespan`` has passed with the issuer down: the kid it returned, or the exception's class name."""
    return verdict("exercise 2", outcome == "PyJWKClientConnectionError",
                   why="PyJWKClient refetches when its lifespan is over and keeps no stale copy: an outage "
                       "longer than lifespan fails every token. Catch PyJWKClientConnectionError and answer "
                       "503, not 401, or use a key source with a bounded stale window (§4)",
                   hint="fetch once with PyJWKClient(url, lifespan=0.5), stop the server, time.sleep(1), ask "
                        "for the same kid, and catch jwt.PyJWKClientError (type(exc).__name__)")


def check_unknown_kid_while_down(reason: Any) -> Verdict:
    """06, exercise 3: ``get_key`` for a kid the key source never saw, 10 s after its last fetch,
    with Better Auth down (the reason of the error it raises)."""
    return verdict("exercise 3", reason == "jwks_unavailable",
                   why="10 s is past the 5 s refetch window, so the unknown kid triggers a refetch, and the "
                       "refetch fails: the backend cannot tell a key minted just before the outage from a "
                       "made-up kid, so it answers 503 jwks_unavailable (try again later), not 401 "
                       "unknown_kid (your token is bad)",
                   hint="fetch once with a hand-driven monotonic clock (Clock.frozen(0)), stop the auth server, "
                        "shift the clock 10 s, ask get_key for a kid it never listed, and catch both "
                        "InvalidTokenError and UpstreamUnavailableError to read .reason")


# ---- 07 · other credentials ----


def check_raw_token_two_ways(cookie_status: Any, bearer_status: Any) -> Verdict:
    """07, exercise 1: ``/api/session/me`` for Grace's raw session token (no signature), sent as the
    session cookie, then as ``Authorization: Bearer``."""
    return verdict("exercise 1", (cookie_status, bearer_status) == (401, 200),
                   why="as a cookie, Better Auth expects token.signature and finds no valid signature: no "
                       "session. As Bearer, the bearer plugin signs a token without a dot itself "
                       "(requireSignature: false by default, lesson 07b §1): a raw token from a log or the "
                       "sign-in JSON is a full credential there",
                   hint="send signed_in.json()['token'] once in a Cookie header named better-auth.session_token "
                        "and once as a Bearer header (session_me helps), and read both statuses")


def check_misspelled_get_session(reason: Any) -> Verdict:
    """07, exercise 2: a ``SessionValidator`` whose get-session URL has a typo (Better Auth answers
    404), asked about a live session: the reason of the error it raises."""
    return verdict("exercise 2", reason == "session_service_unavailable",
                   why="anything but a 200 with JSON means Better Auth did not answer usably: the backend says "
                       "503 (with Retry-After), never 401, because the user's session may be perfectly good; "
                       "the operator finds 'answered HTTP 404' in the description and the log",
                   hint="build SessionValidator(pg.auth_url + '/api/auth/get-sesion', clock=pg.api_clock), "
                        "validate Grace's SessionCredential(session_token) and catch both InvalidTokenError "
                        "and UpstreamUnavailableError")


def check_cache_as_hs256_token(outcome: Any) -> Verdict:
    """07, exercise 3: what ``verify_hs256_jwt`` (§4) makes of the ``jwt`` strategy's cookie cache:
    the email it would accept, or the reason it refuses."""
    return verdict("exercise 3", outcome == "missing_claim",
                   why="the cache is an HS256 JWT signed with the same secret, but it carries no iss, aud or sub: "
                       "a verifier that requires them refuses it, while jwt.decode(cache, secret, "
                       "algorithms=['HS256']) with no audience or issuer takes it - the same confusion as §3b, "
                       "with a shared secret instead of a key pair",
                   hint="call verify_hs256_jwt(caches['jwt'], pg.secret, issuer=pg.auth_url, "
                        "audience=pg.auth_url, clock=pg.api_clock) and catch InvalidTokenError")


# ---- 07c · revocation and replay ----


def check_short_cache(session_at_1_30: Any) -> Verdict:
    """07c, exercise 1: get-session for the stolen pair at 1:30 with ``maxAge: 60``."""
    return verdict("exercise 1", session_at_1_30 is None,
                   why="the cache cookie expired at 1:00 (60 s after sign-in), so get-session reads the "
                       "session row, which sign-out deleted",
                   hint="the cache's maxAge counts from when it was set (sign-in), not from sign-out")


def check_pair_at_backend(status: Any) -> Verdict:
    """07c, exercise 2: the reference backend's ``/api/session/me`` status for a signed-out user's
    cookie pair (``session_token`` and ``session_data``)."""
    return verdict("exercise 2", status == 401,
                   why="the backend sends get-session the session token alone (the credential it extracted), "
                       "never session_data, so Better Auth reads its database, where sign-out deleted the "
                       "session. Forwarding the whole Cookie header would inherit the cache's maxAge window",
                   hint="sign Ada in and out on the deployment, then send both cookies (cookies(SESSION, CACHE)) "
                        "to api's /api/session/me and read the status")


# ---- 08 · troubleshooting playbook ----


def check_late_replica(rotated: tuple[int, Any], first: tuple[int, Any]) -> Verdict:
    """08, exercise 1: a never-refetching backend started after the rotation, on the rotated token
    and on Grace's first token (``(status, reason)`` each)."""
    return verdict("exercise 1", rotated == (200, None) and first == (200, None),
                   why="its first fetch lists both keys (the old one is in its grace period): unknown_kid "
                       "depends on when a replica last fetched, so it shows on old replicas only",
                   hint="start a new backend like `stuck` and call /api/me with each token (the `me` helper)")


def check_double_bearer(reason: Any) -> Verdict:
    """08, exercise 2: the backend's reason for ``Authorization: Bearer Bearer <jwt>``."""
    return verdict("exercise 2", reason == "malformed",
                   why="the credential after the scheme is 'Bearer <jwt>': not a compact JWS",
                   hint="send 'Bearer ' + fresh as the token (me('Bearer ' + fresh)) and read the reason")


def check_aud_list(status: int) -> Verdict:
    """08, exercise 3: a token whose ``aud`` is a list containing this API's audience."""
    return verdict("exercise 3", status == 200,
                   why="RFC 7519 §4.1.3: aud may be a list; it must contain this API's audience",
                   hint="mint it with pg.controls.mint_token(..., claims={'aud': [...]}) and call /api/me")


# ---- 10 · end to end and production ----

#: The lifetime Better Auth's jwt plugin gives a token by default (``expirationTime: "15m"``).
DEFAULT_LIFETIME = 15 * 60


def check_signjwt_old_iat(lifetime: Any, reason: Any) -> Verdict:
    """10, exercise 1: ``auth.api.signJWT`` with a payload ``iat`` from an hour ago: the minted
    token's ``exp - iat``, and the first reason the backend's claim checks give."""
    return verdict("exercise 1", (lifetime, reason) == (DEFAULT_LIFETIME, "expired"),
                   why="signJWT counts exp from the payload's iat (exp = iat + expirationTime, sign.mjs: "
                       "toExpJWT(expirationTime, iat ?? now)): an iat from an hour ago mints a token that "
                       "expired 45 minutes ago. Put the time of signing in iat, Math.floor(Date.now() / 1000)",
                   hint="sign one payload with that iat (sign_jwt_real), decode it (decode_unverified), "
                        "subtract iat from exp, and run claim_problems(..., now=time.time())")


def check_kid_log_injection(reason: Any) -> Verdict:
    """10, exercise 2: the reference backend's reason for a token whose ``kid`` carries a line break
    and a forged log line."""
    return verdict("exercise 2", reason == "malformed",
                   why="the backend admits only a short printable kid (1-256 characters, no control "
                       "characters): a line break never reaches a key lookup, an error message or your log",
                   hint="forge the token with lab.forge (lesson 09) and send it to /api/me; a kid with a "
                        "line break is not looked up at all")


def permissions_budget(pg, email: str = "grace@example.com") -> int:
    """How many 40-character entries a ``permissions`` claim of ``email``'s token holds before the
    token is over the backend's ``max_token_bytes`` (searched by minting, as the learner does)."""
    from playground.backend import BackendSettings

    limit = BackendSettings(better_auth_url=pg.auth_url).max_token_bytes

    def fits(count: int) -> bool:
        token = pg.controls.mint_token(email, claims={"permissions": ["p" * 40] * count})
        return len(token) <= limit

    low, high = 0, limit // 40  # fits(0); each entry costs over 40 bytes, so `limit // 40` cannot fit
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def check_permissions_budget(pg, count: Any) -> Verdict:
    """10, exercise 3: the most 40-character permissions Grace's token can carry and still be read."""
    budget = permissions_budget(pg)
    if count == budget:
        return verdict("exercise 3", True, why=(
            f"each 40-character entry costs about 57 bytes once JSON-quoted and base64url-encoded (4/3): "
            f"{budget} fit in 8 KiB, and every request carries them. Put what APIs need in the token "
            f"(definePayload), and look the rest up by sub"), hint="")
    direction = "fewer" if isinstance(count, int) and count > budget else "more"
    return verdict("exercise 3", False, why="", hint=(
        f"{direction} fit: mint Grace's token with n entries (pg.controls.mint_token('grace@example.com', "
        f"claims={{'permissions': ['p' * 40] * n}})) and find the largest n that /api/me does not refuse "
        f"as token_too_large"))


__all__ = [
    "check_aud_list", "check_bridge_clock_ahead", "check_cache_as_hs256_token", "check_decoded_cookie",
    "check_double_bearer", "check_kid_log_injection", "check_late_replica", "check_leeway_boundary",
    "check_misspelled_get_session", "check_pair_at_backend", "check_permissions_budget", "check_pyjwkclient_outage",
    "check_raw_token_two_ways", "check_secure_cookie_call", "check_short_cache", "check_signjwt_old_iat",
    "check_two_alg_names", "check_unknown_kid_while_down", "permissions_budget",
]
