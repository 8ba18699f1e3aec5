"""Cases on where a token may come from and what a route makes of its claims: tokens outside the
Authorization header, issuers and key sets named by the request, defaults for absent claims, back
doors beside the token, and routes that verify less than the one the other cases grade.

Each forgery here is judged against the same request without it: a route that serves anyone
anyway fails ``no-token``, not these cases.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.jose import ed25519, forge, public_jwk, tamper
from playground.lessons.attack_lab import attacker_key
from playground.servers import ServerThread

from .case import Outcome, is_accepted, not_applicable
from .cases import EXPIRED_MARGIN, FOREIGN_ORIGIN, case
from .context import ADA, CREDENTIALS, GARBAGE_TOKEN, GRACE, Context, Exchange

#: Cookies that SPAs and auth helpers keep an access token in (besides Better Auth's own, which
#: ``identity-from-unverified-cookies`` forges).
TOKEN_COOKIES = ("access_token", "accessToken", "token", "jwt", "auth_token", "id_token", "authorization")
#: Query parameters that carry a token for clients that cannot set headers (EventSource, WebSocket, links).
TOKEN_QUERY_PARAMETERS = ("access_token", "token", "jwt", "auth", "accessToken")
#: Headers besides Authorization that clients and gateways pass an access token in.
TOKEN_HEADERS = ("x-access-token", "x-auth-token", "x-token", "x-jwt", "x-id-token", "token")
#: Headers that name the public host behind a proxy; an app that builds its issuer or JWKS URL from
#: one lets the request choose who signs its tokens.
HOST_HEADERS = ("x-forwarded-host", "x-original-host", "x-host", "x-forwarded-server")
#: Headers that admin routes accept a shared key in, and the placeholder values such keys default
#: to in code and sample .env files.
ADMIN_KEY_HEADERS = ("x-admin-key", "x-api-key", "x-admin-token", "x-internal-key")
PLACEHOLDER_KEYS = ("admin", "changeme", "change-me", "secret", "dev", "dev-key", "dev-admin-key", "admin-key",
                    "test", "password")
#: Protected routes beyond --protected that every-route-verifies probes (the cheapest forgeries each).
MAX_OTHER_ROUTES = 12
EXPIRED = "an expired token"


def _forgeries(ctx: Context) -> dict[str, str]:
    """Tokens no careful app accepts, with ada's claims (she is an admin): unsigned, signed by the
    attacker's key, edited after signing."""
    claims = ctx.claims(ADA)
    return {
        "an unsigned token (alg none)": forge({"alg": "none", "typ": "JWT"}, claims),
        "a token signed by the attacker's key with the issuer's kid": forge(
            {"alg": "EdDSA", "kid": ctx.kid}, claims, ed25519(attacker_key())),
        "a real token with its claims edited (signature kept)": tamper(ctx.ada.access_token,
                                                                       exp=ctx.now() + 3600),
    }


def _refused_without(ctx: Context, path: str, exchanges: list[Exchange]) -> bool:
    """Does ``path`` refuse a request without any credential? (Recorded in ``exchanges``.)"""
    exchanges.append(ctx.send(path, describe="no credentials"))
    return not is_accepted(exchanges[-1])


def _probe_forgeries(ctx: Context, place: str, carry: Callable[[str, str], dict]) -> Outcome:
    """``carry(path, token)``: what carries ``token`` in ``place`` on ``path`` (``ctx.send``'s
    ``path`` with a query, its ``headers``; never an Authorization header). Sent on --protected (its
    method and body) and on the other protected GET routes (a token in the URL often serves only the
    EventSource route); fails on the first forgery served by a route that refuses the bare request."""
    exchanges: list[Exchange] = []
    routes = [(ctx.protected_method, ctx.protected), *(route for route in _other_routes(ctx) if route[0] == "GET")]
    forgeries = _forgeries(ctx)
    judged = False
    for method, path in routes:
        body = ctx.routes.body(method, path)
        exchanges.append(ctx.send(path, method=method, json=body, describe="no credentials"))
        if is_accepted(exchanges[-1]):
            continue  # serves anyone: no-token's finding, or a public route
        judged = True
        for label, token in forgeries.items():
            options = carry(path, token)
            exchanges.append(ctx.send(options.get("path", path), method=method, json=body,
                                      headers=options.get("headers"), describe=f"{label}, in {place}"))
            if is_accepted(exchanges[-1]):
                return Outcome(False, exchanges, f"{method} {path} accepted {label} in {place} "
                                                 f"({exchanges[-1].got}): the app reads a token from there without "
                                                 "verifying it the way it verifies the Authorization header",
                               culprit=exchanges[-1])
    if not judged:
        return Outcome(True, exchanges, "not judged: the routes serve requests without any credential (see no-token)",
                       applicable=False)
    return Outcome(True, exchanges)


@case("forged-token-in-cookie", group="credentials", weight="required", credentials=CREDENTIALS,
      title="a forged token in a token cookie (access_token, token, jwt, …) is refused",
      expect="401 on every protected route: a cookie is verified exactly like the Authorization header (or ignored)",
      fix="decode a token from a cookie with the same function as the header's (JWKS, algorithms, iss, aud); "
          "never jwt.decode(..., options={'verify_signature': False}) because your own frontend set the cookie")
def forged_token_in_cookie(ctx: Context) -> Outcome:
    return _probe_forgeries(ctx, f"the cookies {', '.join(TOKEN_COOKIES)}", lambda path, token: {
        "headers": {"cookie": "; ".join(f"{name}={token}" for name in TOKEN_COOKIES)}})


@case("forged-token-in-query", group="credentials", weight="required", credentials=CREDENTIALS,
      title="a forged token in the query string (?access_token=, ?token=, …) is refused",
      expect="401 on every protected route: a token from the URL is verified exactly like the Authorization "
             "header (or ignored)",
      fix="verify a query-string token with the same function as the header's; better, give EventSource and "
          "WebSocket clients a short-lived ticket instead of the access token in the URL")
def forged_token_in_query(ctx: Context) -> Outcome:
    def carry(path: str, token: str) -> dict:
        query = urllib.parse.urlencode(dict.fromkeys(TOKEN_QUERY_PARAMETERS, token))
        return {"path": f"{path}{'&' if '?' in path else '?'}{query}"}

    return _probe_forgeries(ctx, f"the query (?{'=, ?'.join(TOKEN_QUERY_PARAMETERS)}=)", carry)


@case("forged-token-in-other-headers", group="credentials", weight="required", credentials=CREDENTIALS,
      title="a forged token in another header (X-Access-Token, X-Auth-Token, Token, …) is refused",
      expect="401 on every protected route: a token from any header is verified exactly like the Authorization "
             "header (or ignored)",
      fix="read the token from Authorization: Bearer only (RFC 6750), or verify any other header's token with "
          "the same function; never trust it because a gateway or your own client set it")
def forged_token_in_other_headers(ctx: Context) -> Outcome:
    return _probe_forgeries(ctx, f"the headers {', '.join(TOKEN_HEADERS)}", lambda path, token: {
        "headers": dict.fromkeys(TOKEN_HEADERS, token)})


#: JSON body properties that carry a token to a token-exchange or WebSocket-ticket endpoint.
TOKEN_BODY_PROPERTIES = ("token", "access_token", "accessToken", "jwt", "id_token", "idToken")


def _token_bodies(ctx: Context) -> list[tuple[str, str, dict]]:
    """``(path, property, body)`` for each POST/PUT/PATCH of the document whose JSON body has a token
    property: the smallest body its schema allows, the token to be put in ``property``."""
    from .bodies import NoMinimalBody, minimal
    from .discovery import _deref, concrete

    found = []
    document = ctx.routes.document
    for op in ctx.routes.operations if document is not None else []:
        schema = _deref(op.body_schema, document) if op.method in ("POST", "PUT", "PATCH") else None
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        name = next((name for name in TOKEN_BODY_PROPERTIES if name in properties), None)
        if name is None:
            continue
        try:
            body = minimal(schema, document)
        except NoMinimalBody:
            body = {}
        found.append((f"{op.method} {concrete(op, ctx.ada.id)}", name, body if isinstance(body, dict) else {}))
    return found[:MAX_OTHER_ROUTES]


@case("forged-token-in-body", group="credentials", weight="required",
      title="a forged or expired token in a JSON body (a token exchange: {\"token\": …}) is refused",
      expect="4xx for an unsigned, a foreign-key, an edited, an expired, a wrong-issuer and a wrong-audience token "
             "in each body property named token, access_token, jwt, …",
      fix="verify a token from a body with the same function as the header's, exp included (never "
          "options={'verify_exp': False} 'because only who it is matters'): an exchange gives a leaked, expired "
          "token new life")
def forged_token_in_body(ctx: Context) -> Outcome:
    targets = _token_bodies(ctx)
    if not targets:
        return not_applicable("not run: no write in the OpenAPI document takes a token in its JSON body")
    exp = ctx.now() - int(ctx.leeway) - EXPIRED_MARGIN
    tokens = {**_forgeries(ctx), EXPIRED: ctx.mint(claims={"iat": exp - 900, "exp": exp}),
              f"a token whose iss is {FOREIGN_ORIGIN}": ctx.mint(claims={"iss": FOREIGN_ORIGIN}),
              "a token for another audience": ctx.mint(claims={"aud": "https://another-api.example"})}
    exchanges: list[Exchange] = []
    for route, name, body in targets:
        method, _, path = route.partition(" ")
        exchanges.append(ctx.send(path, method=method, json={**body, name: GARBAGE_TOKEN},
                                  describe=f"{{{name!r}: {GARBAGE_TOKEN!r}}}"))
        if is_accepted(exchanges[-1]):
            continue  # the property does not authenticate anything
        for label, token in tokens.items():
            exchanges.append(ctx.send(path, method=method, json={**body, name: token}, describe=f"{label} as {name!r}"))
            if is_accepted(exchanges[-1]):
                return Outcome(False, exchanges, f"{route} accepted {label} as {name!r} ({exchanges[-1].got}), "
                                                 "though it refuses a garbage one", culprit=exchanges[-1])
    return Outcome(True, exchanges)


# --- the request names the issuer ---------------------------------------------------------------


@case("issuer-from-request-headers", group="keys", weight="required",
      title="a Host / X-Forwarded-Host naming the attacker's server makes it neither the issuer nor the audience",
      expect="401 for a token signed by the attacker and served from the attacker's JWKS (no request to it), and "
             "for a genuine token whose aud is that server's",
      fix="configure the issuer, the audience and the JWKS URL (BETTER_AUTH_URL) once; never derive them from "
          "Host, X-Forwarded-Host or Forwarded: anyone can send those headers")
def issuer_from_request_headers(ctx: Context) -> Outcome:
    key, kid = attacker_key(), "attacker-host-key"
    hits: list[str] = []
    #: Fetches count only while a request names the attacker's host (a token's iss alone is key-source-from-token's).
    counting = [False]

    async def attacker(request):
        if counting[0]:
            hits.append(request.url.path)
        return JSONResponse({"keys": [public_jwk(key, kid)]})

    server = ServerThread(Starlette(routes=[Route("/{path:path}", attacker)]), name="attacker issuer",
                          lifespan="off").start()
    try:
        host = httpx.URL(server.url).netloc.decode("ascii")
        tokens = {"iss and aud = the attacker's origin": ctx.claims(iss=server.url, aud=server.url),
                  "the issuer's iss and aud": ctx.claims()}
        # A genuine token the issuer made for another API: an app that derives its expected audience from
        # the request takes it when the request names that API's host (not a loopback one: some apps keep
        # their configured audience for those).
        genuine = {"a genuine token for http://api.evil.example": ctx.mint(claims={"aud": "http://api.evil.example"})}
        signed = {f"signed by the attacker ({label})": forge({"alg": "EdDSA", "kid": kid}, claims, ed25519(key))
                  for label, claims in tokens.items()}
        exchanges: list[Exchange] = []
        if not _refused_without(ctx, ctx.protected, exchanges):
            return Outcome(True, exchanges, "not judged: the route serves requests without any credential",
                           applicable=False)
        for token_label, token in {**signed, **genuine}.items():
            named_host = "api.evil.example" if token_label in genuine else host
            named = {f"{', '.join(HOST_HEADERS)}: {named_host}; X-Forwarded-Proto: http": {
                         **dict.fromkeys(HOST_HEADERS, named_host), "x-forwarded-proto": "http",
                         "forwarded": f"host={named_host};proto=http"},
                     f"Host: {named_host}": {"host": named_host}}
            exchanges.append(ctx.send(ctx.protected, token=token, describe=f"{token_label}, no header naming a host"))
            if is_accepted(exchanges[-1]):
                continue  # accepted anyway: the signature or key-source cases' finding, not the headers'
            for headers_label, headers in named.items():
                counting[0] = True
                exchange = ctx.send(ctx.protected, token=token, headers=headers,
                                    describe=f"{token_label}, {headers_label}")
                counting[0] = False
                exchanges.append(exchange)
                if is_accepted(exchange):
                    return Outcome(False, exchanges, f"accepted {exchange.sent}: the request chose the issuer (or "
                                                     "audience) the token is checked against", culprit=exchange)
    finally:
        server.stop()
    if hits:
        return Outcome(False, exchanges, f"refused, but the app fetched {hits[0]} from the server a request header "
                                         "named (a server-side request forgery)")
    return Outcome(True, exchanges)


# --- claims the issuer leaves out ---------------------------------------------------------------


@case("role-absent-not-admin", group="identity", weight="required", needs=("admin",),
      title="a genuine token without a role (or with an empty one) is refused on the admin route",
      expect="403: no role is no role; Better Auth leaves role out when the admin plugin is off or the field is null",
      fix="read the role without an admin default: claims.get('role') or '' (never .get('role', 'admin')), "
          "then 'admin' in role.split(',')")
def role_absent_not_admin(ctx: Context) -> Outcome:
    exchanges = []
    for label, token in (("grace's token without a role claim", ctx.mint(GRACE, drop=("role",))),
                         ("grace's token with role null", ctx.mint(GRACE, claims={"role": None})),
                         ("grace's token with role ''", ctx.mint(GRACE, claims={"role": ""}))):
        exchanges.append(ctx.send(ctx.admin, token=token, describe=label))
        if is_accepted(exchanges[-1]):
            return Outcome(False, exchanges, f"served the admin route to {label}: a missing role defaults to admin",
                           culprit=exchanges[-1])
    return Outcome(True, exchanges)


#: Headers a frontend or gateway is "supposed" to set with the user's role or admin flag.
ROLE_HEADERS = {"x-user-role": "admin", "x-role": "admin", "x-user-roles": "admin", "x-roles": "admin",
                "x-admin": "true", "x-is-admin": "true"}


@case("role-from-request-headers", group="identity", weight="required", needs=("admin",), credentials=CREDENTIALS,
      title="a role or admin flag in a request header (X-User-Role: admin, X-Is-Admin: true, …) is ignored",
      expect="403 for a non-admin whatever the headers say",
      fix="read the role only from the verified token's role claim (or your database, by the token's sub); "
          "a header 'set by the frontend' is set by whoever sends the request")
def role_from_request_headers(ctx: Context) -> Outcome:
    grace = ctx.credential_label(ctx.grace)
    exchanges = [ctx.send(ctx.admin, as_user=ctx.grace, describe=f"{grace}, nothing else")]
    if is_accepted(exchanges[0]):
        return not_applicable("not judged: the admin route serves grace anyway (see non-admin-denied)")
    said = ", ".join(f"{name}: {value}" for name, value in ROLE_HEADERS.items())
    exchanges.append(ctx.send(ctx.admin, as_user=ctx.grace, headers=dict(ROLE_HEADERS), describe=f"{grace}, {said}"))
    if is_accepted(exchanges[-1]):
        return Outcome(False, exchanges, "served the admin route to grace (role user) because a request header "
                                         "said she is an admin", culprit=exchanges[-1])
    return Outcome(True, exchanges)


# --- back doors beside the token ------------------------------------------------------------------


@case("admin-default-key", group="identity", weight="required", needs=("admin",), credentials=CREDENTIALS,
      title="the admin route accepts no placeholder key (X-Admin-Key: admin, changeme, dev-admin-key, …)",
      expect="403 for a non-admin whatever X-Admin-Key / X-Api-Key says",
      fix="read an admin key from the environment with no default (refuse to start without one), compare it "
          "with secrets.compare_digest; better, let admin scripts use an admin user's token")
def admin_default_key(ctx: Context) -> Outcome:
    exchanges = [ctx.send(ctx.admin, as_user=ctx.grace, describe=f"{ctx.credential_label(ctx.grace)}, nothing else"),
                 ctx.send(ctx.admin, describe="no credentials, nothing else")]
    if any(is_accepted(exchange) for exchange in exchanges):
        return not_applicable("not judged: the admin route serves grace or anyone anyway (see non-admin-denied)")
    # With grace's credential (an app that tries the key first) and without any (one that takes the
    # key only when no user signed in).
    for value in PLACEHOLDER_KEYS:
        for user in (ctx.grace, None):
            who = ctx.credential_label(ctx.grace) if user else "no credentials"
            exchanges.append(ctx.send(ctx.admin, as_user=user, headers=dict.fromkeys(ADMIN_KEY_HEADERS, value),
                                      describe=f"{who}, {'/'.join(ADMIN_KEY_HEADERS)}: {value!r}"))
            if is_accepted(exchanges[-1]):
                return Outcome(False, exchanges, f"served the admin route to {who} with the placeholder key "
                                                 f"{value!r}", culprit=exchanges[-1])
    return Outcome(True, exchanges)


# --- every protected route, not only --protected ---------------------------------------------------


def _other_routes(ctx: Context) -> list[tuple[str, str]]:
    """``(method, concrete path)`` of the app's other protected routes: the discovered ones (ada's id
    in their user parameters; GETs first, then writes with the smallest body their schema allows),
    --owner (ada's own path) and --admin; at most ``MAX_OTHER_ROUTES``."""
    from .discovery import concrete

    routes = []
    if ctx.owner is not None:
        routes.append(("GET", ctx.owner_path(ctx.ada.id)))
    if ctx.admin is not None:
        routes.append(("GET", ctx.admin))
    if ctx.routes.document is not None:
        # Not DELETE: the request without credentials that shows a route protected would delete on an app
        # that has no check at all (no-credentials-every-method's finding).
        operations = sorted((op for op in ctx.routes.protected if op.method != "DELETE"),
                            key=lambda op: op.method != "GET")
        routes += [(op.method, concrete(op, ctx.ada.id)) for op in operations]
    main = (ctx.protected_method, ctx.protected)
    return [route for route in dict.fromkeys(routes) if route != main][:MAX_OTHER_ROUTES]


@case("every-route-verifies", group="signature", weight="required",
      title="every protected route refuses the forgeries the graded route refuses (one verifier for all)",
      expect="401 on each protected route (discovered, on every method but DELETE; --owner, --admin) for an "
             "unsigned, a foreign-key, an HS256-with-the-secret, an edited, an expired, a wrong-issuer and a "
             "wrong-audience token",
      fix="protect every route with the same verifying dependency (FastAPI: Depends(current_user) on the router "
          "or each route); a route with its own decoding is where the hole hides")
def every_route_verifies(ctx: Context) -> Outcome:
    routes = _other_routes(ctx)
    if not routes:
        return not_applicable("not run: no protected route besides --protected is known (no OpenAPI document, "
                              "no --owner or --admin)")
    exp = ctx.now() - int(ctx.leeway) - EXPIRED_MARGIN
    tokens = {**_forgeries(ctx),
              "an HS256 token signed with BETTER_AUTH_SECRET": ctx.mint(algorithm="HS256"),
              EXPIRED: ctx.mint(claims={"iat": exp - 900, "exp": exp}),
              f"a token whose iss is {FOREIGN_ORIGIN}": ctx.mint(claims={"iss": FOREIGN_ORIGIN}),
              "a token for another audience": ctx.mint(claims={"aud": "https://another-api.example"})}
    exchanges: list[Exchange] = []
    refused_on_main = tokens
    if ctx.protected is not None:
        # A forgery --protected accepts too is its own case's finding, not this route's.
        refused_on_main = {}
        for label, token in tokens.items():
            exchanges.append(ctx.send(ctx.protected, token=token, describe=f"{label}, on --protected"))
            if not is_accepted(exchanges[-1]):
                refused_on_main[label] = token
    for method, path in routes:
        body = ctx.routes.body(method, path)
        exchanges.append(ctx.send(path, method=method, json=body, describe="no credentials"))
        if is_accepted(exchanges[-1]):
            continue  # served without any credential: not a protected route after all
        for label, token in refused_on_main.items():
            exchanges.append(ctx.send(path, method=method, json=body, token=token, describe=label))
            if is_accepted(exchanges[-1]):
                return Outcome(False, exchanges, f"{method} {path} accepted {label}, which {ctx.protected} refuses: "
                                                 "this route verifies tokens with less care", culprit=exchanges[-1])
    return Outcome(True, exchanges)

