"""End to end against the real better-auth from npm (node server.mjs), configured only by URL.

Skipped with the launcher's reason when Node or node_modules is missing.
"""

from __future__ import annotations

import base64
import json
import secrets

import httpx
import pytest

from playground import doctor
from playground.auth_server import REAL, start_auth_server
from playground.backend import BackendSettings, create_app
from playground.servers import ServerThread

pytestmark = pytest.mark.node  # skipped with the launcher's reason (tests/conftest.py), a failure in CI

PASSWORD = "pw-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def real():
    server = start_auth_server(REAL, demo_password=PASSWORD)
    settings = BackendSettings(better_auth_url=server.url, better_auth_secret=server.secret, session_cache_ttl=0)
    backend = ServerThread(create_app(settings), name="backend").start()
    auth = httpx.Client(base_url=server.url + "/api/auth", timeout=10)
    api = httpx.Client(base_url=backend.url, timeout=10)
    yield server, auth, api
    auth.close()
    api.close()
    backend.stop()
    server.stop()


def sign_in(server, auth, email="ada@example.com") -> httpx.Response:
    auth.cookies.clear()
    response = auth.post("/sign-in/email", json={"email": email, "password": PASSWORD}, headers={"Origin": server.url})
    assert response.status_code == 200, response.text
    return response


def test_real_jwt_is_accepted_with_custom_fields(real):
    server, auth, api = real
    sign_in(server, auth)
    token = auth.get("/token").json()["token"]
    me = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert (me.json()["email"], me.json()["role"]) == ("ada@example.com", "admin")
    assert me.json()["softwareBackground"] == "Advanced"
    assert doctor.diagnose(token, jwks_url=server.url + "/api/auth/jwks").accepted


def test_real_set_auth_jwt_and_grace_is_not_admin(real):
    server, auth, api = real
    sign_in(server, auth, "grace@example.com")
    token = auth.get("/get-session").headers["set-auth-jwt"]
    response = api.get("/api/admin/stats", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["reason"]) == (403, "missing_role")


def test_real_session_credentials(real):
    server, auth, api = real
    signed_in = sign_in(server, auth)
    assert api.get("/api/me", headers={"Authorization": f"Bearer {signed_in.json()['token']}"}).json()["reason"] == (
        "session_token_not_jwt"
    )
    cookie = auth.cookies.get("better-auth.session_token")
    by_cookie = api.get("/api/session/me", headers={"Cookie": f"better-auth.session_token={cookie}"})
    assert by_cookie.status_code == 200, by_cookie.text
    by_bearer = api.get("/api/session/me", headers={"Authorization": f"Bearer {signed_in.headers['set-auth-token']}"})
    assert by_bearer.json()["email"] == "ada@example.com"
    assert auth.post("/sign-out", headers={"Origin": server.url}).status_code == 200
    after = api.get("/api/session/me", headers={"Cookie": f"better-auth.session_token={cookie}"})
    assert (after.status_code, after.json()["reason"]) == (401, "invalid_session")


def test_a_user_the_real_better_auth_signs_with_lone_surrogates_is_served(real):
    """Better Auth accepts a lone UTF-16 surrogate in a profile field and signs it into the JWT (as
    the JSON escape ``\\ud800``); the backend verifies it and writes it back, never a 500, on the
    JWT routes and on the session routes (get-session returns the same user)."""
    server, auth, api = real
    email = f"surrogate-{secrets.token_hex(4)}@example.com"
    profile = {"name": "Ada \ud800", "image": "\udc00", "interestArea": "\x1b[31mAI\u202e"}
    body = {"email": email, "password": PASSWORD, **profile}
    auth.cookies.clear()
    signed_up = auth.post("/sign-up/email", content=json.dumps(body),
                          headers={"Origin": server.url, "content-type": "application/json"})
    assert signed_up.status_code == 200, signed_up.text
    token = auth.get("/token").json()["token"]
    assert b"\\ud800" in base64.urlsafe_b64decode(token.split(".")[1] + "==")  # what Better Auth signed
    for path in ("/api/me", "/api/personalized", "/api/session/me"):
        credential = token if path != "/api/session/me" else signed_up.headers["set-auth-token"]
        response = api.get(path, headers={"Authorization": f"Bearer {credential}"})
        assert response.status_code == 200, (path, response.text)
        served = json.loads(response.content)
        if path == "/api/personalized":
            assert served["greeting"] == "Hello, Ada \ud800!"
        else:
            assert {k: served[k] for k in profile} == profile
