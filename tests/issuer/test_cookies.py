"""Cookie names and attributes, and the session cache cookie in its three strategies."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from playground.issuer import cookie_cache


def cache_options(strategy: str, **jwt_plugin) -> dict:
    options = {"session": {"cookieCache": {"enabled": True, "strategy": strategy, "maxAge": 300}}}
    if jwt_plugin:
        options["plugins"] = {"jwt": jwt_plugin}
    return options


def session_data(response) -> str:
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith("better-auth.session_data=")]
    assert cookie.endswith("; Max-Age=300; Path=/; HttpOnly; SameSite=Lax")
    return cookie.split(";")[0].split("=", 1)[1]


def test_https_base_url_gives_secure_prefixed_cookies(start_issuer):
    issuer = start_issuer(base_url="https://auth.example")
    response = issuer.sign_in()
    (cookie,) = response.headers.get_list("set-cookie")
    assert cookie.startswith("__Secure-better-auth.session_token=")
    assert cookie.endswith("; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax")


def test_cookie_prefix_and_use_secure_cookies(start_issuer):
    issuer = start_issuer(from_options={"advanced": {"useSecureCookies": True, "cookiePrefix": "myapp"}})
    (cookie,) = issuer.sign_in().headers.get_list("set-cookie")
    assert cookie.startswith("__Secure-myapp.session_token=") and "; Secure;" in cookie


def test_remember_me_false_makes_session_cookies(issuer):
    cookies = issuer.sign_in(rememberMe=False).headers.get_list("set-cookie")
    assert [c.split("=")[0] for c in cookies] == ["better-auth.session_token", "better-auth.dont_remember"]
    assert all("Max-Age" not in c for c in cookies)


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
def test_get_session_is_answered_from_the_cache(start_issuer, strategy):
    issuer = start_issuer(from_options=cache_options(strategy))
    token = issuer.sign_in().json()["token"]
    issuer.app.state.issuer.sessions.delete(token)  # gone from storage: only the cache knows it
    response = issuer.client.get("/get-session")
    body = response.json()
    assert body["session"]["token"] == token
    # zod re-parses cached rows, so their own fields come first (as in the real server).
    assert list(body["user"])[:3] == ["id", "createdAt", "updatedAt"]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
def test_tampered_cache_cookie_is_replaced(start_issuer, strategy):
    issuer = start_issuer(from_options=cache_options(strategy))
    response = issuer.sign_in()
    value = session_data(response)
    tampered = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    token_cookie = response.headers["set-cookie"].split(";")[0]
    response = issuer.fresh().client.get(
        "/get-session", headers={"Cookie": f"{token_cookie}; better-auth.session_data={tampered}"}
    )
    assert response.json()["user"]["email"] == "ada@example.com"  # answered from storage instead
    expired, fresh = response.headers.get_list("set-cookie")
    assert expired == "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    assert fresh.startswith("better-auth.session_data=") and tampered not in fresh


def test_compact_cache_is_base64url_json_with_hmac(start_issuer):
    issuer = start_issuer(from_options=cache_options("compact"))
    outer = json.loads(base64.urlsafe_b64decode(session_data(issuer.sign_in()) + "=="))
    assert list(outer) == ["session", "expiresAt", "signature"]
    assert list(outer["session"]) == ["session", "user", "updatedAt", "version"]
    assert outer["expiresAt"] - outer["session"]["updatedAt"] == 300_000


def test_jwt_cache_is_hs256_with_the_raw_secret(start_issuer):
    issuer = start_issuer(from_options=cache_options("jwt"))
    value = session_data(issuer.sign_in())
    assert jwt.get_unverified_header(value) == {"alg": "HS256"}
    claims = jwt.decode(value, issuer.config.secret, algorithms=["HS256"])
    assert list(claims) == ["session", "user", "updatedAt", "version", "iat", "exp"]


def test_jwe_cache_header_and_key(start_issuer):
    issuer = start_issuer(from_options=cache_options("jwe"))
    value = session_data(issuer.sign_in())
    parts = value.split(".")
    assert len(parts) == 5 and parts[1] == ""
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=="))
    assert list(header) == ["alg", "enc", "kid"] and header["alg"] == "dir" and header["enc"] == "A256CBC-HS512"
    assert cookie_cache._jwe_decrypt(value, "another-secret", issuer.config.clock.now()) is None


def test_jwt_plugin_session_cookie_cache_is_signed_with_the_jwks_key(start_issuer):
    issuer = start_issuer(from_options=cache_options("jwt", sessionCookieCache=True))
    value = session_data(issuer.sign_in())
    header = jwt.get_unverified_header(value)
    assert header["typ"] == "better-auth.session-cache+jwt"
    key = jwt.PyJWK(issuer.client.get("/jwks").json()["keys"][0])
    claims = jwt.decode(value, key, algorithms=["EdDSA"], audience="better-auth:session-cache", issuer=issuer.url)
    assert claims["sid"] == claims["session"]["token"] and claims["sub"] == claims["user"]["id"]


def test_session_cookie_cache_needs_the_jwt_strategy():
    from playground.issuer import IssuerConfig

    with pytest.raises(ValueError, match="strategy"):
        IssuerConfig.from_options(cache_options("compact", sessionCookieCache=True), base_url=None, secret="s" * 32)
