"""Checks for the exercises of lessons 03c, 05b, 06, 07, 07c and 08 (05, 05a, 09 and 11 keep
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


def check_bridge_other_audience(status: int) -> Verdict:
    """03c, exercise 2: the bridge's answer to a genuinely signed token for another audience."""
    return verdict("exercise 2", status == 401,
                   why="a good signature is not enough: aud must name this API, and a token that does not "
                       "authenticate is a 401 (403 is for a known caller who may not)",
                   hint="send it to bridge_app's /api/me through httpx.ASGITransport and read the status")


# ---- 05b · deployment topology ----


def check_secure_cookie_call(token_status: int, iss: str, api_status: int) -> Verdict:
    """05b, exercise 1: ``/api/auth/token`` with the ``__Secure-`` cookie, the token's ``iss``, and
    the playground API's answer to that token."""
    if token_status != 200:
        return verdict("exercise 1", False, why="", hint="send the cookie under its own name, "
                       "__Secure-better-auth.session_token: Better Auth reads the prefixed name first")
    return verdict("exercise 1", iss == "https://auth.example.com" and api_status == 401,
                   why="Better Auth gives the token, with its own base URL as iss; an API configured for "
                       "another issuer refuses it (its keys and iss are not the playground's)",
                   hint="decode the token (decode_unverified) for iss, and look at call.api_response")


def check_decoded_cookie(email: Any) -> Verdict:
    """05b, exercise 2: what get-session answers for a cookie whose ``%3D`` arrived decoded as ``=``."""
    return verdict("exercise 2", email == "ada@example.com",
                   why="Better Auth decodes the cookie value once itself: a value already decoded has no "
                       "escapes left, so it reads the same token and signature",
                   hint="send the decoded value as the cookie to get-session and read ['user']['email']")


# ---- 06 · token lifecycle ----


def check_exp_boundary(one_second_before: Any, at_exp_reason: str) -> Verdict:
    """06, exercise 1: the verifier's answer one second before ``exp`` (the user's email) and at ``exp``."""
    return verdict("exercise 1", one_second_before == "ada@example.com" and at_exp_reason == "expired",
                   why="exp is exclusive: valid while now < exp, refused from exp on (leeway 0)",
                   hint="move the playground with pg.advance(exp - 1 - pg.api_clock.now()), verify, then "
                        "pg.advance(1) and read the InvalidTokenError's reason")


def check_cooldown_zero(found_kid: str, new_kid: str) -> Verdict:
    """06, exercise 2: the kid PyJWKClient(cooldown_duration=0) returns right after a rotation."""
    return verdict("exercise 2", found_kid == new_kid,
                   why="without a cooldown every unknown kid refetches at once - and so does every forged "
                       "kid in a flood: one synchronous JWKS request each",
                   hint="fetch once, rotate (pg.controls.rotate_keys()), then get_signing_key(new_kid).key_id")


def check_leeway_two_minutes(status: int, reason: str | None) -> Verdict:
    """06, exercise 3: a 60 s-leeway backend and a token that expired 2 minutes ago."""
    return verdict("exercise 3", (status, reason) == (401, "expired"),
                   why="leeway absorbs clock skew of seconds; 120 s past exp is beyond 60 s of leeway",
                   hint="shift the backend's clock (pg.api_clock.shift) to exp + 120, call /api/me, and "
                        "shift it back")


# ---- 07 · other credentials ----


def check_tampered_cookie(reason: str) -> Verdict:
    """07, exercise 1: ``verify_session_cookie`` on a cookie whose token part changed."""
    return verdict("exercise 1", reason == "bad_signature",
                   why="the HMAC covers the token: change one character and the signature no longer matches",
                   hint="keep the signature, change one character of the 32-character token, and catch "
                        "InvalidTokenError")


def check_no_negative_cache(calls: int) -> Verdict:
    """07, exercise 2: get-session calls after validating a signed-out credential twice."""
    return verdict("exercise 2", calls == 2,
                   why="only successes are cached: each failure asks Better Auth again, so a session that "
                       "comes back (or a retry) is seen at once",
                   hint="a new SessionValidator with a frozen monotonic clock; validate twice, catching "
                        "InvalidTokenError each time; read .calls")


def check_compact_members(members: list[str]) -> Verdict:
    """07, exercise 3: the members of the ``compact`` cookie cache's outer JSON object."""
    return verdict("exercise 3", sorted(members) == ["expiresAt", "session", "signature"],
                   why="session and expiresAt, and an HMAC over both with the secret: an edited role breaks it",
                   hint="base64url-decode caches['compact'] (add the '=' padding back) and json.loads it")


# ---- 07c · revocation and replay ----


def check_short_cache(session_at_1_30: Any) -> Verdict:
    """07c, exercise 1: get-session for the stolen pair at 1:30 with ``maxAge: 60``."""
    return verdict("exercise 1", session_at_1_30 is None,
                   why="the cache cookie expired at 1:00 (60 s after sign-in), so get-session reads the "
                       "session row, which sign-out deleted",
                   hint="the cache's maxAge counts from when it was set (sign-in), not from sign-out")


def check_forwarded_cookies(pair_gets_session: bool, token_only_gets_session: bool) -> Verdict:
    """07c, exercise 2: after sign-out, does get-session find a session for both cookies, and for
    the session token alone?"""
    return verdict("exercise 2", (pair_gets_session, token_only_gets_session) == (True, False),
                   why="with session_data present, get-session believes the cache until maxAge; forward the "
                       "session token alone (or ?disableCookieCache=true) to see sign-out at once",
                   hint="ask get-session twice with Ada's signed-out cookies: once with both, once with "
                        "better-auth.session_token only")


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


__all__ = [
    "check_aud_list", "check_bridge_other_audience", "check_compact_members", "check_cooldown_zero",
    "check_decoded_cookie", "check_double_bearer", "check_exp_boundary", "check_forwarded_cookies",
    "check_late_replica", "check_leeway_two_minutes", "check_no_negative_cache", "check_secure_cookie_call",
    "check_short_cache", "check_tampered_cookie", "check_two_alg_names",
]
