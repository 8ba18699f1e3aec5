"""Why an app refused a valid token: probes that name the actual cause, for the setup problem.

Each probe is a token (or a credential) that differs from the refused one in exactly one thing;
the first the app accepts names the cause. When none is accepted, what the refusal said, and how
HS256 tokens were answered, still tell an app that verifies with a shared secret. The advice
never repeats what the user already did (``--env BETTER_AUTH_URL={issuer}`` given twice).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable

from playground.jose import forge, hs256, split

from .case import NO_ANSWER, is_accepted
from .cases import COMMITTED_SECRETS
from .config import CheckConfig
from .context import Context, Exchange

#: Words in a refusal that say the app expected an HMAC algorithm (PyJWT's InvalidAlgorithmError,
#: python-jose's and joserfc's wording).
HMAC_REFUSAL = re.compile(r"alg(orithm)? (value )?is not allowed|InvalidAlgorithm|HS256|not supported alg", re.I)
#: What a start-up or request failure says when a database or another service is not there.
SERVICE_DOWN = re.compile(r"OperationalError|could not connect|Connection refused|no such table|database|"
                          r"ECONNREFUSED|Name or service not known|redis", re.I)
HS256_IS_WRONG = ("Better Auth's jwt plugin signs EdDSA with the keys at /api/auth/jwks, never with a shared "
                  "secret: verify with those (jwt.PyJWKClient, algorithms=['EdDSA']; see lesson 03)")


def why_refused(ctx: Context, config: CheckConfig, refused: Exchange) -> str:
    """One sentence naming why ``refused`` (a 401/403 to a valid token) happened, and what to do."""
    got = refused.got
    for probe in (_email_not_verified, _hs256_with_the_secret, _hs256_with_a_committed_secret, _other_host_spelling,
                  _no_audience, _session_cookie, _session_token_as_bearer):
        cause = probe(ctx, config, got)
        if cause is not None:
            return cause
    hmac = _hs256_answered_differently(ctx, config, refused)
    if hmac is not None:
        return hmac
    return not_configured(ctx, config, got)


def _valid(ctx: Context) -> str:
    """The credential the baseline sent, in words: what the app rejected."""
    return {"cookie": "valid session cookies", "bearer-session": "a valid session token (as Bearer)"}.get(
        ctx.credential, "a valid token")


def _send(ctx: Context, config: CheckConfig, describe: str, token: str | None = None,
          headers: dict[str, str] | None = None) -> Exchange:
    # ctx.protected: the parsed route (its method apart, its parameters filled), never --protected as typed.
    return ctx.send(ctx.protected, token=token, headers=headers, describe=describe)


def _email_not_verified(ctx: Context, config: CheckConfig, got: str) -> str | None:
    # A sound policy, not a hole: the checker's users are fresh sign-ups, and Better Auth puts the user's
    # emailVerified (false until they verify) in the token. Tell it apart before guessing at HS256.
    if config.credential != "jwt" or split(ctx.ada.access_token)[1].get("emailVerified") is not False:
        return None
    verified = ctx.mint(claims={"emailVerified": True})
    if not is_accepted(_send(ctx, config, "ada's token with emailVerified true", verified)):
        return None
    return (f"your app rejected {_valid(ctx)} ({got}) but accepted the same token with emailVerified true: it refuses "
            "users whose email is not verified. That is a sound policy, but the checker's users are fresh sign-ups "
            "(emailVerified false), so it cannot grade this app: grade a build that lets unverified users through "
            "(a setting your tests turn on), and keep a test of its own for the verified-email rule.")


def _hs256_with_the_secret(ctx: Context, config: CheckConfig, got: str) -> str | None:
    # The tutorial error: HS256 with BETTER_AUTH_SECRET, with or without iss/aud checks.
    for drop in ((), ("iss", "aud")):
        if is_accepted(_send(ctx, config, "an HS256 token signed with BETTER_AUTH_SECRET",
                             ctx.mint(algorithm="HS256", drop=drop))):
            return (f"your app rejected {_valid(ctx)} ({got}) but accepted an HS256 token signed with "
                    "BETTER_AUTH_SECRET: it verifies HS256 with a shared secret (the tutorial way), but Better Auth's "
                    "jwt plugin signs with the EdDSA keys at /api/auth/jwks. Verify with those (see lesson 03).")
    return None


def _hs256_with_a_committed_secret(ctx: Context, config: CheckConfig, got: str) -> str | None:
    claims = ctx.claims()
    bare = {name: value for name, value in claims.items() if name not in ("iss", "aud")}
    for secret in COMMITTED_SECRETS:
        for payload in (claims, bare):
            token = forge({"alg": "HS256", "typ": "JWT"}, payload, hs256(secret.encode()))
            if is_accepted(_send(ctx, config, f"an HS256 token signed with the committed secret {secret!r}", token)):
                return (f"your app rejected {_valid(ctx)} ({got}): it verifies HS256 with a shared secret, and it "
                        f"accepted a token signed with {secret!r}, a placeholder that public repositories commit "
                        f"(so anyone can sign tokens your app trusts; the checker did not give it a secret). "
                        f"{HS256_IS_WRONG}.")
    return None


def _hs256_answered_differently(ctx: Context, config: CheckConfig, refused: Exchange) -> str | None:
    """No secret worked, but the app answers HS256 tokens unlike EdDSA ones (or said so): it verifies HS*."""
    probe = _send(ctx, config, "an HS256 token signed with a secret your app does not hold",
                  forge({"alg": "HS256", "typ": "JWT"}, ctx.claims(), hs256(b"not-your-apps-secret")))
    said = HMAC_REFUSAL.search(f"{refused.reason or ''} {refused.body}")
    differs = probe.status != refused.status or (probe.status != NO_ANSWER and probe.body != refused.body)
    if not said and not differs:
        return None
    evidence = (f"it refused Better Auth's EdDSA token with {refused.got!r}" if said else
                f"it answered an HS256 token {probe.got!r} and Better Auth's EdDSA token {refused.got!r}")
    secret_given = any("{secret}" in value for value in config.env.values())
    secret = ("" if secret_given else " It was not given a secret by the checker (no --env ...={secret}), so it "
              "runs with its own default, or none.")
    return f"your app verifies HS256 with a shared secret ({evidence}).{secret} {HS256_IS_WRONG}."


def _other_host_spelling(ctx: Context, config: CheckConfig, got: str) -> str | None:
    origin = urllib.parse.urlsplit(ctx.issuer.origin)
    other_host = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(origin.hostname or "")
    if other_host is None:
        return None
    other = origin._replace(netloc=f"{other_host}:{origin.port}").geturl()
    token = ctx.mint(claims={"iss": other, "aud": other})
    if not is_accepted(_send(ctx, config, f"ada's token with iss and aud {other}", token)):
        return None
    option = "--issuer-host localhost" if other_host == "localhost" else "--issuer-host 127.0.0.1"
    return (f"your app rejected {_valid(ctx)} ({got}) but accepted the same token with iss and aud {other}: it "
            f"expects the issuer spelled {other_host!r}, and the checker's issuer is {ctx.issuer.origin}. Give "
            f"{option}, or configure the app with BETTER_AUTH_URL={{issuer}} exactly.")


def _no_audience(ctx: Context, config: CheckConfig, got: str) -> str | None:
    if not is_accepted(_send(ctx, config, "ada's token without aud", ctx.mint(drop=("aud",)))):
        return None
    return (f"your app rejected {_valid(ctx)} ({got}) but accepted the same token without aud: it calls jwt.decode "
            "without audience=, and PyJWT then refuses every token that carries an aud (InvalidAudienceError: "
            "'Invalid audience'); Better Auth's always do. Pass audience= (BETTER_AUTH_URL's origin, or your jwt "
            "plugin's jwt.audience) and keep 'aud' in options={'require': [...]}.")


def _session_cookie(ctx: Context, config: CheckConfig, got: str) -> str | None:
    cookies = "; ".join(f"{name}={value}" for name, value in getattr(ctx.ada, "cookies", {}).items())
    if not cookies or config.credential == "cookie":
        return None
    if not is_accepted(_send(ctx, config, "ada's session cookies, no Authorization", headers={"cookie": cookies})):
        return None
    return (f"your app rejected {_valid(ctx)} ({got}) but accepted Better Auth's session cookies: it authenticates "
            "with the cookie. Run the check with --credential cookie.")


def _session_token_as_bearer(ctx: Context, config: CheckConfig, got: str) -> str | None:
    token = ctx.ada.signed_session_token or ctx.ada.session_token
    if config.credential == "bearer-session" or not is_accepted(
            _send(ctx, config, "ada's session token as Bearer", token)):
        return None
    return (f"your app rejected {_valid(ctx)} ({got}) but accepted Better Auth's session token as a Bearer: it "
            "authenticates with the bearer plugin's session token. Run the check with --credential bearer-session.")


def not_configured(ctx: Context, config: CheckConfig, got: str) -> str:
    given = [name for name, value in config.env.items() if "{issuer}" in value or "{jwks}" in value]
    if config.api_url is not None:
        return (f"your app rejected {_valid(ctx)} ({got}): a running server must be started with "
                f"BETTER_AUTH_URL={ctx.issuer.origin} (the issuer at --auth-port); if it was running during an "
                "earlier check, restart it: it may hold that run's keys.")
    if given:
        names = ", ".join(f"{name}={config.env[name]}" for name in given)
        own_claims = "" if config.jwt_issuer or config.jwt_audience else \
            ", expect its own iss or aud (--jwt-issuer, --jwt-audience)"
        return (f"your app rejected {_valid(ctx)} ({got}) although it was given {names} ({{issuer}} = "
                f"{ctx.issuer.origin}, {{jwks}} = {ctx.issuer.jwks_url}): does it read its issuer from another "
                f"setting (a .env file that wins, another variable name){own_claims}, or verify with another "
                "algorithm? Its log may say (--app-log).")
    return (f"your app rejected {_valid(ctx)} ({got}): is it configured with BETTER_AUTH_URL={ctx.issuer.origin}? "
            f"Pass --env BETTER_AUTH_URL={{issuer}} (placeholders: {{issuer}} = {ctx.issuer.origin}, {{jwks}} = "
            f"{ctx.issuer.jwks_url}, {{secret}}).")


def service_hint(errors: list[str], log_tail: Callable[[], list[str]] | None = None) -> str:
    """A hint when the app's errors (or its log's last lines) say a database or service is missing."""
    lines = [*errors, *(log_tail() if log_tail else [])]
    line = next((line for line in lines if SERVICE_DOWN.search(line)), None)
    if line is None:
        return ""
    return (f" A service it needs looks down ({line.strip()[:160]}): start it before the check (in CI, as a "
            "service container; README: Check your own backend).")
