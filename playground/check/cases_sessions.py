"""Cases for apps that authenticate with a Better Auth session instead of its JWT.

``--credential cookie``: the app reads the cookies Better Auth sets at sign-in, the signed
``better-auth.session_token`` (checked by calling ``get-session``, or by its HMAC) and perhaps the
``better-auth.session_data`` cookie cache (``--cookie-cache compact|jwt|jwe``, the strategy the
app's Better Auth uses). ``--credential bearer-session``: the bearer plugin's signed session token
as ``Authorization: Bearer``. What Better Auth itself refuses, the app must refuse too: a token
whose signature is not the secret's, a session that was signed out, a cookie cache someone
changed without the secret, or one whose lifetime is over.
"""

from __future__ import annotations

import secrets
import urllib.parse

from .case import Outcome, all_rejected, not_applicable
from .cases import case
from .context import Context
from .credentials import SESSION_DATA, SESSION_TOKEN, expired_session_data, forged_session_data, wrong_signature

SESSIONS = ("cookie", "bearer-session")


def _session_token(ctx: Context, value: str, describe: str):
    """``value`` sent as this run's session credential: the session cookie, or a Bearer token."""
    if ctx.credential == "cookie":
        return ctx.send(ctx.protected, headers={"cookie": f"{SESSION_TOKEN}={value}"}, describe=describe)
    return ctx.send(ctx.protected, headers={"authorization": f"Bearer {urllib.parse.unquote(value)}"},
                    describe=describe)


@case("session-token-forged-signature", group="sessions", weight="required", credentials=SESSIONS,
      title="a session token whose signature was not made with BETTER_AUTH_SECRET is refused",
      expect="401: Better Auth's get-session answers null for a signed cookie whose HMAC does not match",
      fix="send the signed value to get-session as it came (never strip the signature), or check its HMAC "
          "with BETTER_AUTH_SECRET first")
def session_token_forged_signature(ctx: Context) -> Outcome:
    return all_rejected([_session_token(ctx, wrong_signature(ctx.ada.session_token),
                                        "ada's session token with a signature made with another secret")])


@case("signed-out-session", group="sessions", weight="required", credentials=SESSIONS,
      title="the session token of a session that was signed out is refused",
      expect="401: get-session knows the session is gone",
      fix="validate the session with Better Auth's get-session (a short success-only cache at most); an HMAC "
          "check alone says the token was issued once, not that the session still exists")
def signed_out_session(ctx: Context) -> Outcome:
    gone = ctx.signed_out_session()
    value = gone.cookies.get(SESSION_TOKEN) or urllib.parse.quote(gone.signed_session_token or "", safe="")
    return all_rejected([_session_token(ctx, value, "the signed session token of a session ada signed out of")])


def _cache_cookies(ctx: Context, data: str, describe: str):
    """``data`` as the session_data cookie, alone, then beside a session token signed by no one."""
    junk = wrong_signature(secrets.token_urlsafe(24))
    return [ctx.send(ctx.protected, headers={"cookie": f"{SESSION_DATA}={data}"}, describe=f"{describe}, alone"),
            ctx.send(ctx.protected, headers={"cookie": f"{SESSION_TOKEN}={junk}; {SESSION_DATA}={data}"},
                     describe=f"{describe}, with a session token of a forged signature")]


@case("session-data-forged", group="sessions", weight="required", credentials=("cookie",),
      title="a session_data cookie cache changed by someone without the secret is refused",
      expect="401: the cookie cache's signature (compact, jwt) or encryption (jwe) is checked with BETTER_AUTH_SECRET",
      fix="verify session_data with the secret in the strategy your Better Auth uses (or ask get-session); never "
          "decode it unverified")
def session_data_forged(ctx: Context) -> Outcome:
    value = ctx.ada.cookies.get(SESSION_DATA)
    if not value:
        return not_applicable("the issuer set no better-auth.session_data cookie")
    strategy = ctx.cookie_cache
    forged = forged_session_data(value, strategy, ctx.grace.id)
    return all_rejected(_cache_cookies(ctx, forged, f"ada's {strategy} session_data rewritten to grace, role admin"))


@case("session-data-expired", group="sessions", weight="required", credentials=("cookie",),
      title="a session_data cookie cache whose lifetime is over is refused, even signed with the secret",
      expect="401: the cache's exp (jwt, jwe) or expiresAt (compact) has passed",
      fix="check the cookie cache's expiry (PyJWT checks exp by default: never verify_exp=False)")
def session_data_expired(ctx: Context) -> Outcome:
    value = ctx.ada.cookies.get(SESSION_DATA)
    if not value:
        return not_applicable("the issuer set no better-auth.session_data cookie")
    strategy = ctx.cookie_cache
    expired = expired_session_data(value, strategy, ctx.issuer.secret)
    return all_rejected(_cache_cookies(ctx, expired, f"ada's {strategy} session_data, signed, expired an hour ago"))
