"""No byte a client sends becomes a 5xx, and no string Better Auth signs does either.

Each class here was a 500 or a misreported 503 once: a non-ASCII byte in the session cookie or in
a Bearer session token (httpx refused the header when the backend forwarded it), CR/LF escapes in a
quoted cookie (an "outage"), a lone UTF-16 surrogate in a claim or in get-session's user (pydantic
and Starlette could not write it). The bytes go over a real socket, exactly as a client sent them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

import httpx
import pytest
from fake_issuer import b64url, sign_ed25519

from playground.backend import create_app

SESSION = "better-auth.session_token"
LIVE_SESSION = {"id": "s1", "userId": "user-ada", "expiresAt": "2099-01-01T00:00:00.000Z"}

#: Credential bytes that no header to Better Auth may carry, as raw header bytes after the name.
UNFORWARDABLE = {
    "utf-8 letter": "ab\u00e9cd".encode(),
    "latin-1 byte": b"ab\xe9cd",
    "utf-8 emoji": "a\U0001f600b".encode(),
    # Raw control bytes never reach the app (the HTTP parser answers 400); a quoted cookie's
    # octal escapes do, unescaped by Starlette's cookie parser.
    "quoted nul escape": b'"ab\\000cd"',
    "quoted escape-sequence": b'"ab\\033[31mcd"',
    "quoted del escape": b'"ab\\177cd"',
    "quoted CR/LF escapes": b'"ab\\015\\012cd"',
    "quoted LF escape": b'"ab\\012Set-Cookie: x=1"',
    "quoted tab": b'"ab\\011cd"',
    "backslash": b'"ab\\\\cd"',
    "double quote": b'"ab\\"cd"',
    "comma": b"ab,cd",
}


@pytest.fixture
def secret() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def api(issuer, clock, serve, secret) -> httpx.Client:
    return serve(create_app(issuer.settings(better_auth_secret=secret), clock=clock))


def refused_as_malformed(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == "malformed"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize("raw", UNFORWARDABLE.values(), ids=UNFORWARDABLE.keys())
def test_an_unforwardable_session_cookie_is_a_401_not_a_5xx(api, issuer, raw):
    issuer.session_body = json.dumps({"session": LIVE_SESSION, "user": {"id": "user-ada"}})
    refused_as_malformed(api.get("/api/session/me", headers={"Cookie": SESSION.encode() + b"=" + raw}))


@pytest.mark.parametrize("raw", UNFORWARDABLE.values(), ids=UNFORWARDABLE.keys())
def test_an_unforwardable_bearer_session_token_is_a_401_not_a_5xx(api, issuer, raw):
    issuer.session_body = json.dumps({"session": LIVE_SESSION, "user": {"id": "user-ada"}})
    refused_as_malformed(api.get("/api/session/me", headers={"Authorization": b"Bearer " + raw.strip(b'"')}))


@pytest.mark.parametrize("raw", UNFORWARDABLE.values(), ids=UNFORWARDABLE.keys())
def test_unforwardable_bytes_on_the_jwt_routes_and_the_middleware_are_401(issuer, clock, serve, raw):
    api = serve(create_app(issuer.settings(jwt_cookie_name="jwt"), clock=clock, auth_middleware=True))
    for headers in ({"Authorization": b"Bearer " + raw}, {"Cookie": b"jwt=" + raw}):
        response = api.get("/api/me", headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_refusal_says_why_and_asks_better_auth_nothing(issuer, clock, serve):
    app = create_app(issuer.settings(), clock=clock)
    api = serve(app)
    for raw in UNFORWARDABLE.values():
        response = api.get("/api/session/me", headers={"Cookie": SESSION.encode() + b"=" + raw})
        refused_as_malformed(response)
        assert "cannot be forwarded" in response.json()["detail"]
    assert app.state.session_validator.calls == 0


def test_get_session_user_fields_with_surrogates_and_controls_are_carried_through(api, issuer):
    user = {
        "id": "user-ada",
        "name": "Ada \ud800 Lovelace",
        "image": "\udfff",
        "email": "ada@example.com\x00",
        "interestArea": "\x1b[31mRobotics\u202e",
        "x-\udc00": "\u0000\u0085",
        "nested": {"k\ud83d": ["\ud800", {"\udfff": 1}]},
    }
    issuer.session_body = json.dumps({"session": LIVE_SESSION, "user": user})
    response = api.get("/api/session/me", headers={"Cookie": f"{SESSION}=abcd"})
    assert response.status_code == 200, response.text
    body = json.loads(response.content)
    for name in ("name", "image", "email", "interestArea"):
        assert body[name] == user[name]  # the same string, surrogates and all, as JSON escapes
    # A key pydantic cannot hold is kept under its escaped spelling, never dropped silently.
    assert body["x-\\udc00"] == "\u0000\u0085"
    assert body["nested"] == {"k\\ud83d": ["\ud800", {"\\udfff": 1}]}


def test_a_signed_token_with_surrogates_verifies_and_serialises(api, issuer):
    token = issuer.mint(name="a\ud800b", image="\udc00", interestArea="AI\ud800", **{"odd\udfff": "\x07"})
    me = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert json.loads(me.content)["name"] == "a\ud800b"
    assert json.loads(me.content)["odd\\udfff"] == "\x07"
    personalized = api.get("/api/personalized", headers={"Authorization": f"Bearer {token}"})
    assert personalized.status_code == 200
    assert json.loads(personalized.content)["greeting"] == "Hello, a\ud800b!"
    profile = api.get("/api/users/user-ada/profile", headers={"Authorization": f"Bearer {token}"})
    assert json.loads(profile.content)["name"] == "a\ud800b"


def test_ordinary_non_ascii_is_still_written_as_utf8(api, issuer):
    token = issuer.mint(name="Ada Lovelace \u00e9\u4e2d")
    me = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert "Ada Lovelace \u00e9\u4e2d".encode() in me.content  # not escaped: only surrogates are


def test_a_surrogate_in_an_unverified_header_is_a_401(api, issuer):
    # The alg is echoed in the refusal ("alg ... is not allowed"): the answer must still be written.
    token = sign_ed25519({"alg": "\ud800", "kid": issuer.kid}, issuer.claims(), issuer.key)
    response = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["reason"]) == (401, "unsupported_algorithm")


def test_a_cookie_cache_with_surrogates_is_read(api, issuer, clock, secret):
    now = int(clock.now())
    payload = {
        "session": LIVE_SESSION,
        "user": {"id": "user-ada", "name": "\ud800", "k\udc00": "v"},
        "iat": now,
        "exp": now + 300,
    }
    signing_input = f"{b64url({'alg': 'HS256'})}.{b64url(payload)}"
    signature = b64url(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())
    response = api.get(
        "/api/session/cached", headers={"Cookie": f"better-auth.session_data={signing_input}.{signature}"}
    )
    assert response.status_code == 200, response.text
    assert json.loads(response.content)["name"] == "\ud800"


def test_a_503_tells_the_client_only_what_it_may_know(issuer, clock, serve, caplog):
    api = serve(create_app(issuer.settings(), clock=clock))
    issuer.stop()
    with caplog.at_level("WARNING", logger="playground.backend.errors"):
        response = api.get("/api/session/me", headers={"Cookie": f"{SESSION}=abcd"})
    assert response.status_code == 503
    assert response.json() == {
        "detail": "authentication is temporarily unavailable",
        "reason": "session_service_unavailable",
    }
    assert response.headers["retry-after"] == "5"
    assert issuer.url not in response.text
    assert "get-session" in caplog.text  # the operator's details are in the log


def test_the_documented_way_to_write_a_user_yourself_carries_a_surrogate():
    from playground.backend import User

    user = User.from_claims({"sub": "u1", "name": "a\ud800b", "k\udc00": "\x00"})
    written = json.dumps(user.model_dump(mode="json", by_alias=True))  # what user.py's docstring says
    assert json.loads(written)["name"] == "a\ud800b" and json.loads(written)["k\\udc00"] == "\x00"
