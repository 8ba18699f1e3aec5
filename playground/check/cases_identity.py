"""Identity comes from a verified credential and nowhere else.

Apps take the user from places an attacker writes: a header a gateway is "supposed" to set (and
strips? nobody checked), a query parameter left over from debugging, a Better Auth cookie decoded
without its signature. Each case sends grace's id in one such place, with no token and then with
ada's real token, and fails when the app serves grace's identity (or serves at all without a
token). The owner route, when given, is tried too: grace's resource must stay grace's.
"""

from __future__ import annotations

import urllib.parse

import httpx

from playground.jose import forge, split, tamper

from .case import Outcome, is_accepted, not_applicable
from .cases import case
from .context import CREDENTIALS, Context, Exchange, Identity

#: Headers that identity-aware proxies set (oauth2-proxy, Pomerium, Cloudflare Access, IAP,
#: Azure App Service, Apache/nginx REMOTE_USER): trusted only behind a proxy that strips them.
GATEWAY_HEADERS = {
    "x-user-id": "id", "x-user": "id", "x-forwarded-user": "id", "x-auth-request-user": "id",
    "x-remote-user": "id", "remote-user": "id", "x-authenticated-userid": "id",
    "x-forwarded-email": "email", "x-auth-request-email": "email", "x-user-email": "email",
    "cf-access-authenticated-user-email": "email", "x-goog-authenticated-user-email": "email",
    "x-ms-client-principal-name": "email",
    # "View as" / impersonation headers of support tools: honoured only after an admin check, if ever.
    "x-act-as-user": "id", "x-impersonate-user": "id", "x-impersonate": "id", "x-on-behalf-of": "id",
    "x-view-as": "id", "x-switch-user": "id",
}
#: Query parameters that name a user.
QUERY_PARAMETERS = {"user_id": "id", "userId": "id", "uid": "id", "sub": "id", "as_user": "id", "email": "email"}


def _speaks_as(exchange: Exchange, user: Identity) -> bool:
    """A 2xx whose body names ``user`` (its id or email)."""
    body = getattr(exchange, "full_body", exchange.body)
    return is_accepted(exchange) and (user.id in body or user.email in body)


def _probe(ctx: Context, place: str, variants: dict[str, dict[str, object]]) -> Outcome:
    """For each variant (label -> request options carrying grace's identity): no token must not be
    served; ada's token must not be served as grace; grace's resource must not be served to ada.
    Each comparison is with the same request without grace's identity: an app that serves anyone
    anyway fails no-token or other-users-profile, not this case."""
    exchanges: list[Exchange] = [ctx.send(ctx.protected, describe="no token, nothing else")]
    anonymous_served = is_accepted(exchanges[0])
    ada = ctx.credential_label(ctx.ada)
    if ctx.owner is not None:
        exchanges.append(ctx.send(ctx.owner_path(ctx.grace.id), as_user=ctx.ada,
                                  describe=f"{ada} on grace's path, nothing else"))
    others_served = ctx.owner is None or is_accepted(exchanges[-1])

    def verdict(exchange: Exchange, why: str) -> Outcome:
        return Outcome(False, exchanges, f"{why}: the app took the user from {place}", culprit=exchange)

    for label, options in variants.items():
        if not anonymous_served:
            anonymous = ctx.send(options.get("path", ctx.protected), headers=options.get("headers"),
                                 describe=f"no token, {label}")
            exchanges.append(anonymous)
            if is_accepted(anonymous):
                return verdict(anonymous, f"served {anonymous.path} without a token, given {label}")
        as_ada = ctx.send(options.get("path", ctx.protected), as_user=ctx.ada,
                          headers=options.get("headers"), describe=f"{ada}, {label}")
        exchanges.append(as_ada)
        if _speaks_as(as_ada, ctx.grace):
            return verdict(as_ada, f"answered {ada} as grace, given {label}")
        if not others_served:
            path = ctx.owner_path(ctx.grace.id)
            query = options.get("query")
            on_grace = ctx.send(f"{path}?{query}" if query else path, as_user=ctx.ada,
                                headers=options.get("headers"), describe=f"{ada} on grace's path, {label}")
            exchanges.append(on_grace)
            if is_accepted(on_grace):
                return verdict(on_grace, f"served grace's resource to ada, given {label}")
    return Outcome(True, exchanges)


@case("identity-from-gateway-headers", group="identity", weight="required", credentials=CREDENTIALS,
      title="identity headers a gateway would set (X-User-Id, X-Forwarded-User, X-Auth-Request-Email, …) are ignored",
      expect="401 without a token whatever the headers; with ada's token, ada (never the header's user)",
      fix="take the user only from the verified token's sub; if a gateway authenticates, verify its signed "
          "assertion (e.g. Cloudflare's Cf-Access-Jwt-Assertion), never a plain header anyone can send")
def identity_from_gateway_headers(ctx: Context) -> Outcome:
    return _probe(ctx, "a request header", {
        f"{name}: grace's {kind}": {"headers": {name: getattr(ctx.grace, kind)}}
        for name, kind in GATEWAY_HEADERS.items()})


@case("identity-from-query", group="identity", weight="required", credentials=CREDENTIALS,
      title="a user named in the query string (?user_id=, ?sub=, ?email=, …) is ignored",
      expect="401 without a token; with ada's token, ada's data only",
      fix="never read the acting user from the URL; the token's sub is the user")
def identity_from_query(ctx: Context) -> Outcome:
    variants = {}
    for name, kind in QUERY_PARAMETERS.items():
        query = str(httpx.QueryParams({name: getattr(ctx.grace, kind)}))
        variants[f"?{name}=grace's {kind}"] = {"path": f"{ctx.protected}?{query}", "query": query}
    return _probe(ctx, "the query string", variants)


def _cookie_variants(ctx: Context) -> dict[str, dict[str, object]]:
    grace = ctx.grace
    variants: dict[str, dict[str, object]] = {}
    cache = ctx.ada.cookie_cache_jwt
    if cache:
        claims = split(cache)[1]
        user = {**claims.get("user", {}), "id": grace.id, "email": grace.email}
        session = {**claims.get("session", {}), "userId": grace.id}
        forged = {
            "ada's session_data edited to grace (signature kept)": tamper(cache, user=user, session=session,
                                                                          sub=grace.id),
            "an unsigned session_data for grace (alg none)": forge({"alg": "none", "typ": "JWT"},
                                                                     {**claims, "user": user, "session": session}),
        }
        for prefix in ("", "__Secure-"):
            for label, value in forged.items():
                variants[f"cookie {prefix}better-auth.session_data = {label}"] = {
                    "headers": {"cookie": f"{prefix}better-auth.session_data={value}"}}
    token = f"{grace.id}.{'A' * 43}="
    variants["cookie better-auth.session_token = grace's id with a made-up signature"] = {
        "headers": {"cookie": f"better-auth.session_token={urllib.parse.quote(token, safe='')}"}}
    return variants


@case("identity-from-unverified-cookies", group="identity", weight="required",
      title="Better Auth cookies whose signature is not the secret's (an edited session_data, a made-up "
            "session_token) are ignored",
      expect="401 without a token; with ada's token, ada",
      fix="never decode better-auth.session_data without verifying it (HS256 with BETTER_AUTH_SECRET) or "
          "trust a session_token without its HMAC and get-session; in a token API, ignore the cookies")
def identity_from_unverified_cookies(ctx: Context) -> Outcome:
    variants = _cookie_variants(ctx)
    if not variants:
        return not_applicable("the issuer set no cookies to forge")
    return _probe(ctx, "an unverified Better Auth cookie", variants)
