"""The attack corpus: one test per known way to get a bad JWT accepted.

Every case asserts the exact reason code, that the token is not accepted, and that the answer is
a 4xx with the RFC 6750 challenge — never a 5xx. The backend is configured as in production
(EdDSA only, issuer/audience derived from BETTER_AUTH_URL) and runs on a real loopback server.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from fake_issuer import b64url, forge, hmac_token, random_kid, sign_ed25519

from playground.backend import create_app
from playground.backend.errors import InvalidTokenError
from playground.backend.verify import TokenVerifier, VerifiedToken, decode_unverified, verify_signature
from playground.servers import ServerThread

CHALLENGE = 'Bearer error="invalid_token", error_description='


def rejected(api, token: str, reason: str, *, path: str = "/api/me", headers: dict | None = None):
    response = api.get(path, headers=headers if headers is not None else {"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == reason, response.json()
    assert response.headers["www-authenticate"].startswith(CHALLENGE)
    return response


def test_control_a_good_token_is_accepted(api, issuer):
    # Without this, every rejection below could be a misconfigured backend rejecting everything.
    assert api.get("/api/me", headers={"Authorization": f"Bearer {issuer.mint()}"}).status_code == 200


# --- algorithm -------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_in_every_spelling(api, issuer, alg):
    rejected(api, forge({"alg": alg, "kid": issuer.kid}, issuer.claims()), "unsupported_algorithm")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize("secret_form", ["raw", "pem", "jwk_x", "jwks_json"])
def test_hmac_key_confusion_with_the_public_key(api, issuer, alg, secret_form):
    public = issuer.key.public_key()
    secret = {
        "raw": public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        "pem": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk_x": issuer.published[0]["x"].encode(),
        "jwks_json": json.dumps({"keys": issuer.published}).encode(),
    }[secret_form]
    rejected(api, hmac_token({"alg": alg, "kid": issuer.kid}, issuer.claims(), secret), "unsupported_algorithm")


@pytest.mark.parametrize(
    "alg, key",
    [
        ("RS256", rsa.generate_private_key(65537, 2048)),
        ("PS256", rsa.generate_private_key(65537, 2048)),
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
    ],
)
def test_other_asymmetric_algorithms_when_eddsa_is_configured(api, issuer, alg, key):
    rejected(api, issuer.mint(key=key, alg=alg), "unsupported_algorithm")


def test_missing_alg(api, issuer):
    token = issuer.mint()
    header = {"kid": issuer.kid}
    rejected(api, b64url(header) + token[token.index(".") :], "unsupported_algorithm")


# --- signature -------------------------------------------------------------------------------


def test_tampered_payload_with_the_old_signature(api, issuer):
    header, _, signature = issuer.mint(sub="user-grace", id="user-grace").split(".")
    rejected(api, f"{header}.{b64url(issuer.claims(role='admin'))}.{signature}", "bad_signature")


def test_stripped_signature(api, issuer):
    header, payload, _ = issuer.mint().split(".")
    rejected(api, f"{header}.{payload}.", "bad_signature")


def test_signature_of_wrong_length(api, issuer):
    header, payload, signature = issuer.mint().split(".")
    rejected(api, f"{header}.{payload}.{signature[:40]}", "bad_signature")


def test_foreign_key_with_a_valid_looking_kid(api, issuer):
    rejected(api, issuer.mint(key=ed25519.Ed25519PrivateKey.generate()), "bad_signature")


# --- kid -------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [{"alg": "EdDSA"}, {"alg": "EdDSA", "kid": None}], ids=["absent", "null"])
def test_missing_kid(api, issuer, header):
    rejected(api, sign_ed25519(header, issuer.claims(), issuer.key), "missing_kid")


def test_unknown_kid(api, issuer):
    rejected(api, issuer.mint(header={"kid": random_kid()}), "unknown_kid")


@pytest.mark.parametrize("kid", ["../../../../etc/passwd", "' OR '1'='1' --", "/dev/null", "%00", "a" * 256])
def test_kid_injection(api, issuer, kid):
    rejected(api, issuer.mint(header={"kid": kid}), "unknown_kid")


@pytest.mark.parametrize("kid", [123, ["x"], "", "a" * 257, "tab\there", "caf\u00e9"])
def test_kid_not_a_short_printable_string(api, issuer, kid):
    rejected(api, forge({"alg": "EdDSA", "kid": kid}, issuer.claims()), "malformed")


# --- headers that choose their own key ----------------------------------------------------------


def test_embedded_jwk(api, issuer):
    attacker = ed25519.Ed25519PrivateKey.generate()
    raw = attacker.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    rejected(api, issuer.mint(key=attacker, header={"kid": issuer.kid, "jwk": jwk}), "forbidden_header")


@pytest.mark.parametrize(
    "name, value",
    [
        ("jku", "http://attacker.example/jwks.json"),
        ("x5u", "http://attacker.example/cert.pem"),
        ("x5c", ["MIIBszCCAVmgAwIBAgIU"]),
    ],
)
def test_key_url_and_certificate_headers(api, issuer, name, value):
    rejected(api, issuer.mint(header={"kid": issuer.kid, name: value}), "forbidden_header")


@pytest.mark.parametrize("crit", [["exp"], ["http://example.com/unknown"], ["b64"], []])
def test_unknown_crit(api, issuer, crit):
    rejected(api, issuer.mint(header={"kid": issuer.kid, "crit": crit}), "unsupported_critical_header")


# --- time ------------------------------------------------------------------------------------


def test_expired(api, issuer):
    rejected(api, issuer.mint(exp=int(issuer.clock.now()) - 1), "expired")


def test_expires_exactly_now(api, issuer):
    rejected(api, issuer.mint(exp=int(issuer.clock.now())), "expired")


def test_nbf_in_the_future(api, issuer):
    rejected(api, issuer.mint(nbf=int(issuer.clock.now()) + 60), "not_yet_valid")


def test_iat_in_the_future(api, issuer):
    rejected(api, issuer.mint(iat=int(issuer.clock.now()) + 60), "issued_in_future")


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["1767258000", True, None, [1]])
def test_time_claims_that_are_not_numbers(api, issuer, claim, value):
    claims = issuer.claims()
    claims[claim] = value
    rejected(api, issuer.mint(claims), "invalid_claim")


# --- required and addressed claims -------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud", "iss"])
def test_missing_claim(api, issuer, claim):
    rejected(api, issuer.mint(**{claim: None}), "missing_claim")


@pytest.mark.parametrize(
    "make_issuer",
    [
        lambda url: "http://attacker.example",
        lambda url: url + "/",
        lambda url: url + "/api/auth",
        lambda url: url + ".attacker.example",
        lambda url: url[:-1],
        lambda url: url.upper(),
        lambda url: [url],
        lambda url: "",
    ],
    ids=["other", "trailing-slash", "with-path", "suffix", "prefix", "case", "list", "empty"],
)
def test_wrong_issuer(api, issuer, make_issuer):
    token = sign_ed25519({"alg": "EdDSA", "kid": issuer.kid}, issuer.claims(iss=make_issuer(issuer.url)), issuer.key)
    rejected(api, token, "wrong_issuer")


@pytest.mark.parametrize(
    "make_audience",
    [
        lambda url: "http://attacker.example",
        lambda url: url + "/",
        lambda url: ["http://a.example", "http://b.example"],
        lambda url: [],
        lambda url: "",
        lambda url: 42,
        lambda url: [[url]],
    ],
    ids=["other", "trailing-slash", "list-without-ours", "empty-list", "empty", "number", "nested"],
)
def test_wrong_audience(api, issuer, make_audience):
    rejected(api, issuer.mint(aud=make_audience(issuer.url)), "wrong_audience")


def test_audience_list_with_ours_is_accepted(api, issuer):
    token = issuer.mint(aud=["http://other.example", issuer.url])
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("sub", ["", 123, ["user-ada"], {"id": "user-ada"}, True])
def test_sub_empty_or_not_a_string(api, issuer, sub):
    rejected(api, issuer.mint(sub=sub), "invalid_claim")


# --- other Better Auth credentials presented as access tokens -------------------------------------


def test_cookie_cache_jwt_hs256_strategy(api, issuer):
    # session.cookieCache.strategy = "jwt" without the jwt plugin: HS256 with the raw secret.
    secret = base64.b64encode(b"test-only-" + issuer.kid.encode())
    payload = {"session": {"id": "s1", "userId": "user-ada"}, "user": {"id": "user-ada"}, "updatedAt": 1}
    now = int(issuer.clock.now())
    token = hmac_token({"alg": "HS256"}, payload | {"iat": now, "exp": now + 300}, secret)
    rejected(api, token, "cookie_cache_token")


def test_cookie_cache_jwt_signed_with_the_jwks_key(api, issuer):
    # jwt({ sessionCookieCache: true }): same key as access tokens, told apart by typ and aud.
    claims = issuer.claims(aud="better-auth:session-cache", iss=issuer.url)
    header = {"kid": issuer.kid, "typ": "better-auth.session-cache+jwt"}
    rejected(api, issuer.mint(claims, header=header), "cookie_cache_token")


def test_cookie_cache_audience_without_typ(api, issuer):
    rejected(api, issuer.mint(aud="better-auth:session-cache"), "cookie_cache_token")


@pytest.mark.parametrize("typ", ["JWE", "dpop+jwt", "better-auth.other"])
def test_other_token_types(api, issuer, typ):
    rejected(api, issuer.mint(header={"kid": issuer.kid, "typ": typ}), "wrong_token_type")


@pytest.mark.parametrize("form", ["raw", "signed", "percent-encoded"])
def test_opaque_session_token(api, form):
    token = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    # These signature bytes encode to base64 containing "+" and "/", which a cookie jar
    # hands over percent-encoded (%2B, %2F, %3D): all three forms are the same credential.
    signature = base64.b64encode(b"\xfb\xff\xbf" * 10 + b"\x01\x02").decode()
    assert "+" in signature and "/" in signature
    if form == "signed":
        token += "." + signature
    elif form == "percent-encoded":
        token += "." + urllib.parse.quote(signature, safe="")
    rejected(api, token, "session_token_not_jwt")


# --- structure -------------------------------------------------------------------------------


def test_json_serialization(api, issuer):
    header, payload, signature = issuer.mint().split(".")
    general = json.dumps({"payload": payload, "signatures": [{"protected": header, "signature": signature}]})
    rejected(api, general, "malformed")


@pytest.mark.parametrize("char", ["+", "/", "=", "!", "~", " "])
def test_non_base64url_characters(api, issuer, char):
    header, payload, signature = issuer.mint().split(".")
    rejected(api, f"{header}.{payload[:10]}{char}{payload[10:]}.{signature}", "malformed")


def test_padded_base64(api, issuer):
    header, payload, signature = issuer.mint().split(".")
    rejected(api, f"{header}==.{payload}.{signature}", "malformed")


@pytest.mark.parametrize("count", [1, 2, 4, 5])
def test_wrong_number_of_segments(api, issuer, count):
    segments = issuer.mint().split(".")
    segments = (segments * 2)[:count]
    rejected(api, ".".join(segments) if count != 1 else segments[0] + "x", "malformed")


@pytest.mark.parametrize("part", [0, 1])
@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\xfd", b"{not json", b"[1, 2]", b'"a string"', b"", b"null"],
    ids=["utf8", "json", "array", "string", "empty", "null"],
)
def test_invalid_utf8_or_json_in_header_or_payload(api, issuer, part, content):
    segments = issuer.mint().split(".")
    segments[part] = b64url(content)
    rejected(api, ".".join(segments), "malformed")


def test_oversized_token(api, issuer):
    rejected(api, issuer.mint(padding="x" * 9000), "token_too_large")


# --- how the token travels ----------------------------------------------------------------------


def missing(api, reason: str, **request):
    response = api.get("/api/me", **request)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"  # no error code: nothing usable was sent
    assert response.json()["reason"] == reason
    return response


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT", "Bearer-ish", "Digest"])
def test_scheme_other_than_bearer(api, issuer, scheme):
    missing(api, "unsupported_scheme", headers={"Authorization": f"{scheme} {issuer.mint()}"})


def test_bare_token_without_scheme(api, issuer):
    missing(api, "unsupported_scheme", headers={"Authorization": issuer.mint()})


@pytest.mark.parametrize("value", ["Bearer", "bearer", "BEARER"])
def test_empty_bearer(api, value):
    missing(api, "missing_token", headers={"Authorization": value})


def test_lowercase_bearer_scheme_is_accepted(api, issuer):
    # RFC 7235: the scheme is case-insensitive.
    assert api.get("/api/me", headers={"Authorization": f"bearer {issuer.mint()}"}).status_code == 200


@pytest.mark.parametrize("param", ["access_token", "token", "jwt"])
def test_token_in_the_query_string(api, issuer, param):
    missing(api, "token_in_query", params={param: issuer.mint()})


def test_another_users_token_on_a_profile(api, issuer):
    response = api.get("/api/users/user-grace/profile", headers={"Authorization": f"Bearer {issuer.mint()}"})
    assert response.status_code == 403
    assert response.json()["reason"] == "user_mismatch"
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')


def late_rejections(issuer) -> dict[str, str]:
    """Genuinely signed tokens that fail only a check made *after* the signature: the ones a cache
    written too early (or written on failure) would remember as successes. Token -> reason."""
    now = int(issuer.clock.now())
    header = {"alg": "EdDSA", "kid": issuer.kid}
    return {
        issuer.mint(exp=now - 1): "expired",
        issuer.mint(nbf=now + 60): "not_yet_valid",
        issuer.mint(iat=now + 60): "issued_in_future",
        issuer.mint(aud="http://attacker.example"): "wrong_audience",
        sign_ed25519(header, issuer.claims(iss="http://attacker.example"), issuer.key): "wrong_issuer",
        issuer.mint(sub=""): "invalid_claim",
        issuer.mint(exp="2026-01-01T09:15:00Z"): "invalid_claim",
        issuer.mint(sub=None): "missing_claim",
    }


def assert_no_rejection_is_cached(api, issuer, cache) -> None:
    control = issuer.mint(user_id="user-cached")
    assert api.get("/api/me", headers={"Authorization": f"Bearer {control}"}).status_code == 200
    assert control in cache  # the cache is on and observed: an absence below means something
    for token, reason in late_rejections(issuer).items():
        for _ in range(2):  # the second answer would be the one served from a cache
            rejected(api, token, reason)
        assert token not in cache, reason


def test_no_rejection_was_cached_as_a_success(api, issuer, backend):
    assert_no_rejection_is_cached(api, issuer, backend[0].state.verifier.cache)


class CachesBeforeTheClaimChecks(TokenVerifier):
    """Mutant: stores a token once its signature verifies, before the claims are checked."""

    async def verify(self, token: str) -> VerifiedToken:
        decoded = decode_unverified(token)
        verify_signature(decoded, await self.key_source.get_key(decoded.header["kid"]))
        self.cache.put(token, VerifiedToken(header=decoded.header, claims=decoded.claims))
        return await super().verify(token)


class CachesFailures(TokenVerifier):
    """Mutant: remembers a rejected token as if it had passed."""

    async def verify(self, token: str) -> VerifiedToken:
        try:
            return await super().verify(token)
        except InvalidTokenError:
            decoded = decode_unverified(token)
            self.cache.put(token, VerifiedToken(header=decoded.header, claims=decoded.claims))
            raise


@pytest.mark.parametrize("mutant", [CachesBeforeTheClaimChecks, CachesFailures])
def test_the_cache_check_catches_a_verifier_that_caches_rejections(issuer, mutant):
    # The check above must be able to fail: against each way of getting it wrong, it does.
    app = create_app(issuer.settings(), clock=issuer.clock)
    real = app.state.authenticator.verifier
    app.state.authenticator.verifier = mutant(
        real.key_source, issuer=real.issuer, audience=real.audience, algorithms=real.algorithms,
        clock=real.clock, cache=real.cache,
    )
    server = ServerThread(app, name="mutant").start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client, pytest.raises(AssertionError):
            assert_no_rejection_is_cached(client, issuer, real.cache)
    finally:
        server.stop()


@pytest.mark.parametrize("part", [0, 1])
def test_duplicate_member_names(api, issuer, part):
    # {"alg":"none","alg":"EdDSA"}: another parser might read the first one; refuse both.
    segments = issuer.mint().split(".")
    segments[part] = b64url(b'{"alg":"none","alg":"EdDSA","kid":"k","sub":"a","sub":"b"}')
    rejected(api, ".".join(segments), "malformed")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "lone surrogate"])
def test_claims_in_anything_but_utf8_are_refused_even_when_signed(api, issuer, encoding):
    # RFC 7515: the JOSE header and (here) the claims are UTF-8 JSON. json.loads(bytes) would also
    # take a BOM, UTF-16 and UTF-32: one token, several readings.
    text = json.dumps(issuer.claims() | {"name": "Ada"})
    if encoding == "lone surrogate":  # UTF-8's encoding of U+D800, which UTF-8 forbids
        raw = text.replace('"Ada"', '"Ada\udcff"').encode("utf-8", "surrogateescape").replace(b"\xff", b"\xed\xa0\x80")
    else:
        raw = text.encode(encoding)
    assert json.loads(raw)["sub"] == issuer.claims()["sub"]  # what json.loads(bytes) makes of it
    signing_input = f"{b64url({'alg': 'EdDSA', 'kid': issuer.kid})}.{b64url(raw)}"
    rejected(api, signing_input + "." + b64url(issuer.key.sign(signing_input.encode())), "malformed")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_constants(api, issuer, constant):
    claims = json.dumps(issuer.claims()).replace(f'"exp": {issuer.claims()["exp"]}', f'"exp": {constant}')
    rejected(api, sign_ed25519_raw(issuer, claims), "malformed")


def sign_ed25519_raw(issuer, payload_text: str) -> str:
    signing_input = f"{b64url({'alg': 'EdDSA', 'kid': issuer.kid})}.{b64url(payload_text)}"
    return signing_input + "." + b64url(issuer.key.sign(signing_input.encode()))


def test_deeply_nested_json(api, issuer):
    segments = issuer.mint().split(".")
    segments[1] = b64url("[" * 2000 + "]" * 2000)  # deeper than Python's recursion limit, under the size cap
    segments[2] = ""
    rejected(api, ".".join(segments), "malformed")
