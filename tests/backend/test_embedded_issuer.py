"""End to end against the embedded Better Auth stand-in (playground.issuer), over HTTP only.

The backend is configured with nothing but the issuer's URL (and, for the secret-based paths,
the shared secret), exactly as it would be against the real Better Auth.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from playground.auth_server import EMBEDDED, start_auth_server
from playground.backend import BackendSettings, create_app
from playground.clock import Clock
from playground.servers import ServerThread

PASSWORD = "pw-" + secrets.token_urlsafe(12)


class Stack:
    def __init__(self, session_cache_ttl: float = 0, options: dict | None = None) -> None:
        self.clock = Clock.frozen()
        self.issuer = start_auth_server(EMBEDDED, clock=self.clock, demo_password=PASSWORD, options=options)
        self.secret = self.issuer.secret
        self.auth_url = self.issuer.url
        settings = BackendSettings(better_auth_url=self.auth_url, better_auth_secret=self.secret,
                                   session_cache_ttl=session_cache_ttl)
        self.app = create_app(settings, clock=self.clock)
        self.backend = ServerThread(self.app, name="backend").start()
        self.auth = httpx.Client(base_url=self.auth_url + "/api/auth", timeout=10)
        self.api = httpx.Client(base_url=self.backend.url, timeout=10)

    def sign_in(self, email="ada@example.com") -> httpx.Response:
        self.auth.cookies.clear()  # a fresh browser for each sign-in
        response = self.auth.post(
            "/sign-in/email", json={"email": email, "password": PASSWORD}, headers={"Origin": self.auth_url}
        )
        assert response.status_code == 200, response.text
        return response

    def jwt(self) -> str:
        return self.auth.get("/token").json()["token"]

    def stop(self) -> None:
        self.auth.close()
        self.api.close()
        self.backend.stop()
        self.issuer.stop()


@pytest.fixture
def stack():
    running = []

    def start(**settings) -> Stack:
        running.append(Stack(**settings))
        return running[-1]

    yield start
    for s in running:
        s.stop()


@pytest.fixture(scope="module")
def shared():
    """One stack for the tests that neither move its clock nor stop it (startup hashes passwords)."""
    s = Stack()
    yield s
    s.stop()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def cookie(name, value):
    return {"Cookie": f"{name}={value}"}


def test_the_jwt_from_token_endpoint_is_accepted(shared):
    s = shared
    s.sign_in()
    me = s.api.get("/api/me", headers=bearer(s.jwt()))
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["email"] == "ada@example.com"
    assert body["role"] == "admin"
    assert body["softwareBackground"] == "Advanced"
    assert s.api.get("/api/admin/stats", headers=bearer(s.jwt())).status_code == 200
    assert s.api.get(f"/api/users/{body['id']}/profile", headers=bearer(s.jwt())).status_code == 200


def test_the_set_auth_jwt_header_is_accepted_and_grace_is_no_admin(shared):
    s = shared
    s.sign_in("grace@example.com")
    token = s.auth.get("/get-session").headers["set-auth-jwt"]
    assert s.api.get("/api/me", headers=bearer(token)).json()["role"] == "user"
    response = s.api.get("/api/admin/stats", headers=bearer(token))
    assert (response.status_code, response.json()["reason"]) == (403, "missing_role")


def test_the_jwt_expires_on_the_shared_clock(stack):
    s = stack()
    s.sign_in()
    token = s.jwt()
    s.clock.shift(15 * 60)
    assert s.api.get("/api/me", headers=bearer(token)).json()["reason"] == "expired"


def test_session_token_and_cookie_are_not_access_tokens(shared):
    s = shared
    signed_in = s.sign_in()
    session_token = signed_in.json()["token"]
    assert s.api.get("/api/me", headers=bearer(session_token)).json()["reason"] == "session_token_not_jwt"
    set_auth_token = signed_in.headers["set-auth-token"]
    assert s.api.get("/api/me", headers=bearer(set_auth_token)).json()["reason"] == "session_token_not_jwt"


def test_session_validation_by_get_session(shared):
    s = shared
    signed_in = s.sign_in()
    session_cookie = s.auth.cookies.get("better-auth.session_token")
    by_cookie = s.api.get("/api/session/me", headers=cookie("better-auth.session_token", session_cookie))
    assert by_cookie.status_code == 200, by_cookie.text
    assert by_cookie.json()["email"] == "ada@example.com"
    by_bearer = s.api.get("/api/session/me", headers=bearer(signed_in.headers["set-auth-token"]))
    assert by_bearer.json()["email"] == "ada@example.com"
    jwt_instead = s.api.get("/api/session/me", headers=bearer(s.auth.get("/token").json()["token"]))
    assert (jwt_instead.status_code, jwt_instead.json()["reason"]) == (401, "wrong_token_type")
    assert "not a Better Auth session token" in jwt_instead.headers["www-authenticate"]
    # Signed out: get-session no longer knows it (no cache in this stack: session_cache_ttl=0).
    assert s.auth.post("/sign-out", headers={"Origin": s.auth_url}).status_code == 200
    response = s.api.get("/api/session/me", headers=cookie("better-auth.session_token", session_cookie))
    assert (response.status_code, response.json()["reason"]) == (401, "invalid_session")


def test_a_forged_session_cookie_is_refused_without_asking_better_auth(shared):
    s = shared
    s.sign_in()
    token = s.auth.cookies.get("better-auth.session_token").split(".")[0]
    forged = token + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    response = s.api.get("/api/session/me", headers=cookie("better-auth.session_token", forged))
    assert (response.status_code, response.json()["reason"]) == (401, "bad_signature")
    calls = s.app.state.session_validator.calls
    response = s.api.get("/api/session/me", headers=cookie("better-auth.session_token", forged))
    assert response.json()["reason"] == "bad_signature"
    assert s.app.state.session_validator.calls == calls


def test_session_validation_when_better_auth_is_down(stack):
    s = stack()
    s.sign_in()
    session_cookie = s.auth.cookies.get("better-auth.session_token")
    s.issuer.stop()
    response = s.api.get("/api/session/me", headers=cookie("better-auth.session_token", session_cookie))
    assert (response.status_code, response.json()["reason"]) == (503, "session_service_unavailable")


def test_the_jwt_cookie_cache(stack):
    s = stack(options={"session": {"cookieCache": {"enabled": True, "strategy": "jwt"}}})
    s.sign_in()
    s.auth.get("/get-session")
    data = s.auth.cookies.get("better-auth.session_data")
    assert data
    cached = s.api.get("/api/session/cached", headers=cookie("better-auth.session_data", data))
    assert cached.status_code == 200, cached.text
    assert cached.json()["email"] == "ada@example.com"
    assert s.api.get("/api/me", headers=bearer(data)).json()["reason"] == "cookie_cache_token"
    s.clock.shift(301)
    expired = s.api.get("/api/session/cached", headers=cookie("better-auth.session_data", data))
    assert expired.json()["reason"] == "expired"


def test_the_get_session_cache_is_short_and_success_only(stack):
    s = stack(session_cache_ttl=30)
    s.sign_in()
    session_cookie = cookie("better-auth.session_token", s.auth.cookies.get("better-auth.session_token"))
    validator = s.app.state.session_validator
    assert s.api.get("/api/session/me", headers=session_cookie).status_code == 200
    assert s.api.get("/api/session/me", headers=session_cookie).status_code == 200
    assert validator.calls == 1
    # The documented trade-off: within the cache TTL a signed-out session is still accepted.
    assert s.auth.post("/sign-out", headers={"Origin": s.auth_url}).status_code == 200
    assert s.api.get("/api/session/me", headers=session_cookie).status_code == 200
    # Failures are never cached: an unknown (validly signed) session asks Better Auth every time.
    from playground.backend.sessions import sign_session_token

    unknown = cookie("better-auth.session_token", sign_session_token("x" * 32, s.secret))
    for _ in range(2):
        assert s.api.get("/api/session/me", headers=unknown).json()["reason"] == "invalid_session"
    assert validator.calls == 3


def test_cookie_cache_checks_with_the_secret():
    import jwt as pyjwt

    from playground.backend.errors import InvalidTokenError, Reason
    from playground.backend.sessions import verify_cookie_cache_jwt

    clock, secret = Clock.frozen(), secrets.token_urlsafe(32)
    now = int(clock.now())
    session = {"id": "s1", "token": "t" * 32, "userId": "u1", "expiresAt": "2026-01-08T09:00:00.000Z"}
    payload = {
        "session": session,
        "user": {"id": "u1", "email": "a@example.com"},
        "updatedAt": 1,
        "iat": now,
        "exp": now + 300,
    }
    good = pyjwt.encode(payload, secret, algorithm="HS256")
    assert verify_cookie_cache_jwt(good, secret, clock=clock)["user"]["id"] == "u1"
    cases = {
        pyjwt.encode(payload, secrets.token_urlsafe(32), algorithm="HS256"): Reason.BAD_SIGNATURE,
        pyjwt.encode(payload | {"exp": now - 1}, secret, algorithm="HS256"): Reason.EXPIRED,
        pyjwt.encode(
            payload | {"session": session | {"expiresAt": "2025-12-31T00:00:00Z"}}, secret, algorithm="HS256"
        ): Reason.EXPIRED,
        pyjwt.encode(payload | {"user": {"email": "no-id"}}, secret, algorithm="HS256"): Reason.INVALID_SESSION,
        good.rsplit(".", 1)[0] + ".": Reason.BAD_SIGNATURE,
        "not-a-jwt": Reason.MALFORMED,
    }
    for token, reason in cases.items():
        with pytest.raises(InvalidTokenError) as caught:
            verify_cookie_cache_jwt(token, secret, clock=clock)
        assert caught.value.reason is reason, token
