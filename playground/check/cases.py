"""Every case the checker runs, in report order: the attack corpus and the playbook as requests.

Each case is a function registered with ``@case(...)``: it sends real requests to the target
through ``Context.send`` and returns an ``Outcome``. The attacks are those of lesson 09 and
``tests/security``; the token-lifecycle and credential cases are the scenarios of the lesson 08
playbook that a backend can get wrong. Ids are stable: CI results and ``--allow`` use them.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from playground.issuer.config import DEFAULT_SECRET
from playground.jose import b64url_encode, ed25519, forge, forge_raw, hmac_signer, hs256, public_jwk, split, tamper
from playground.lessons.attack_lab import WORDLIST, attacker_jwks_app, attacker_key
from playground.servers import ServerThread

from .case import (
    VALIDATION_REFUSALS,
    Case,
    Need,
    Outcome,
    Weight,
    all_accepted,
    all_rejected,
    is_accepted,
    is_rejected,
    not_applicable,
)
from .context import ADA, CREDENTIALS, GARBAGE_TOKEN, GRACE, TLS, Context, Exchange

CASES: list[Case] = []

#: The issuer the checker starts: Better Auth's defaults plus the jwt-strategy cookie cache, so a
#: ``better-auth.session_data`` JWT exists to be sent where an access token is expected.
ISSUER_OPTIONS = {"session": {"cookieCache": {"enabled": True, "strategy": "jwt", "maxAge": 300}}}
FOREIGN_ORIGIN = "https://evil.example"
#: The origin of sandboxed iframes, data: URLs and local files: anyone can send it.
NULL_ORIGIN = "null"
#: How long a rotated-in key may take to be accepted (a JWKS refetch rate limit), in seconds.
ROTATION_WINDOW = 6.0
#: How far beyond the declared leeway ``expired``'s token lies: an undeclared leeway of more fails.
EXPIRED_MARGIN = 10
#: Secrets that public repositories commit (Better Auth's own public default first): an app that
#: verifies HS256 with one of them accepts anyone's tokens. Tried by weak-hmac-secret, and by
#: hs256-with-secret when the app was not given the checker's {secret}.
COMMITTED_SECRETS = (DEFAULT_SECRET, "better-auth-secret-123456789", "better-auth-secret", "your-secret-key",
                     "your-secret-key-here", "your-256-bit-secret", "a-string-secret-at-least-256-bits-long",
                     "your-default-secret-key-change-in-production", "secret", "changeme", "change-me",
                     "supersecret", "my-secret", "development-secret", "")
#: Look-alikes of the frontend's origin a loose CORS pattern admits ({scheme}, {host}, {port}: the frontend's).
LOOK_ALIKE_ORIGINS = ("{scheme}://{host}.evil.example{port}", "{scheme}://evil{host}{port}",
                      "{scheme}://evil-{host}{port}", "{other_scheme}://{host}{port}", "{scheme}://{host}:8443")
#: On a shared hosting domain anyone can register a neighbour of the frontend's first label: a pattern
#: for preview deployments (``myapp(-[a-z0-9-]+)?\.vercel\.app``) admits ``myapp-evil.vercel.app``.
#: ({first_label}, {rest}: the frontend host split at its first dot.)
SHARED_HOST_LOOK_ALIKES = ("{scheme}://{first_label}-evil.{rest}{port}", "{scheme}://evil-{first_label}.{rest}{port}")
#: Domains where anyone can claim a subdomain (a project, an app, a site name), as the Public Suffix
#: List's private section records them; on a domain of your own, a neighbour label is yours too.
SHARED_HOSTING_DOMAINS = ("vercel.app", "netlify.app", "pages.dev", "workers.dev", "github.io", "gitlab.io",
                          "herokuapp.com", "onrender.com", "fly.dev", "railway.app", "web.app", "firebaseapp.com",
                          "azurewebsites.net", "azurestaticapps.net", "amplifyapp.com", "appspot.com",
                          "ngrok-free.app", "ngrok.io", "replit.app", "surge.sh", "glitch.me", "deno.dev")


def case(id: str, *, group: str, weight: Weight, title: str, expect: str, fix: str,
         needs: tuple[Need, ...] = (), credentials: tuple[str, ...] = ("jwt",), consequence_of: tuple[str, ...] = (),
         ) -> Callable[[Callable[[Context], Outcome]], Callable[[Context], Outcome]]:
    def register(run: Callable[[Context], Outcome]) -> Callable[[Context], Outcome]:
        CASES.append(Case(id, group, weight, title, expect, fix, run, needs, credentials, consequence_of))
        return run

    return register


def _with_and_without_iss_aud(claims: dict) -> dict[str, dict]:
    """The claims as Better Auth's, and without iss and aud: an app that calls PyJWT's decode without
    ``audience=`` refuses every token that has an aud, so a forgery must also come without one."""
    return {"": claims, ", without iss and aud": {k: v for k, v in claims.items() if k not in ("iss", "aud")}}


def _reject_all(ctx: Context, tokens: dict[str, str], path: str | None = None, *, malformed: bool = False) -> Outcome:
    """Every token refused on ``path``. A 400/422 to a well-formed token is a refusal only if the same
    request without any credential gets it too: when that one gets a 401/403, the token got past
    authentication. (A ``malformed`` token may get a 400: RFC 6750's invalid_request.)"""
    path = path or ctx.protected
    exchanges = []
    for label, token in tokens.items():
        exchange = ctx.send(path, token=token, describe=label)
        exchanges.append(exchange)
        if exchange.status in VALIDATION_REFUSALS and not malformed:
            bare = ctx.send(path, describe=f"the same request without any credential (to see why {exchange.status})")
            exchanges.append(bare)
            if bare.status in (401, 403):
                return Outcome(False, exchanges, f"accepted {label}: the token passed authentication; only "
                               f"validation refused the request ({exchange.got}; without a credential: {bare.got})",
                               culprit=exchange, past_authentication=True)
    return all_rejected(exchanges)


# --- baseline: is the target set up to be graded? ---------------------------------------------


@case("valid-token-accepted", group="baseline", weight="baseline", credentials=CREDENTIALS,
      title="a real token from /api/auth/token is accepted on the protected route",
      expect="2xx: the app trusts the playground issuer (its JWKS, iss and aud)",
      fix="configure the app with the issuer the checker started: --env BETTER_AUTH_URL={issuer}")
def valid_token_accepted(ctx: Context) -> Outcome:
    # A server that was already running may hold an earlier run's key set: a correct one refetches
    # on the unknown kid, perhaps after a rate-limit window.
    describe = "ada's token from /api/auth/token" if ctx.credential == "jwt" else ctx.credential_label(ctx.ada)
    outcome = _accepted_within(ROTATION_WINDOW if ctx.external else 0, lambda: ctx.send(
        ctx.protected, as_user=ctx.ada, describe=describe))
    if not outcome.passed:
        return outcome
    # Accepting the valid token proves nothing if the route accepts anything.
    garbage = ctx.send_garbage(ctx.protected)
    if is_accepted(garbage):
        return Outcome(False, [*outcome.exchanges, garbage],
                       f"the route does not authenticate: it accepted a garbage credential ({GARBAGE_TOKEN}, "
                       f"{garbage.got}) as well as the valid one", culprit=garbage)
    return Outcome(True, [*outcome.exchanges, garbage])


def _accepted_within(seconds: float, send: Callable[[], Exchange]) -> Outcome:
    """``send()`` until the app accepts, retrying for ``seconds`` while it answers 401: a key it does
    not know yet may arrive with its next (rate-limited) JWKS refetch."""
    deadline = time.monotonic() + seconds
    while True:
        outcome = all_accepted([send()])
        if outcome.passed or outcome.culprit.status != 401 or time.monotonic() > deadline:
            return outcome
        time.sleep(0.5)


@case("public-route-open", group="baseline", weight="baseline", needs=("public",), credentials=CREDENTIALS,
      title="the public route answers without credentials", expect="2xx without an Authorization header",
      fix="check --public: it must name a route that needs no login")
def public_route_open(ctx: Context) -> Outcome:
    return all_accepted([ctx.send(ctx.public, describe="no credentials")])


@case("own-profile-allowed", group="baseline", weight="required", needs=("owner",), credentials=CREDENTIALS,
      title="a user reaches their own resource",
      expect="2xx for the token whose sub is the {user_id} of the path",
      fix="compare the token's sub (Better Auth's user id) with the path's user id, as strings")
def own_profile_allowed(ctx: Context) -> Outcome:
    return all_accepted([ctx.send(ctx.owner_path(ctx.ada.id), as_user=ctx.ada,
                                  describe=f"{ctx.credential_label(ctx.ada)} on ada's own path")])


@case("admin-allowed-for-admin", group="baseline", weight="required", needs=("admin",), credentials=CREDENTIALS,
      title="a user whose role is admin reaches the admin route",
      expect="2xx for ada (role 'admin' in the token)",
      fix="read the role from the token's 'role' claim (Better Auth's admin plugin field)")
def admin_allowed(ctx: Context) -> Outcome:
    return all_accepted([ctx.send(ctx.admin, as_user=ctx.ada,
                                  describe=f"{ctx.credential_label(ctx.ada)} (role admin)")])


# --- who may sign -----------------------------------------------------------------------------


@case("no-token", group="signature", weight="required", credentials=CREDENTIALS,
      title="a request without credentials is refused (also right after a signed-in user's request)",
      expect="401",
      fix="protect the route with a dependency that requires a verified token; keep the user in the request "
          "(FastAPI: the dependency's return value; Flask: flask.g), never in a module global")
def no_token(ctx: Context) -> Outcome:
    first = ctx.send(ctx.protected, describe="no Authorization header")
    if not is_rejected(first):
        return all_rejected([first])  # served, crashed, hung or rate limited: that is the verdict
    # Again right after a signed-in request: an app that keeps the user in module state (a Flask global
    # set only when a token comes) serves the next caller as the previous one.
    signed_in = ctx.send(ctx.protected, as_user=ctx.ada, describe=f"{ctx.credential_label(ctx.ada)} (a signed-in "
                                                                   "request first)")
    after = ctx.send(ctx.protected, describe="no credentials, right after ada's request")
    outcome = all_rejected([first, after])
    return Outcome(outcome.passed, [first, signed_in, after], outcome.detail, culprit=outcome.culprit)


@case("alg-none", group="signature", weight="required",
      title="an unsigned token (alg: none, in any spelling) is refused",
      expect="401: the allowed algorithms come from configuration, never from the token",
      fix="pass algorithms=['EdDSA'] (your JWKS's algorithms) to jwt.decode; never read alg from the header")
def alg_none(ctx: Context) -> Outcome:
    tokens = {"an unsigned token minted by the issuer (alg none)": ctx.mint(algorithm="none")}
    for spelling in ("none", "None", "NONE", "nOnE"):
        tokens[f"alg {spelling!r} with the issuer's kid, no signature"] = forge({"alg": spelling, "kid": ctx.kid},
                                                                                ctx.claims())
    return _reject_all(ctx, tokens)


@case("alg-confusion-hs256-public-key", group="signature", weight="required",
      title="an HMAC token keyed with the issuer's PUBLIC key is refused (algorithm confusion)",
      expect="401: HS* is never allowed when the issuer signs with asymmetric keys",
      fix="pin algorithms to the asymmetric ones your JWKS publishes; never use a public key as an HMAC secret")
def alg_confusion(ctx: Context) -> Outcome:
    jwks = httpx.get(ctx.issuer.jwks_url, timeout=30.0, verify=TLS).json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == ctx.kid)
    forms = {"the JWK's x": jwk["x"].encode(), "the JWKS JSON": json.dumps(jwks).encode()}
    from jwt import PyJWK

    public = PyJWK(jwk).key
    if hasattr(public, "public_bytes"):
        forms["the raw public key"] = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) \
            if jwk.get("kty") == "OKP" else public.public_bytes(serialization.Encoding.DER,
                                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        forms["the PEM public key"] = public.public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    tokens = {}
    for alg in ("HS256", "HS384", "HS512"):
        for form, secret in forms.items():
            signer = hmac_signer(secret, alg)
            tokens[f"{alg} keyed with {form}"] = forge({"alg": alg, "kid": ctx.kid}, ctx.claims(role="admin"), signer)
    return _reject_all(ctx, tokens)


@case("hs256-with-secret", group="signature", weight="required",
      title="an HS256 token signed with BETTER_AUTH_SECRET is refused",
      expect="401: Better Auth's jwt plugin signs with the keys at /api/auth/jwks (EdDSA by default), never the secret",
      fix="verify with the issuer's JWKS and algorithms=['EdDSA']; the secret signs cookies, not access tokens")
def hs256_with_secret(ctx: Context) -> Outcome:
    tokens = {
        "an HS256 token signed with BETTER_AUTH_SECRET": ctx.mint(algorithm="HS256"),
        # An app that verifies the tutorial way rarely checks iss/aud either.
        "an HS256 token signed with BETTER_AUTH_SECRET, without iss and aud": ctx.mint(algorithm="HS256",
                                                                                      drop=("iss", "aud")),
    }
    if ctx.secret_shared:
        return _reject_all(ctx, tokens)
    # The app holds a secret of its own: the checker's proves little, so try those committed to repositories.
    for variant, claims in _with_and_without_iss_aud(ctx.claims(role="admin")).items():
        for secret in COMMITTED_SECRETS:
            tokens[f"HS256 signed with the committed secret {secret!r}{variant}"] = forge(
                {"alg": "HS256", "typ": "JWT"}, claims, hs256(secret.encode()))
    outcome = _reject_all(ctx, tokens)
    note = ("the app was not given {secret} (--env BETTER_AUTH_SECRET={secret}): HS256 with the checker's secret "
            "proves little, so the secrets public repositories commit were tried too")
    outcome.detail = f"{outcome.detail}; {note}" if outcome.detail else note
    return outcome


@case("weak-hmac-secret", group="signature", weight="required",
      title="HS256 tokens signed with guessable secrets are refused",
      expect="401 for each: no HMAC secret is trusted at all",
      fix="verify with the issuer's JWKS; an HMAC secret from a wordlist is cracked offline in seconds")
def weak_hmac_secret(ctx: Context) -> Outcome:
    words = dict.fromkeys((*WORDLIST, *COMMITTED_SECRETS))
    return _reject_all(ctx, {f"HS256 signed with {word!r}{variant}": forge({"alg": "HS256", "kid": ctx.kid}, claims,
                                                                           hs256(word.encode()))
                             for variant, claims in _with_and_without_iss_aud(ctx.claims(role="admin")).items()
                             for word in words})


@case("tampered-payload", group="signature", weight="required",
      title="a real token whose claims were edited (signature kept) is refused",
      expect="401: the signature covers header and payload",
      fix="verify the signature (jwt.decode with the key), never decode with verify_signature=False")
def tampered_payload(ctx: Context) -> Outcome:
    return _reject_all(ctx, {
        "grace's token with role changed to admin": tamper(ctx.grace.access_token, role="admin"),
        "grace's token with sub changed to ada's id": tamper(ctx.grace.access_token, sub=ctx.ada.id, id=ctx.ada.id),
    })


@case("stripped-signature", group="signature", weight="required",
      title="a real token with its signature removed is refused", expect="401",
      fix="verify the signature; an empty signature is not a valid one")
def stripped_signature(ctx: Context) -> Outcome:
    header, payload, _ = ctx.ada.access_token.split(".")
    return _reject_all(ctx, {"ada's token with an empty signature": f"{header}.{payload}.",
                             "ada's token without its signature segment": f"{header}.{payload}"})


@case("unknown-kid", group="signature", weight="required",
      title="a token signed by a key that is not in the issuer's JWKS (unknown kid) is refused",
      expect="401 unknown kid (after at most one JWKS refetch)",
      fix="look keys up only in the configured JWKS; refuse a kid it does not list")
def unknown_kid(ctx: Context) -> Outcome:
    kid = secrets.token_hex(16)
    return _reject_all(ctx, {"a token signed by the attacker's Ed25519 key, random kid":
                             forge({"alg": "EdDSA", "kid": kid}, ctx.claims(role="admin"), ed25519(attacker_key()))})


@case("attacker-key-known-kid", group="signature", weight="required",
      title="a token signed by a foreign key behind the issuer's own kid is refused",
      expect="401 bad signature",
      fix="verify with the key the JWKS holds for that kid, whatever the token says")
def attacker_key_known_kid(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"the attacker's Ed25519 signature with the issuer's kid":
                             forge({"alg": "EdDSA", "kid": ctx.kid}, ctx.claims(role="admin"),
                                   ed25519(attacker_key()))})


@case("other-algorithm-foreign-key", group="signature", weight="required",
      title="RS256 / ES256 tokens signed by a foreign key with the issuer's kid are refused",
      expect="401: only the configured algorithms, only the JWKS's keys",
      fix="pin algorithms to what your issuer uses (EdDSA); check that the key's alg matches")
def other_algorithm(ctx: Context) -> Outcome:
    rsa_key, ec_key = _foreign_keys()

    def es256(signing_input: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(ec_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return _reject_all(ctx, {
        "RS256 signed by the attacker's RSA key": forge({"alg": "RS256", "kid": ctx.kid}, ctx.claims(role="admin"),
                                                        lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA256())),
        "ES256 signed by the attacker's EC key": forge({"alg": "ES256", "kid": ctx.kid}, ctx.claims(role="admin"),
                                                       es256),
    })


@functools.cache
def _foreign_keys() -> tuple[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]:
    """The attacker's RSA and EC keys: made once per process (an RSA key takes ~50 ms of CPU), foreign
    to every issuer all the same."""
    return rsa.generate_private_key(65537, 2048), ec.generate_private_key(ec.SECP256R1())


@case("embedded-jwk", group="signature", weight="required",
      title="a token that brings its own key in a 'jwk' header is refused",
      expect="401: keys come only from the configured JWKS",
      fix="never verify with a key taken from the token; refuse jwk/jku/x5u/x5c headers")
def embedded_jwk(ctx: Context) -> Outcome:
    key = attacker_key()
    tokens = {}
    for label, kid in (("its own kid", "attacker-key"), ("the issuer's kid", ctx.kid)):
        header = {"alg": "EdDSA", "kid": kid, "jwk": public_jwk(key, kid)}
        tokens[f"signed by the attacker, its key in the jwk header, {label}"] = forge(
            header, ctx.claims(role="admin"), ed25519(key))
    return _reject_all(ctx, tokens)


@case("jku-injection", group="signature", weight="required",
      title="a token whose 'jku' header points at the attacker's key set is refused",
      expect="401, and no request to the jku URL",
      fix="fetch keys only from the configured JWKS URL; ignore or refuse jku")
def jku_injection(ctx: Context) -> Outcome:
    key, kid = attacker_key(), "attacker-jku-key"
    hits: list[str] = []
    jwks_app = attacker_jwks_app({"keys": [public_jwk(key, kid)]})

    async def counting(scope, receive, send):
        if scope["type"] == "http":
            hits.append(scope["path"])
        await jwks_app(scope, receive, send)

    server = ServerThread(counting, name="attacker JWKS", lifespan="off").start()
    try:
        token = forge({"alg": "EdDSA", "kid": kid, "jku": f"{server.url}/jwks.json"}, ctx.claims(role="admin"),
                      ed25519(key))
        outcome = _reject_all(ctx, {"signed by the attacker, jku = the attacker's JWKS URL": token})
    finally:
        server.stop()
    if outcome.passed and hits:
        return Outcome(False, outcome.exchanges, "refused, but the app downloaded the attacker's key set from the "
                                                 "token's jku (a server-side request forgery)")
    return outcome


@case("kid-path-traversal", group="signature", weight="required",
      title="a kid that is a file path (../../dev/null) with an HMAC over an empty key is refused",
      expect="401: kid is only looked up in the JWKS, never used as a path or a query",
      fix="treat kid as an opaque string matched against the JWKS")
def kid_traversal(ctx: Context) -> Outcome:
    tokens = {f"HS256 keyed with b'' and kid {kid!r}":
              forge({"alg": "HS256", "kid": kid}, ctx.claims(role="admin"), hs256(b""))
              for kid in ("../../../../../../../../dev/null", "/dev/null", "' OR '1'='1")}
    return _reject_all(ctx, tokens)


# --- claims: the token is genuinely signed, but not for now, not for here ------------------------


@case("expired", group="claims", weight="required",
      title=f"a token expired {EXPIRED_MARGIN} s beyond the declared leeway is refused",
      expect="401 expired: the app's leeway is the one declared with --leeway (0 unless given)",
      fix="let jwt.decode check exp (never options={'verify_exp': False}); keep leeway small and declare it "
          "with --leeway")
def expired(ctx: Context) -> Outcome:
    exp = ctx.now() - int(ctx.leeway) - EXPIRED_MARGIN
    return _reject_all(ctx, {f"a token that expired leeway + {EXPIRED_MARGIN} s ago":
                            ctx.mint(claims={"iat": exp - 900, "exp": exp})})


@case("expires-now", group="claims", weight="advisory",
      title="a token whose exp is this very second (minus the leeway) is refused (RFC 7519: on or after exp)",
      expect="401 expired", fix="refuse when now >= exp (minus the leeway), not only when now > exp")
def expires_now(ctx: Context) -> Outcome:
    exp = ctx.now() - int(ctx.leeway)
    return _reject_all(ctx, {"exp = now - leeway": ctx.mint(claims={"iat": exp - 900, "exp": exp})})


@case("rejection-not-cached", group="claims", weight="required",
      title="a refused token is refused again (no cache stores a verdict before every check ran)",
      expect="401 both times", fix="cache a verified token only after all checks passed, keyed by the exact token",
      consequence_of=("expired",))  # its token is an expired one
def rejection_not_cached(ctx: Context) -> Outcome:
    now = ctx.now()
    token = ctx.mint(claims={"iat": now - 4500, "exp": now - int(ctx.leeway) - 3600})
    return all_rejected([ctx.send(ctx.protected, token=token, describe=f"an expired token, {nth} time")
                         for nth in ("the first", "the second")])


@case("missing-exp", group="claims", weight="required",
      title="a token without exp (one that never expires) is refused", expect="401",
      fix="options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}")
def missing_exp(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"a token without exp": ctx.mint(drop=("exp",))})


@case("wrong-issuer", group="claims", weight="required",
      title="a token whose iss is another issuer is refused", expect="401 wrong issuer",
      fix="jwt.decode(..., issuer=BETTER_AUTH_URL's origin)")
def wrong_issuer(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"iss = https://evil.example": ctx.mint(claims={"iss": FOREIGN_ORIGIN})})


@case("missing-issuer", group="claims", weight="required",
      title="a token without iss is refused", expect="401",
      fix="require iss: options={'require': [..., 'iss']} together with issuer=")
def missing_issuer(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"a token without iss": ctx.mint(drop=("iss",))})


@case("wrong-audience", group="claims", weight="required",
      title="a token for another audience (or one that merely extends ours) is refused",
      expect="401 wrong audience, for another API's aud and for ours + '.evil.example' or + '/x'",
      fix="jwt.decode(..., audience=your expected aud: BETTER_AUTH_URL's origin unless jwt.audience is set); "
          "never a substring test such as ours in claims['aud']")
def wrong_audience(ctx: Context) -> Outcome:
    ours = ctx.token_audience
    return _reject_all(ctx, {f"aud = {label}": ctx.mint(claims={"aud": value}) for label, value in (
        ("https://another-api.example", "https://another-api.example"),
        ("our audience + '.evil.example'", ours + ".evil.example"), ("our audience + '/x'", ours + "/x"))})


@case("missing-audience", group="claims", weight="required",
      title="a token without aud is refused", expect="401",
      fix="require aud: options={'require': [..., 'aud']} together with audience=")
def missing_audience(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"a token without aud": ctx.mint(drop=("aud",))})


@case("issuer-exact-match", group="claims", weight="required",
      title="an iss that merely starts with, extends or re-cases the issuer is another issuer",
      expect="401 for the issuer + '.evil.example', + '/x', + '0', and in upper case: iss is compared exactly",
      fix="jwt.decode(..., issuer=...) compares exactly; never startswith(), lower() or a regex")
def issuer_exact_match(ctx: Context) -> Outcome:
    origin = ctx.token_issuer
    return _reject_all(ctx, {f"iss = {label}": ctx.mint(claims={"iss": value}) for label, value in (
        ("the issuer + '.evil.example'", origin + ".evil.example"), ("the issuer + '/x'", origin + "/x"),
        ("the issuer + '0'", origin + "0"), ("the issuer in upper case", origin.upper()))})


@case("issuer-trailing-slash", group="claims", weight="advisory",
      title="iss with a trailing slash is another issuer", expect="401: iss is compared exactly",
      fix="compare iss exactly with the configured origin (no normalising, no prefix match)")
def issuer_trailing_slash(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"iss = the issuer + '/'": ctx.mint(claims={"iss": ctx.token_issuer + "/"})})


@case("audience-list-with-ours", group="claims", weight="advisory",
      title="an aud list that contains our audience is accepted (RFC 7519 §4.1.3)", expect="2xx",
      fix="accept aud as a string or a list that contains the expected audience")
def audience_list(ctx: Context) -> Outcome:
    token = ctx.mint(claims={"aud": ["https://another-api.example", ctx.token_audience]})
    return all_accepted([ctx.send(ctx.protected, token=token, describe="aud = [another API, ours]")])


@case("not-yet-valid", group="claims", weight="advisory",
      title="a token with nbf an hour ahead is refused", expect="401 not yet valid",
      fix="let jwt.decode check nbf (it does by default)")
def not_yet_valid(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"nbf = now + 1 h": ctx.mint(claims={"nbf": ctx.now() + 3600})})


@case("skew-within-leeway", group="claims", weight="advisory",
      title="a token issued within the leeway 'in the future' (clock skew) is accepted",
      expect="2xx: small clock differences between servers are tolerated",
      fix="set a small leeway (jwt.decode(..., leeway=...)) and tell the checker with --leeway")
def skew_within(ctx: Context) -> Outcome:
    if ctx.leeway < 2:
        return not_applicable("not run: give --leeway (your app's clock-skew tolerance, in seconds) to check it")
    iat = ctx.now() + int(ctx.leeway // 2)
    token = ctx.mint(claims={"iat": iat, "exp": iat + 900})
    return all_accepted([ctx.send(ctx.protected, token=token, describe=f"iat = now + {int(ctx.leeway // 2)} s")])


@case("skew-beyond-leeway", group="claims", weight="advisory",
      title="a token issued 10 minutes in the future (beyond the leeway) is refused",
      expect="401 issued in the future", fix="check iat against your clock with the leeway (PyJWT does)")
def skew_beyond(ctx: Context) -> Outcome:
    iat = ctx.now() + int(ctx.leeway) + 600
    return _reject_all(ctx, {"iat = now + leeway + 600 s": ctx.mint(claims={"iat": iat, "exp": iat + 900})})


@case("missing-sub", group="claims", weight="advisory",
      title="a token without sub (no user) is refused", expect="401 (never a user without an id)",
      fix="require sub: options={'require': [..., 'sub']}")
def missing_sub(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"a token without sub": ctx.mint(drop=("sub",))})


@case("missing-iat", group="claims", weight="advisory",
      title="a token without iat is refused (Better Auth always sets it)", expect="401",
      fix="require iat: options={'require': [..., 'iat']}")
def missing_iat(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"a token without iat": ctx.mint(drop=("iat",))})


@case("sub-not-a-non-empty-string", group="claims", weight="advisory",
      title="sub that is empty or not a string is refused", expect="401",
      fix="check that sub is a non-empty string before using it as a user id")
def sub_types(ctx: Context) -> Outcome:
    return _reject_all(ctx, {f"sub = {value!r}": ctx.mint(claims={"sub": value}) for value in ("", 42, None, ["x"])})


def _signed_claim_variants(ctx: Context, name: str, values: dict[str, object]) -> dict[str, str]:
    """Tokens the issuer signs with ``name`` set to each value; values it cannot sign are left out
    (the real Better Auth runs on JavaScript numbers: 10**400 becomes Infinity, then null)."""
    from playground.controls_client import TeachingControlError

    tokens = {}
    for label, value in values.items():
        claims = {name: value} if name == "exp" else {name: value, "exp": ctx.now() + 900}
        try:
            token = ctx.mint(claims=claims)
        except TeachingControlError:
            continue
        if split(token)[1].get(name, object()) == value:
            tokens[f"{name} = {label}"] = token
    return tokens


@case("exp-enormous", group="claims", weight="advisory",
      title="an exp so large it never expires (10**400, 1e308) is refused, never a crash",
      expect="401: no token lives forever; never a 500 (float(10**400) overflows)",
      fix="bound exp (e.g. exp - iat <= your maximum lifetime) and compare as integers")
def exp_enormous(ctx: Context) -> Outcome:
    tokens = _signed_claim_variants(ctx, "exp", {"10**400": 10**400, "1e308": 1e308, "2**63": 2**63})
    return _reject_all(ctx, tokens)


@case("time-claims-odd-types", group="claims", weight="advisory",
      title="exp / iat / nbf that are not numbers (strings, booleans, null, lists) are refused",
      expect="401 invalid claim; never a 500",
      fix="check each time claim is a real number (not bool) before comparing")
def time_claims_types(ctx: Context) -> Outcome:
    tokens = {}
    for name in ("exp", "iat", "nbf"):
        later = ctx.now() + 900
        tokens.update(_signed_claim_variants(ctx, name, {"a numeric string": str(later), "true": True, "null": None,
                                                         "a list": [later], "an object": {}}))
    return _reject_all(ctx, tokens)


# --- the wrong credential in the right place ------------------------------------------------------


@case("session-token-as-bearer", group="credentials", weight="advisory",
      title="Better Auth's opaque session token sent as a Bearer JWT is refused",
      expect="401 saying it is a session token, not a JWT",
      fix="send the JWT from /api/auth/token; if your API validates sessions via get-session on purpose, "
          "--allow session-token-as-bearer")
def session_token_as_bearer(ctx: Context) -> Outcome:
    tokens = {"ada's session token (sign-in JSON 'token')": ctx.ada.session_token}
    if ctx.ada.signed_session_token:
        tokens["ada's signed session cookie value (token.signature)"] = ctx.ada.signed_session_token
        tokens["the same, percent-encoded as in the cookie"] = urllib.parse.quote(ctx.ada.signed_session_token, safe="")
    return _reject_all(ctx, tokens)


@case("cookie-cache-jwt-as-bearer", group="credentials", weight="required",
      title="the session cookie cache JWT (better-auth.session_data, HS256 with the secret) "
            "is refused as an access token",
      expect="401: it is a cookie cache, signed with the secret, not an access token",
      fix="accept only JWTs verified with the JWKS, for your iss and aud")
def cookie_cache_as_bearer(ctx: Context) -> Outcome:
    if not ctx.ada.cookie_cache_jwt:
        return not_applicable("the issuer set no better-auth.session_data cookie")
    return _reject_all(ctx, {"ada's better-auth.session_data cookie value": ctx.ada.cookie_cache_jwt})


@case("authorization-scheme", group="credentials", weight="advisory",
      title="the Bearer scheme is matched case-insensitively, and nothing else is a Bearer token",
      expect="2xx for 'bearer <token>' (RFC 7235 §2.1); 401 for 'Basic <token>' and a bare token",
      fix="split the header on the first space and compare the scheme with .lower() == 'bearer'")
def authorization_scheme(ctx: Context) -> Outcome:
    token = ctx.ada.access_token
    accepted = ctx.send(ctx.protected, headers={"authorization": f"bearer {token}"}, describe="'bearer <token>'")
    outcome = all_accepted([accepted])
    if not outcome.passed:
        return outcome
    refused = [ctx.send(ctx.protected, headers={"authorization": f"Basic {token}"}, describe="'Basic <token>'"),
               ctx.send(ctx.protected, headers={"authorization": token}, describe="the token with no scheme")]
    result = all_rejected(refused)
    return Outcome(result.passed, [accepted, *refused], result.detail)


@case("token-in-query", group="credentials", weight="advisory",
      title="a token in the query string is not accepted", expect="401: tokens in URLs end up in logs",
      fix="read the token only from the Authorization header (RFC 6750 §2.3 discourages the query)")
def token_in_query(ctx: Context) -> Outcome:
    path = f"{ctx.protected}?{httpx.QueryParams({'access_token': ctx.ada.access_token})}"
    return all_rejected([ctx.send(path, describe="ada's token as ?access_token=")])


# --- identity: the right user, the right role -------------------------------------------------


@case("other-users-profile", group="identity", weight="required", needs=("owner",), credentials=CREDENTIALS,
      title="another user's id in the path is refused", expect="403 (or 404 where other users' resources are hidden)",
      fix="compare the token's sub with {user_id}; refuse when they differ")
def other_users_profile(ctx: Context) -> Outcome:
    exchange = ctx.send(ctx.owner_path(ctx.grace.id), as_user=ctx.ada,
                        describe=f"{ctx.credential_label(ctx.ada)} on grace's path")
    if is_accepted(exchange):
        return Outcome(False, [exchange], "served grace's resource to ada", culprit=exchange)
    return all_rejected([exchange])  # 403 or 404 is right; another 4xx is a wrong status, not a hole


@case("forged-sub-on-profile", group="identity", weight="required", needs=("owner",),
      title="a token whose sub was edited to another user is refused on that user's path",
      expect="401: the edit breaks the signature", fix="verify the signature before trusting sub")
def forged_sub(ctx: Context) -> Outcome:
    token = tamper(ctx.ada.access_token, sub=ctx.grace.id, id=ctx.grace.id)
    return _reject_all(ctx, {"ada's token edited to sub = grace": token}, ctx.owner_path(ctx.grace.id))


@case("non-admin-denied", group="identity", weight="required", needs=("admin",), credentials=CREDENTIALS,
      title="a user without the admin role is refused on the admin route (on each method it serves)",
      expect="403", fix="require the role from the verified token's role claim, on every method of the route")
def non_admin_denied(ctx: Context) -> Outcome:
    grace = ctx.credential_label(ctx.grace)
    exchanges = [ctx.send(ctx.admin, as_user=ctx.grace, describe=f"{grace} (role user)")]
    # The admin path's writes too, as its document lists them (DELETE left out: it would delete).
    for method in [m for m in ctx.routes.methods_at(ctx.admin) or () if m in ("POST", "PUT", "PATCH")]:
        exchanges.append(ctx.send(ctx.admin, method=method, json=ctx.routes.body(method, ctx.admin), as_user=ctx.grace,
                                  describe=f"{grace} (role user), {method} with the smallest body"))
    return all_rejected(exchanges)


@case("forged-role", group="identity", weight="required", needs=("admin",),
      title="a token whose role was edited to admin is refused on the admin route",
      expect="401 (bad signature) or 403", fix="verify the signature before reading role")
def forged_role(ctx: Context) -> Outcome:
    return _reject_all(ctx, {"grace's token edited to role admin": tamper(ctx.grace.access_token, role="admin")},
                       ctx.admin)


#: Roles that are not "admin" to Better Auth's admin plugin (it splits on "," and compares exactly),
#: each admitted by one loose match: substring, prefix/suffix, case folding, trimming, other separators.
NOT_ADMIN_ROLES = ("superadmin", "administrator", "not-admin", "admins", "Admin", "ADMIN", " admin", "admin ",
                   "admin\n", "user, admin", "user;admin", "user admin")


@case("role-matching-like-better-auth", group="identity", weight="required", needs=("admin",),
      title="roles match the way Better Auth's admin plugin matches them (split on ',', compared exactly)",
      expect="403 for 'superadmin', 'administrator', 'not-admin', 'Admin', ' admin', 'user, admin', …",
      fix="roles = role.split(','); allowed = 'admin' in roles — no substring test, no strip(), no lower()")
def role_matching(ctx: Context) -> Outcome:
    return _reject_all(ctx, {f"grace's token with role {value!r}": ctx.mint(GRACE, claims={"role": value})
                            for value in NOT_ADMIN_ROLES}, ctx.admin)


@case("role-list-accepted", group="identity", weight="advisory", needs=("admin",),
      title="a role list that holds admin ('user,admin', as the admin plugin stores several roles) is accepted",
      expect="2xx for 'user,admin'",
      fix="roles = role.split(','); allowed = 'admin' in roles")
def role_list_accepted(ctx: Context) -> Outcome:
    return all_accepted([ctx.send(ctx.admin, token=ctx.mint(GRACE, claims={"role": "user,admin"}),
                                  describe="grace's token with role 'user,admin'")])


# --- RFC 6750: say why -------------------------------------------------------------------------


@case("www-authenticate-missing-token", group="rfc6750", weight="advisory", credentials=("jwt", "bearer-session"),
      title="a request without credentials gets 401 and a Bearer challenge",
      expect="401 with 'WWW-Authenticate: Bearer' (RFC 6750 §3)",
      fix="raise HTTPException(401, headers={'WWW-Authenticate': 'Bearer'})")
def www_missing(ctx: Context) -> Outcome:
    exchange = ctx.send(ctx.protected, describe="no Authorization header")
    challenge = exchange.www_authenticate or ""
    if exchange.status != 401 or not challenge.lower().startswith("bearer"):
        return Outcome(False, [exchange], f"answered {exchange.got} with WWW-Authenticate {challenge or 'absent'}")
    return Outcome(True, [exchange])


@case("www-authenticate-invalid-token", group="rfc6750", weight="advisory",
      title="a rejected token gets 401 with error=\"invalid_token\"",
      expect='401, WWW-Authenticate: Bearer error="invalid_token", error_description="…"',
      fix="put error=\"invalid_token\" and a short description in the challenge")
def www_invalid(ctx: Context) -> Outcome:
    exchange = ctx.send(ctx.protected, token=tamper(ctx.grace.access_token, role="admin"), describe="a tampered token")
    challenge = exchange.www_authenticate or ""
    if exchange.status != 401 or 'error="invalid_token"' not in challenge:
        return Outcome(False, [exchange], f"answered {exchange.got} with WWW-Authenticate {challenge or 'absent'}")
    return Outcome(True, [exchange])


@case("insufficient-scope-403", group="rfc6750", weight="advisory", needs=("admin",),
      title="a refused role gets 403 with error=\"insufficient_scope\"",
      expect='403, WWW-Authenticate: Bearer error="insufficient_scope"',
      fix="answer 403 (not 401) for an authenticated user lacking a role, with the challenge")
def insufficient_scope(ctx: Context) -> Outcome:
    exchange = ctx.send(ctx.admin, token=ctx.grace.access_token, describe="grace's token (role user)")
    challenge = exchange.www_authenticate or ""
    if exchange.status != 403 or 'error="insufficient_scope"' not in challenge:
        return Outcome(False, [exchange], f"answered {exchange.got} with WWW-Authenticate {challenge or 'absent'}")
    return Outcome(True, [exchange])


# --- CORS, from the frontend's origin and a foreign one ---------------------------------------------


def look_alikes(frontend: str) -> list[str]:
    """Origins a loose pattern (a regex without anchors or dots escaped, a prefix test) confuses with ``frontend``."""
    url = httpx.URL(frontend)
    port = f":{url.port}" if url.port else ""
    other = "https" if url.scheme == "http" else "http"
    first_label, _, rest = url.host.partition(".")
    templates = LOOK_ALIKE_ORIGINS
    if any(rest == domain or rest.endswith(f".{domain}") for domain in SHARED_HOSTING_DOMAINS):
        templates += SHARED_HOST_LOOK_ALIKES
    origins = [template.format(scheme=url.scheme, other_scheme=other, host=url.host, port=port,
                               first_label=first_label, rest=rest) for template in templates]
    return [origin for origin in dict.fromkeys(origins) if origin != frontend]


def _preflight(ctx: Context, origin: str, describe: str):
    return ctx.send(ctx.protected, method="OPTIONS", describe=describe, headers={
        "origin": origin, "access-control-request-method": ctx.protected_method,
        "access-control-request-headers": "authorization"})


@case("cors-preflight-frontend", group="cors", weight="advisory", needs=("frontend",), credentials=CREDENTIALS,
      title="the browser's preflight from the frontend origin, asking for Authorization, is allowed",
      expect="2xx, Access-Control-Allow-Origin = the frontend, Authorization in Access-Control-Allow-Headers",
      fix="CORSMiddleware(allow_origins=[frontend], allow_headers=['Authorization', 'Content-Type'], ...)")
def cors_preflight_frontend(ctx: Context) -> Outcome:
    origin = ctx.frontend_origin
    exchange = _preflight(ctx, origin, f"a preflight from {origin}")
    allowed_headers = [h.strip().lower() for h in exchange.headers.get("access-control-allow-headers", "").split(",")]
    if not (200 <= exchange.status < 300) or exchange.headers.get("access-control-allow-origin") != origin \
            or "authorization" not in allowed_headers:
        return Outcome(False, [exchange], f"answered {exchange.status}, allow-origin "
                       f"{exchange.headers.get('access-control-allow-origin')!r}, allow-headers {allowed_headers}")
    return Outcome(True, [exchange])


@case("cors-foreign-origin-with-credentials", group="cors", weight="required", needs=("frontend",),
      credentials=CREDENTIALS,
      title="a foreign origin is never allowed to read responses with credentials",
      expect="no Access-Control-Allow-Origin for https://evil.example, a look-alike of the frontend or null "
             "together with Allow-Credentials: true",
      fix="list origins exactly; never allow_origins=['*'] (or a reflecting regex, or 'null') with "
          "allow_credentials=True")
def cors_foreign_credentials(ctx: Context) -> Outcome:
    def allowed(exchange: Exchange, origin: str) -> bool:
        return exchange.headers.get("access-control-allow-origin") == origin and \
            exchange.headers.get("access-control-allow-credentials", "").lower() == "true"

    # The plain foreign origin first: an app that reflects any origin is reported as that, not as a look-alike.
    exchanges = [_preflight(ctx, FOREIGN_ORIGIN, f"a preflight from {FOREIGN_ORIGIN}"),
                 ctx.send(ctx.protected, as_user=ctx.ada,
                          describe=f"{ctx.credential_label(ctx.ada)} from {FOREIGN_ORIGIN}",
                          headers={"origin": FOREIGN_ORIGIN})]
    for exchange in exchanges:
        if allowed(exchange, FOREIGN_ORIGIN):
            return Outcome(False, exchanges, f"{exchange.method}: the foreign origin {FOREIGN_ORIGIN} is reflected "
                                             "with credentials", culprit=exchange)
    for origin in [*look_alikes(ctx.frontend_origin), NULL_ORIGIN]:
        exchanges.append(_preflight(ctx, origin, f"a preflight from {origin}"))
        if allowed(exchanges[-1], origin):
            what = "Origin: null (any sandboxed iframe, data: or file: page sends it)" if origin == NULL_ORIGIN \
                else f"the look-alike origin {origin}"
            return Outcome(False, exchanges, f"{what} is allowed with credentials", culprit=exchanges[-1])
    return Outcome(True, exchanges)


@case("cors-foreign-origin-refused", group="cors", weight="advisory", needs=("frontend",), credentials=CREDENTIALS,
      title="a foreign origin gets no CORS allowance at all", expect="no Access-Control-Allow-Origin for it",
      fix="allow only your frontend's origins")
def cors_foreign(ctx: Context) -> Outcome:
    exchange = _preflight(ctx, FOREIGN_ORIGIN, f"a preflight from {FOREIGN_ORIGIN}")
    allowed = exchange.headers.get("access-control-allow-origin")
    if allowed in (FOREIGN_ORIGIN, "*"):
        return Outcome(False, [exchange], f"Access-Control-Allow-Origin: {allowed}")
    return Outcome(True, [exchange])


@case("cors-401-readable", group="cors", weight="advisory", needs=("frontend",), credentials=CREDENTIALS,
      title="a 401 sent to the frontend carries CORS headers (the page can read why)",
      expect="401 with Access-Control-Allow-Origin = the frontend",
      fix="put CORSMiddleware outermost so error responses carry it too")
def cors_401(ctx: Context) -> Outcome:
    exchange = ctx.send(ctx.protected, describe=f"no token, from {ctx.frontend_origin}",
                        headers={"origin": ctx.frontend_origin})
    if exchange.status != 401 or exchange.headers.get("access-control-allow-origin") != ctx.frontend_origin:
        return Outcome(False, [exchange], f"answered {exchange.status} with allow-origin "
                                          f"{exchange.headers.get('access-control-allow-origin')!r}")
    return Outcome(True, [exchange])


# --- keys over time ---------------------------------------------------------------------------


@case("key-rotated-in", group="keys", weight="advisory",
      title="after the issuer rotates its key, a token signed with the new key is accepted",
      expect="2xx: an unknown kid triggers a JWKS refetch",
      fix="refetch the JWKS when a kid is unknown (rate-limited, a few seconds), instead of caching keys forever; "
          "PyJWKClient refuses to refetch within its cooldown after the last fetch")
def key_rotated_in(ctx: Context) -> Outcome:
    assert ctx.issuer.controls is not None
    # A token the app accepts (and may cache) before the rotation: key-rotated-out sends it again.
    before = ctx.mint()
    exchanges = [ctx.send(ctx.protected, token=before, describe="a token signed with the current key")]
    ctx.rotated_kid(ctx.issuer.controls.rotate_keys(keep_old=False))
    ctx.retired_token = before
    # Every later case uses tokens of the new key, as /api/auth/token now gives them.
    ctx.ada.access_token, ctx.grace.access_token = ctx.mint(ADA), ctx.mint(GRACE)
    # A backend may rate-limit JWKS refetches (the reference allows one per 5 s, lesson 06): a new
    # key must be accepted once that window has passed, so the case retries for a while.
    outcome = _accepted_within(ROTATION_WINDOW, lambda: ctx.send(ctx.protected, token=ctx.ada.access_token,
                                                                 describe="a token signed with the new key"))
    if not outcome.passed and outcome.culprit.status == 401:
        outcome.detail += f" (retried for {ROTATION_WINDOW:.0f} s)"
    return Outcome(outcome.passed, [*exchanges, *outcome.exchanges], outcome.detail, culprit=outcome.culprit)


@case("key-rotated-out", group="keys", weight="advisory",
      title="a token signed with a key the issuer no longer publishes is refused once the app has refetched",
      expect="401 unknown kid: a refetched key set replaces the old one, and no cached verdict outlives its key",
      fix="replace (do not merge) the key set on refetch; drop cached verdicts whose kid left the JWKS")
def key_rotated_out(ctx: Context) -> Outcome:
    if ctx.retired_token is None:
        return not_applicable("needs key-rotated-in, which retires the key")
    return _reject_all(ctx, {"a token (accepted before) whose key was rotated out of the JWKS": ctx.retired_token})


# --- robustness: any input gets a verdict --------------------------------------------------------


@case("malformed-tokens", group="robustness", weight="required",
      title="malformed tokens of every shape are refused without a crash", expect="4xx for each, never 5xx",
      fix="catch every decoding error (PyJWT raises InvalidTokenError subclasses) and answer 401")
def malformed_tokens(ctx: Context) -> Outcome:
    header, payload, signature = ctx.ada.access_token.split(".")

    def seg(value) -> str:
        return b64url_encode(json.dumps(value).encode())

    raw = [ctx.send(ctx.protected, headers={"authorization": "Bearer"}, describe="'Bearer' and no token"),
           ctx.send(ctx.protected, headers={"authorization": "Bearer é.é.é".encode()},
                    describe="non-ASCII UTF-8 bytes")]
    tokens = {
        "one word": "garbage",
        "two segments": f"{header}.{payload}",
        "four segments": f"{ctx.ada.access_token}.x",
        "only dots": "....",
        "non-base64 characters": "%%%.%%%.%%%",
        "a header that is JSON null": f"{seg(None)}.{payload}.{signature}",
        "a header that is a list": f"{seg(['EdDSA'])}.{payload}.{signature}",
        "a payload that is a list": f"{header}.{seg([1, 2])}.{signature}",
        "a payload that is not JSON": f"{header}.{b64url_encode(b'not json')}.{signature}",
        "a payload that is not UTF-8": f"{header}.{b64url_encode(bytes([0xff, 0xfe]))}.{signature}",
        "alg that is a number": f"{seg({'alg': 1, 'kid': ctx.kid})}.{payload}.{signature}",
        "kid that is an object": f"{seg({'alg': 'EdDSA', 'kid': {'$ne': ''}})}.{payload}.{signature}",
        "padded base64": f"{header}==.{payload}.{signature}",
        "the JSON serialization": json.dumps({"payload": payload, "signature": signature}),
        "deeply nested claims": forge_raw({"alg": "EdDSA", "kid": ctx.kid},
                                           b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}", ed25519(attacker_key())),
    }
    outcome = _reject_all(ctx, tokens, malformed=True)
    return all_rejected([*raw, *outcome.exchanges]) if outcome.passed else outcome


@case("oversized-token", group="robustness", weight="required",
      title="a 60 KB token is refused without a crash", expect="4xx (401, 413 or 431), never 5xx",
      fix="bound the token length before decoding")
def oversized(ctx: Context) -> Outcome:
    token = forge({"alg": "EdDSA", "kid": ctx.kid}, ctx.claims(padding="x" * 45_000), ed25519(attacker_key()))
    return _reject_all(ctx, {"a 60 KB token": token}, malformed=True)


@case("non-canonical-base64url", group="robustness", weight="advisory",
      title="a real token whose last signature character is re-spelled (same bytes) is refused",
      expect="401: one token, one spelling (RFC 7515 base64url without spare bits)",
      fix="refuse segments whose unused low bits are not zero (re-encode and compare, or a strict decoder)")
def non_canonical(ctx: Context) -> Outcome:
    token = ctx.ada.access_token
    respelled = _respell_last_char(token)
    if respelled is None:
        return not_applicable("this token's signature length leaves no spare bits")
    return _reject_all(ctx, {"ada's token with a re-spelled last signature character": respelled})


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _respell_last_char(token: str) -> str | None:
    spare_bits = {2: 4, 3: 2}.get(len(token.rpartition(".")[2]) % 4)
    if spare_bits is None:
        return None
    # Flipping the lowest spare bit keeps the decoded bytes: a lenient decoder ignores spare bits.
    return token[:-1] + _ALPHABET[_ALPHABET.index(token[-1]) ^ 1]


@case("no-server-errors", group="robustness", weight="required", credentials=CREDENTIALS,
      title="no request of this run got a 5xx", expect="every answer below 500",
      fix="a 500 is a crash: catch the error where the input is parsed and answer 4xx")
def no_server_errors(ctx: Context) -> Outcome:
    from .cases_keys import outage_exchanges  # (cases_keys registers its cases from this module)

    during_outage = {id(e) for e in outage_exchanges(ctx)}  # a 503 then is the outage's, reported there
    crashed = [e for e in ctx.exchanges if e.status >= 500 and id(e) not in during_outage]
    if crashed:
        return Outcome(False, crashed,
                       f"{len(crashed)} request(s) got a 5xx, first: {crashed[0].sent} ({crashed[0].got})")
    return Outcome(True, [])


# Cases in their own modules register here, before no-server-errors, which reads every answer.
from . import (  # noqa: E402,F401
    cases_delivery,
    cases_identity,
    cases_keys,
    cases_open,
    cases_routes,
    cases_sessions,
    cases_time,
    cases_writes,
)

# Report order: each group where it first appears, a family's cases inside their group, no-server-errors last.
# The keys group (rotation, outages) changes the issuer's keys for the rest of the run, so it runs after
# every case that needs a valid token: a correct app whose JWKS client refetches at most every 30 s
# (PyJWKClient's default) would otherwise refuse the later cases' new-key tokens.
_GROUPS = list(dict.fromkeys(c.group for c in CASES))
CASES.sort(key=lambda c: (c.id == "no-server-errors", c.group == "keys", _GROUPS.index(c.group)))
CASE_IDS = tuple(c.id for c in CASES)
