"""Lesson 07's helpers: each secret-based credential read back from a real auth server (the
embedded issuer; the real Better Auth too when Node is installed), and every forgery refused."""

from __future__ import annotations

import base64
import json
import secrets
from types import SimpleNamespace
from urllib.parse import unquote

import httpx
import pytest

from playground.backend.errors import InvalidTokenError
from playground.backend.sessions import verify_cookie_cache_jwt
from playground.clock import Clock
from playground.lessons.credentials import (
    decrypt_jwe_cache,
    start_issuer_like,
    verify_compact_cache,
    verify_hs256_jwt,
)

READERS = {"compact": verify_compact_cache, "jwt": verify_cookie_cache_jwt, "jwe": decrypt_jwe_cache}
HS256_OPTIONS = {"plugins": {"jwt": {"sign": "hs256-secret", "jwks": {
    "remoteUrl": "https://keys.example.com/api/auth/jwks", "keyPairConfig": {"alg": "EdDSA"}}}}}


def fake_playground(real: bool) -> SimpleNamespace:
    return SimpleNamespace(issuer_clock=None if real else Clock.frozen(), secret=secrets.token_urlsafe(32),
                           demo_password="demo-" + secrets.token_urlsafe(12))


def signed_in_cookies(server, password: str) -> httpx.Cookies:
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        response = client.post("/api/auth/sign-in/email", headers={"origin": server.url},
                               json={"email": "grace@example.com", "password": password})
        assert response.status_code == 200
        return client.cookies


def cache_cookie(pg, strategy: str) -> str:
    server = start_issuer_like(pg, {"session": {"cookieCache": {"enabled": True, "strategy": strategy}}})
    try:
        return signed_in_cookies(server, pg.demo_password)["better-auth.session_data"]
    finally:
        server.stop()


def clock_for(pg) -> Clock:
    return Clock.frozen(pg.issuer_clock.now()) if pg.issuer_clock is not None else Clock.system()


def flip_last_char(value: str) -> str:
    """Change one character in the middle of the last segment (the signature or tag). Not the
    very last character: its low bits are base64 padding, so changing it may change no byte."""
    head, dot, last = value.rpartition(".")
    middle = len(last) // 2
    changed = last[:middle] + ("A" if last[middle] != "A" else "B") + last[middle + 1:]
    return head + dot + changed


@pytest.fixture(scope="module")
def embedded():
    return fake_playground(real=False)


@pytest.fixture(scope="module")
def caches(embedded):
    """One signed-in ``session_data`` cookie per strategy (an issuer start costs ~2 s here)."""
    return {strategy: cache_cookie(embedded, strategy) for strategy in READERS}


@pytest.mark.parametrize("strategy", sorted(READERS))
def test_each_cookie_cache_strategy_is_read_with_the_secret(embedded, caches, strategy):
    value = caches[strategy]
    payload = READERS[strategy](value, embedded.secret, clock=clock_for(embedded))
    assert payload["user"]["email"] == "grace@example.com"
    assert isinstance(payload["session"]["token"], str)


@pytest.mark.parametrize("strategy", sorted(READERS))
def test_a_wrong_secret_or_a_changed_byte_is_refused(embedded, caches, strategy):
    value = caches[strategy]
    clock = clock_for(embedded)
    with pytest.raises(InvalidTokenError) as wrong_secret:
        READERS[strategy](value, secrets.token_urlsafe(32), clock=clock)
    assert wrong_secret.value.reason == "bad_signature"
    with pytest.raises(InvalidTokenError):
        READERS[strategy](flip_last_char(value), embedded.secret, clock=clock)


def test_a_compact_cache_with_an_edited_user_is_refused(embedded, caches):
    value = caches["compact"]
    outer = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    outer["session"]["user"]["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(outer).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidTokenError) as refused:
        verify_compact_cache(forged, embedded.secret, clock=clock_for(embedded))
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize("strategy", sorted(READERS))
def test_an_expired_cache_is_refused(embedded, caches, strategy):
    value = caches[strategy]
    later = clock_for(embedded)
    later.shift(301)  # maxAge is 300 s
    with pytest.raises(InvalidTokenError) as expired:
        READERS[strategy](value, embedded.secret, clock=later)
    assert expired.value.reason == "expired"


def test_custom_hs256_signing_verifies_with_the_secret_and_hides_the_jwks(embedded):
    server = start_issuer_like(embedded, HS256_OPTIONS)
    try:
        with httpx.Client(base_url=server.url, cookies=signed_in_cookies(server, embedded.demo_password)) as client:
            assert client.get("/api/auth/jwks").status_code == 404
            token = client.get("/api/auth/token").json()["token"]
    finally:
        server.stop()
    clock = clock_for(embedded)
    claims = verify_hs256_jwt(token, embedded.secret, issuer=server.url, audience=server.url, clock=clock)
    assert claims["email"] == "grace@example.com"
    with pytest.raises(InvalidTokenError) as wrong_secret:
        verify_hs256_jwt(token, secrets.token_urlsafe(32), issuer=server.url, audience=server.url, clock=clock)
    assert wrong_secret.value.reason == "bad_signature"
    with pytest.raises(InvalidTokenError) as wrong_audience:
        verify_hs256_jwt(token, embedded.secret, issuer=server.url, audience="https://other.example", clock=clock)
    assert wrong_audience.value.reason == "wrong_audience"
    clock.shift(900)
    with pytest.raises(InvalidTokenError) as expired:
        verify_hs256_jwt(token, embedded.secret, issuer=server.url, audience=server.url, clock=clock)
    assert expired.value.reason == "expired"


def test_an_unsigned_token_is_not_taken_for_hs256(embedded):
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(b'{"sub":"x"}').rstrip(b"=").decode()
    with pytest.raises(InvalidTokenError) as refused:
        verify_hs256_jwt(f"{header}.{body}.", embedded.secret, issuer="i", audience="a", clock=Clock.system())
    assert refused.value.reason == "unsupported_algorithm"


@pytest.mark.node
def test_the_real_better_auth_cookie_caches_read_the_same():
    pg = fake_playground(real=True)
    for strategy, reader in READERS.items():
        value = cache_cookie(pg, strategy)
        assert reader(unquote(value), pg.secret, clock=Clock.system())["user"]["email"] == "grace@example.com"


def test_an_https_base_url_gives_secure_cookie_names(embedded):
    server = start_issuer_like(embedded, base_url="https://auth.example.com")
    try:
        with httpx.Client(base_url=server.url, timeout=10.0) as client:
            response = client.post("/api/auth/sign-in/email", headers={"origin": "https://auth.example.com"},
                                   json={"email": "grace@example.com", "password": embedded.demo_password})
    finally:
        server.stop()
    assert response.status_code == 200
    (cookie,) = response.headers.get_list("set-cookie")
    assert cookie.startswith("__Secure-better-auth.session_token=") and "; Secure" in cookie


def test_without_a_base_url_the_host_header_decides_the_issuer(embedded):
    server = start_issuer_like(embedded, base_url=None)
    try:
        with httpx.Client(base_url=server.url, timeout=10.0, headers={"host": "attacker.example"}) as client:
            signed_in = client.post("/api/auth/sign-in/email", headers={"origin": "http://attacker.example"},
                                    json={"email": "grace@example.com", "password": embedded.demo_password})
            token = client.get("/api/auth/token", headers={
                "authorization": f"Bearer {signed_in.headers['set-auth-token']}"}).json()["token"]
    finally:
        server.stop()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["iss"] == claims["aud"] == "http://attacker.example"
