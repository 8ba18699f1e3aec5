"""Checks a learner can run for the exercises of lessons 00–04b and 07b (the learner copy has no
solutions, so "compare with the solution" cannot work there).

Each ``check_…`` takes the learner's prediction (or what they observed), works the true answer out
itself, against the running playground where the exercise is about it, and returns
a ``Verdict`` (``playground.lessons.checks``): right, with why, or a hint naming what differs,
never the answer itself.
The checks of lesson 04b are coroutines (``await check_…(...)``): they run an app in-process.
"""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from playground.backend import BackendSettings
from playground.backend.errors import InvalidTokenError
from playground.backend.sessions import sign_session_token, verify_session_cookie
from playground.backend.verify import claim_problems, decode_unverified
from playground.lessons.checks import Verdict, verdict
from playground.lessons.secret_pitfalls import DEFAULT_SECRET, unset_secret_real
from playground.tls import client_tls

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _verdict(exercise: str, predicted: dict[str, Any], observed: dict[str, Any], *, why: str, hint: str) -> Verdict:
    """Right when every prediction matches; else the items that differ (not their answers) and a hint."""
    wrong = [name for name, value in observed.items() if predicted.get(name) != value]
    said = "; ".join(f"{name}: you said {predicted.get(name)!r}, which is not what happens" for name in wrong)
    return verdict(exercise, not wrong, why=why, hint=f"{hint} ({said})")


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _signed_in(pg, email: str, **extra: Any) -> tuple[httpx.Response, str]:
    """A fresh sign-in of ``email`` (a new session): the sign-in answer and that session's JWT."""
    with httpx.Client(base_url=pg.auth_url, headers={"origin": pg.auth_url}, timeout=10.0,
                      verify=client_tls()) as client:
        answer = client.post("/api/auth/sign-in/email", json={"email": email, "password": pg.demo_password, **extra})
        answer.raise_for_status()
        return answer, client.get("/api/auth/token").json()["token"]


def _answered(answer: httpx.Response) -> dict[str, Any]:
    return {"status": answer.status_code, "reason": _reason(answer)}


def _reason(answer: httpx.Response) -> str | None:
    try:
        return answer.json().get("reason")
    except ValueError:
        return None


# --- 00 ------------------------------------------------------------------------------------------


def check_admin_token(pg, *, role: str, same_header: bool) -> Verdict:
    """00 #1: Ada's role at /api/me, and whether her token's header equals Grace's."""
    tokens = {email: _signed_in(pg, email)[1] for email in ("ada@example.com", "grace@example.com")}
    me = pg.api.get("/api/me", headers=_bearer(tokens["ada@example.com"])).json()
    headers = {email: token.split(".")[0] for email, token in tokens.items()}
    return _verdict("00 exercise 1", {"role": role, "same_header": same_header},
                    {"role": me["role"], "same_header": len(set(headers.values())) == 1},
                    why="the role is a claim the backend reads; the header names only the algorithm and the key "
                        "(kid), the same for every user of one issuer",
                    hint="decode both tokens' first segments (lesson 01) and call /api/me with Ada's")


def check_garbage_bearer(pg, *, status: int, error: str | None) -> Verdict:
    """00 #2: `Authorization: Bearer not-a-jwt`: the status and the WWW-Authenticate error code."""
    answer = pg.api.get("/api/me", headers=_bearer("not-a-jwt"))
    challenge = answer.headers.get("www-authenticate", "")
    code = challenge.split('error="', 1)[1].split('"', 1)[0] if 'error="' in challenge else None
    return _verdict("00 exercise 2", {"status": status, "error": error}, {"status": answer.status_code, "error": code},
                    why="a token was sent but cannot be used: 401 with error=\"invalid_token\" (RFC 6750 §3.1); 403 "
                        "means a valid token without the right to this resource",
                    hint="RFC 6750 §3.1 lists invalid_request, invalid_token and insufficient_scope: which describes "
                         "a token that is not a JWT at all?")


# --- 01 ------------------------------------------------------------------------------------------


def check_same_token_twice(pg, *, same: bool) -> Verdict:
    """01 #1: two tokens from /api/auth/token in a row: byte for byte the same?"""
    for _ in range(3):  # on a real clock iat may tick between the two: then ask again
        first, second = (pg.auth.get("/api/auth/token").json()["token"] for _ in range(2))
        if first.split(".")[1] == second.split(".")[1]:
            return _verdict("01 exercise 1", {"same": same}, {"same": first == second},
                            why="Ed25519 is deterministic (RFC 8032 §5.1.6): same key, same bytes, same signature; "
                                "only a new iat changes the token",
                            hint="the claims are identical within one second; does EdDSA draw a random nonce as "
                                 "ECDSA does?")
    raise RuntimeError("the issuer's clock ticked between every pair of tokens; run the check again")


def respell_last_character(compact: str) -> str:
    """The token with its last character replaced by the next one of the base64url alphabet."""
    return compact[:-1] + ALPHABET[ALPHABET.index(compact[-1]) + 1]


def check_respelled_signature(pg, token: str, *, pyjwt_accepts: bool, backend_accepts: bool) -> Verdict:
    """01 #2: the signature's last character re-spelled (same 64 bytes): does PyJWT verify it? the backend?"""
    respelled = respell_last_character(token)
    (key,) = jwt.PyJWKSet.from_dict(pg.auth.get("/api/auth/jwks").json()).keys
    try:
        jwt.decode(respelled, key.key, algorithms=["EdDSA"], options={"verify_exp": False, "verify_aud": False,
                                                                         "verify_iat": False})
        pyjwt = True
    except jwt.PyJWTError:
        pyjwt = False
    backend = pg.api.get("/api/me", headers=_bearer(respelled)).status_code == 200
    return _verdict("01 exercise 2", {"pyjwt_accepts": pyjwt_accepts, "backend_accepts": backend_accepts},
                    {"pyjwt_accepts": pyjwt, "backend_accepts": backend},
                    why="the bytes are the same, but PyJWT 2.15 re-encodes what it decoded and compares it with what "
                        "was sent: a spelling with non-zero unused bits differs, which it reports as 'Invalid crypto "
                        "padding' ('crypto' is its name for the signature segment); the backend refuses it too "
                        "(non_canonical_encoding), so a token has exactly one spelling",
                    hint="the last character carries 2 bits of signature and 4 unused bits: a strict decoder can "
                         "tell the two spellings apart even though the signature bytes are equal")


# --- 02 ------------------------------------------------------------------------------------------


def check_remember_me(pg, *, max_age: bool, extra_cookie: str | None) -> Verdict:
    """02 #1: sign-in with rememberMe false: does the session cookie keep a Max-Age? which extra cookie?"""
    answer, _ = _signed_in(pg, "ada@example.com", rememberMe=False)
    cookies = {c.split("=", 1)[0]: c for c in answer.headers.get_list("set-cookie")}
    session = next(value for name, value in cookies.items() if name.endswith("session_token"))
    extra = sorted(name for name in cookies if not name.endswith(("session_token", "session_data")))
    return _verdict("02 exercise 1", {"max_age": max_age, "extra_cookie": extra_cookie},
                    {"max_age": "max-age" in session.lower(), "extra_cookie": extra[0] if extra else None},
                    why="a browser-session cookie (no Max-Age: gone when the browser closes), and a signed "
                        "dont_remember cookie that tells Better Auth not to extend the session",
                    hint="print the Set-Cookie headers of the sign-in answer")


def tamper_signature(set_auth_token: str) -> str:
    """``set-auth-token`` (``token.signature``) with the first character of its signature changed."""
    session_token, signature = set_auth_token.split(".", 1)
    return f"{session_token}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def check_tampered_bearer(pg, set_auth_token: str, *, session_status: int, session_body: Any,
                          token_status: int) -> Verdict:
    """02 #2: ``set-auth-token`` with a damaged signature, as Bearer with no cookie: what do get-session
    (status and body) and /api/auth/token answer?"""
    damaged = _bearer(tamper_signature(set_auth_token))
    session = httpx.get(f"{pg.auth_url}/api/auth/get-session", headers=damaged, verify=client_tls())
    token = httpx.get(f"{pg.auth_url}/api/auth/token", headers=damaged, verify=client_tls())
    return _verdict("02 exercise 2",
                    {"session_status": session_status, "session_body": session_body, "token_status": token_status},
                    {"session_status": session.status_code, "session_body": session.json(),
                     "token_status": token.status_code},
                    why="the bearer plugin checks the HMAC and, when it does not match, simply does not use the "
                        "header: Better Auth sees a request without a session. get-session says so with 200 and "
                        "null, not with an error, so an app must read its body, not only its status",
                    hint="is a bad signature an error, or just no session? Section 5 shows what both endpoints "
                         "answer a request that has no session")


def check_second_device(pg, *, same_claims: bool, session_claim: str | None) -> Verdict:
    """02 #3: a second session of Grace: the same JWT claims but iat/exp? a claim naming the session?"""
    claims = [decode_unverified(_signed_in(pg, "grace@example.com")[1]).claims for _ in range(2)]
    untimed = [{k: v for k, v in c.items() if k not in ("iat", "exp")} for c in claims]
    named = sorted({"sid", "session", "sessionId", "jti"} & set(claims[0]))
    return _verdict("02 exercise 3", {"same_claims": same_claims, "session_claim": session_claim},
                    {"same_claims": untimed[0] == untimed[1], "session_claim": named[0] if named else None},
                    why="the JWT carries the user object, not the session: an API cannot tell which device a token "
                        "came from, nor learn that one session ended",
                    hint="decode the JWTs of two sessions and compare their claims")


# --- 03 ------------------------------------------------------------------------------------------


def check_token_in_url(pg, token: str, *, status: int, reason: str) -> Verdict:
    """03 #1: the token as ?access_token= instead of the header."""
    answer = pg.api.get("/api/me", params={"access_token": token})
    return _verdict("03 exercise 1", {"status": status, "reason": reason}, _answered(answer),
                    why="refused on purpose (RFC 6750 §5.3): URLs end up in logs, browser history and Referer headers",
                    hint="send it and read the JSON body's reason")


def check_trailing_slash_iss(pg, *, accepted: bool, reason: str | None) -> Verdict:
    """03 #2: a token whose iss is the auth server's URL with a trailing slash."""
    token = pg.controls.mint_token("grace@example.com", claims={"iss": pg.auth_url + "/"})
    answer = pg.api.get("/api/me", headers=_bearer(token))
    return _verdict("03 exercise 2", {"accepted": accepted, "reason": reason},
                    {"accepted": answer.status_code == 200, "reason": _reason(answer)},
                    why="iss is compared exactly: 'http://host:port/' is another issuer than 'http://host:port'",
                    hint="which check compares iss, and does it normalise URLs?")


def check_leeway_expired(*, leeway_30_accepts: bool, backend_reason: str | None, now: float = 1_767_258_000) -> Verdict:
    """03 #3: a token expired 10 s ago: accepted with leeway 30? and by the backend (leeway 0)?"""
    claims = {"iat": int(now) - 910, "exp": int(now) - 10, "iss": "i", "aud": "a", "sub": "u"}
    lenient = claim_problems(claims, issuer="i", audience="a", now=now, leeway=30)
    strict = claim_problems(claims, issuer="i", audience="a", now=now,
                            leeway=BackendSettings.model_fields["leeway_seconds"].default)  # the backend's
    return _verdict("03 exercise 3", {"leeway_30_accepts": leeway_30_accepts, "backend_reason": backend_reason},
                    {"leeway_30_accepts": not lenient, "backend_reason": str(strict[0].reason) if strict else None},
                    why="leeway widens exp (and iat, nbf) by that many seconds: 10 s late is inside 30 s",
                    hint="exp is checked as now >= exp + leeway")


# --- 04 ------------------------------------------------------------------------------------------


def check_admin_reads_other(pg, ada_jwt: str, grace_id: str, *, status: int, reason: str) -> Verdict:
    """04 #1: an admin asks for another user's profile."""
    answer = pg.api.get(f"/api/users/{grace_id}/profile", headers=_bearer(ada_jwt))
    return _verdict("04 exercise 1", {"status": status, "reason": reason}, _answered(answer),
                    why="require_user_match checks ownership only: an admin override would be a rule of its own",
                    hint="which dependency guards /api/users/{user_id}/profile, and does it look at roles?")


def check_sub_over_id(pg, ada_id: str, grace_id: str, *, ada_profile: int, grace_profile: int,
                      email: str | None) -> Verdict:
    """04 #2: Grace's token with Ada's id as ``sub``: both profiles' statuses, and the email /api/me shows."""
    mixed = _bearer(pg.controls.mint_token("grace@example.com", claims={"sub": ada_id}))
    observed = {"ada_profile": pg.api.get(f"/api/users/{ada_id}/profile", headers=mixed).status_code,
                "grace_profile": pg.api.get(f"/api/users/{grace_id}/profile", headers=mixed).status_code,
                "email": pg.api.get("/api/me", headers=mixed).json().get("email")}
    return _verdict("04 exercise 2", {"ada_profile": ada_profile, "grace_profile": grace_profile, "email": email},
                    observed,
                    why="identity is sub alone: User.id is the token's sub, every other claim is profile data. So "
                        "this token owns Ada's profile and not Grace's, while /api/me shows the email claim, "
                        "Grace's. With a getSubject in Better Auth's config, sub is whatever it returns: know it "
                        "before you look users up by sub",
                    hint="which claim becomes User.id (section 1), and where do the other fields of User come from?")


def check_role_strings(pg, predicted: dict[str, int]) -> Verdict:
    """04 #3: the status of /api/admin/stats for each role string of ``predicted``."""
    observed = {role: pg.api.get("/api/admin/stats", headers=_bearer(
        pg.controls.mint_token("grace@example.com", claims={"role": role}))).status_code for role in predicted}
    return _verdict("04 exercise 3", predicted, observed,
                    why="the role string is split on ',' and each piece compared as it is: an empty piece is no "
                        "role, one piece that is exactly 'admin' is enough, and 'superadmin' is another role "
                        "(a substring test, 'admin' in role, would have let it in)",
                    hint="write out role.split(',') for each string, then look for 'admin' among the pieces")


# --- 04b (coroutines: they run the notes app in-process) -----------------------------------------


async def _notes_status(issuer, token: str | None, *, method: str = "GET", user=None,
                        **settings: Any) -> tuple[int, str | None]:
    from playground.backend import BackendSettings, get_current_user
    from playground.lessons.testing import in_process_client
    from playground.lessons.testing_example.notes_app import create_notes_app

    app = create_notes_app(BackendSettings(better_auth_url=issuer.url, **settings))
    if user is not None:
        app.dependency_overrides[get_current_user] = lambda: user
    async with in_process_client(app) as client:
        answer = await client.request(method, "/api/notes", headers=_bearer(token) if token else {})
    return answer.status_code, _reason(answer)


async def check_algorithm_setting(issuer, *, good_reason: str | None, expired_reason: str | None) -> Verdict:
    """04b #1: the notes app with ``algorithms=["ES256"]``: the reasons for a good and an expired stand-in token."""
    got = {"good_reason": (await _notes_status(issuer, issuer.mint("ada"), algorithms=["ES256"]))[1],
           "expired_reason": (await _notes_status(issuer, issuer.mint("ada", lifetime=-1), algorithms=["ES256"]))[1]}
    return _verdict("04b exercise 1", {"good_reason": good_reason, "expired_reason": expired_reason}, got,
                    why="the header is checked before the key, the signature and the claims: every EdDSA token now "
                        "fails with unsupported_algorithm, the expired one too. So the accept tests fail, and so does "
                        "a refusal test that asserts its reason ('expired'); one that asserts only the 401 stays green",
                    hint="in which order does TokenVerifier.verify check the header, the key, the signature and the "
                         "claims (lesson 03 §2)?")


async def check_admin_override(issuer, *, role: str, purge_status: int) -> Verdict:
    """04b #2: override get_current_user with a User of ``role``: what does DELETE /api/notes answer?"""
    from playground.backend import User

    got = await _notes_status(issuer, None, method="DELETE", user=User(id="ada", role=role))
    if role != "admin":
        return verdict("04b exercise 2", False, why="", hint=f"with role {role!r} the purge answers {got[0]}: "
                       "require_role('admin') reads user.roles")
    return _verdict("04b exercise 2", {"purge_status": purge_status}, {"purge_status": got[0]},
                    why="the override feeds require_role too: an admin User purges (no token needed at all)",
                    hint="send the DELETE with the override in place and read the status")


async def check_foreign_key_same_kid(issuer, *, status: int, reason: str) -> Verdict:
    """04b #3: signed by another key that carries the issuer's own kid."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from playground.lessons.testing import TestKeyPair

    impostor = TestKeyPair(Ed25519PrivateKey.generate(), issuer.key.kid)
    got = await _notes_status(issuer, issuer.mint("ada", signed_with=impostor))
    return _verdict("04b exercise 3", {"status": status, "reason": reason}, {"status": got[0], "reason": got[1]},
                    why="the kid is known, so the key is found; the signature is then checked with it and fails",
                    hint="unknown_kid means no key had that kid: here one has")


# --- 07b -----------------------------------------------------------------------------------------


def check_secret_holder(strict_url: str, raw_token: str, secret: str, *, status: int) -> Verdict:
    """07b #1: on a requireSignature server, /api/auth/token for someone holding a raw session token
    and BETTER_AUTH_SECRET, who signs the token themselves."""
    answer = httpx.get(f"{strict_url}/api/auth/token", headers=_bearer(sign_session_token(raw_token, secret)),
                       verify=client_tls())
    return _verdict("07b exercise 1", {"status": status}, {"status": answer.status_code},
                    why="requireSignature asks for token.HMAC(secret, token), which whoever holds the secret "
                        "computes: a database dump plus the secret is still a session and JWTs. It protects "
                        "against a leaked token, not a leaked secret",
                    hint="sign the raw token with sign_session_token(raw, secret) and send it as Bearer to "
                         "/api/auth/token")


def check_test_switch(demo_password: str, *, refuses: bool) -> Verdict:
    """07b #2: the real Better Auth with no secret, ``NODE_ENV=production`` and ``TEST=true`` (left
    over from a CI image): does it still refuse to run on its public default secret?"""
    outcome = unset_secret_real("production", demo_password=demo_password, test="true")
    try:
        default_signed = bool(verify_session_cookie(outcome.get("cookie", "").partition("=")[2], DEFAULT_SECRET))
    except InvalidTokenError:
        default_signed = False
    return _verdict("07b exercise 2", {"refuses": refuses}, {"refuses": "error" in outcome and not default_signed},
                    why="Better Auth's secret check returns at once when isTest() is true (NODE_ENV=test or a "
                        "truthy TEST), production included: it signs with its public default secret. Never ship "
                        "TEST in a production environment, and make your own start-up refuse a missing secret",
                    hint="run unset_secret_real('production', demo_password=..., test='true') and look for "
                         "'error' or a cookie (verify it with DEFAULT_SECRET)")


__all__ = [name for name in dir() if name.startswith("check_")] + ["respell_last_character", "tamper_signature"]
