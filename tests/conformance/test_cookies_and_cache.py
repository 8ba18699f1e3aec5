"""Session cookies and the session cookie cache (compact, jwt, jwe, jwt plugin) on both servers."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest

from . import credentials, observe
from .compare import BOTH, conforms
from .flows import AUTH, bearer, signed_in
from .observe import parse_set_cookie

CACHE_SETS = ["cookie-cache-compact", "cookie-cache-jwt", "cookie-cache-jwe", "jwt-session-cookie-cache"]


def cache_lifecycle(target):
    client, signed = signed_in(target)
    session = client.get(f"{AUTH}/get-session")
    again = client.get(f"{AUTH}/get-session")  # served from the cache cookie
    out = client.post(f"{AUTH}/sign-out")
    return {
        "sign-in": observe.exchange(signed),
        "get-session": observe.exchange(session),
        "get-session again": observe.exchange(again),
        "sign-out": observe.exchange(out),
        "get-session after sign-out": observe.exchange(client.get(f"{AUTH}/get-session")),
    }


@pytest.mark.node
@pytest.mark.parametrize("option_set", CACHE_SETS)
def test_cookie_cache_lifecycle_conforms(pool, option_set):
    expected, _ = conforms(pool, option_set, cache_lifecycle)
    assert "better-auth.session_data" in expected["sign-in"]["cookies"]


def cookie_from(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        cookie_name, value, _ = parse_set_cookie(header)
        if cookie_name == name:
            return value
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


@pytest.mark.parametrize("kind", BOTH)
def test_session_cookie_is_token_dot_hmac_of_the_secret(pool, kind):
    target = pool.get(kind, "default")
    _, signed = signed_in(target)
    value = cookie_from(signed, "better-auth.session_token")
    assert unquote(value).split(".")[0] == signed.json()["token"]
    assert credentials.session_cookie_is_signed(value, target.secret)
    assert not credentials.session_cookie_is_signed(value, target.secret + "x")
    assert signed.headers["set-auth-token"] == unquote(value)


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
@pytest.mark.parametrize("kind", BOTH)
def test_cache_cookie_opens_with_the_secret(pool, kind, strategy):
    target = pool.get(kind, f"cookie-cache-{strategy}")
    _, signed = signed_in(target)
    value = cookie_from(signed, "better-auth.session_data")
    token, user_id = signed.json()["token"], signed.json()["user"]["id"]
    if strategy == "compact":
        document = credentials.decode_compact_cache(value, target.secret)
        data = document["session"]
        with pytest.raises(ValueError):
            credentials.decode_compact_cache(value, target.secret + "x")
    elif strategy == "jwt":
        data = credentials.decode_jwt_cache(value, target.secret)
        assert observe.jwt_parts(value)[0] == {"alg": "HS256"}
        assert {"iat", "exp"} <= set(data) and not {"iss", "aud", "sub"} & set(data)
    else:
        header, data = credentials.decrypt_jwe_cache(value, target.secret)
        assert header["kid"] == credentials.jwk_thumbprint_of_oct(credentials.jwe_key(target.secret))
        with pytest.raises(ValueError):
            credentials.decrypt_jwe_cache(value, target.secret + "x")
    assert data["session"]["token"] == token
    assert data["user"]["id"] == user_id
    assert data["version"] == "1"


@pytest.mark.parametrize("kind", BOTH)
def test_jwt_plugin_cache_cookie_verifies_with_the_jwks(pool, kind):
    target = pool.get(kind, "jwt-session-cookie-cache")
    _, signed = signed_in(target)
    value = cookie_from(signed, "better-auth.session_data")
    header, _ = observe.jwt_parts(value)
    assert header["typ"] == "better-auth.session-cache+jwt"
    jwks = httpx.get(f"{target.url}{AUTH}/jwks").json()
    claims = credentials.verify_with_jwks(value, jwks, issuer=target.base_url, audience="better-auth:session-cache")
    assert claims["sub"] == signed.json()["user"]["id"]
    assert claims["sid"] == signed.json()["token"]


def secure_prefixed(target):
    client, signed = signed_in(target)
    name = "__Secure-myapp.session_token"
    value = cookie_from(signed, name)
    # httpx, like a browser, keeps a Secure cookie off plain http: send it by hand.
    by_hand = target.client(headers={"cookie": f"{name}={value}"})
    plain_name = target.client(headers={"cookie": f"myapp.session_token={value}"})
    return {
        "sign-in": observe.exchange(signed),
        "get-session with the prefixed cookie": observe.exchange(by_hand.get(f"{AUTH}/get-session")),
        "get-session with the unprefixed name": observe.exchange(plain_name.get(f"{AUTH}/get-session")),
        "sign-out": observe.exchange(by_hand.post(f"{AUTH}/sign-out")),
    }


@pytest.mark.node
def test_secure_prefixed_cookies_conform(pool):
    expected, _ = conforms(pool, "secure-prefixed-cookies", secure_prefixed)
    assert expected["sign-in"]["cookies"]["__Secure-myapp.session_token"]["secure"] is True


def require_signature(target):
    _, signed = signed_in(target)
    return {
        "raw token": observe.exchange(
            target.client().get(f"{AUTH}/get-session", headers=bearer(signed.json()["token"]))
        ),
        "signed token": observe.exchange(
            target.client().get(f"{AUTH}/get-session", headers=bearer(signed.headers["set-auth-token"]))
        ),
    }


@pytest.mark.node
def test_bearer_require_signature_conforms(pool):
    expected, _ = conforms(pool, "require-signature", require_signature)
    assert expected["raw token"]["body"] == "null"
