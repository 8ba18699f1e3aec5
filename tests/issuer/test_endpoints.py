"""The seven endpoints against a real loopback server: shapes, cookies, headers, JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import quote, unquote

import jwt
import pytest

ID = re.compile(r"^[A-Za-z0-9]{32}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
USER_KEYS = ["name", "email", "emailVerified", "createdAt", "updatedAt", "role",
             "softwareBackground", "hardwareBackground", "interestArea", "id"]
SESSION_KEYS = ["expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId", "id"]


def signature(secret: str, token: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()


def test_ok(issuer):
    response = issuer.client.get("/ok")
    assert (response.status_code, response.text) == (200, '{"ok":true}')
    assert response.headers["content-type"] == "application/json"


def test_sign_up_returns_token_user_and_signed_cookie(issuer):
    response = issuer.client.post(
        "/sign-up/email",
        json={"email": "New.User@Example.com", "password": "password1234", "name": "New", "interestArea": "AI"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["token", "user"]
    assert list(body["user"]) == [
        "name",
        "email",
        "emailVerified",
        "createdAt",
        "updatedAt",
        "role",
        "interestArea",
        "id",
    ]
    assert body["user"]["email"] == "new.user@example.com"  # Better Auth lower-cases emails
    assert body["user"]["role"] == "user"
    assert ID.match(body["token"]) and ID.match(body["user"]["id"]) and ISO.match(body["user"]["createdAt"])
    signed = f"{body['token']}.{signature(issuer.config.secret, body['token'])}"
    assert response.headers["set-cookie"] == (
        f"better-auth.session_token={quote(signed, safe='')}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
    )
    assert response.headers["set-auth-token"] == signed
    assert response.headers["access-control-expose-headers"] == "set-auth-token"


def test_role_cannot_be_chosen_at_sign_up(issuer):
    response = issuer.client.post(
        "/sign-up/email",
        json={"email": "mallory@example.com", "password": "password1234", "name": "M", "role": "admin"},
    )
    assert response.json()["user"]["role"] == "user"


def test_demo_users_sign_in_with_additional_fields(issuer):
    body = issuer.sign_in().json()
    assert list(body) == ["redirect", "token", "user"]
    assert body["redirect"] is False
    assert list(body["user"]) == USER_KEYS
    assert body["user"]["role"] == "admin" and body["user"]["interestArea"] == "Robotics"


def test_get_session_with_cookie_sets_jwt_header(issuer):
    issuer.sign_in()
    response = issuer.client.get("/get-session")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["session", "user"]
    assert list(body["session"]) == SESSION_KEYS
    assert body["session"]["userAgent"].startswith("python-httpx")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-expose-headers"] == "set-auth-jwt"
    token = response.headers["set-auth-jwt"]
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"


@pytest.mark.parametrize("form", ["signed", "raw", "percent-encoded"])
def test_get_session_with_bearer(issuer, form):
    signed = issuer.sign_in().headers["set-auth-token"]
    issuer.client.cookies.clear()
    value = {"signed": signed, "raw": signed.split(".")[0], "percent-encoded": quote(signed, safe="")}[form]
    response = issuer.client.get("/get-session", headers={"Authorization": f"Bearer {value}"})
    assert response.json()["user"]["email"] == "ada@example.com"


def test_bearer_with_bad_signature_is_ignored(issuer):
    token = issuer.sign_in().json()["token"]
    issuer.client.cookies.clear()
    forged = f"{token}.{signature('not-the-secret', token)}"
    response = issuer.client.get("/get-session", headers={"Authorization": f"Bearer {forged}"})
    assert (response.status_code, response.text) == (200, "null")
    assert issuer.client.get("/token", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_signed_out_get_session_is_null(issuer):
    response = issuer.client.get("/get-session")
    assert (response.status_code, response.text) == (200, "null")
    assert "set-auth-jwt" not in response.headers


def test_token_and_jwks_verify_with_pyjwt(issuer):
    issuer.sign_in()
    token = issuer.client.get("/token").json()["token"]
    header = jwt.get_unverified_header(token)
    assert list(header) == ["alg", "kid"] and ID.match(header["kid"])
    keys = issuer.client.get("/jwks").json()["keys"]
    assert [list(k) for k in keys] == [["alg", "crv", "x", "kty", "kid"]]
    assert keys[0]["kid"] == header["kid"] and keys[0]["crv"] == "Ed25519" and keys[0]["kty"] == "OKP"
    claims = jwt.decode(
        token, jwt.PyJWK(keys[0]), algorithms=["EdDSA"], issuer=issuer.url, audience=issuer.url,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    assert list(claims) == ["iat", *USER_KEYS, "sub", "exp", "iss", "aud"]
    assert claims["sub"] == claims["id"] and claims["exp"] - claims["iat"] == 900
    assert claims["role"] == "admin" and claims["softwareBackground"] == "Advanced"


def test_token_without_session_is_401(issuer):
    response = issuer.client.get("/token")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


def test_sign_out_ends_session_but_not_the_jwt(issuer):
    issuer.sign_in()
    token = issuer.client.get("/token").json()["token"]
    response = issuer.client.post("/sign-out", headers={"Origin": issuer.url})
    assert response.json() == {"success": True}
    assert response.headers.get_list("set-cookie") == [
        f"better-auth.{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        for name in ("session_token", "session_data", "dont_remember")
    ]
    assert issuer.client.get("/get-session").text == "null"
    # A JWT cannot be revoked: it still verifies until exp.
    key = jwt.PyJWK(issuer.client.get("/jwks").json()["keys"][0])
    assert jwt.decode(token, key, algorithms=["EdDSA"], audience=issuer.url)["email"] == "ada@example.com"


def test_sign_out_with_cookie_needs_trusted_origin(issuer):
    issuer.sign_in()
    response = issuer.client.post("/sign-out")
    assert (response.status_code, response.json()["code"]) == (403, "MISSING_OR_NULL_ORIGIN")
    response = issuer.client.post("/sign-out", headers={"Origin": "http://evil.example"})
    assert (response.status_code, response.json()["code"]) == (403, "INVALID_ORIGIN")
    assert issuer.client.get("/get-session").json() is not None


def test_cookie_value_is_percent_decoded_before_checking(issuer):
    response = issuer.sign_in()
    raw_cookie = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert "%2B" in raw_cookie or "%2F" in raw_cookie or "%3D" in raw_cookie
    assert unquote(raw_cookie) == response.headers["set-auth-token"]


def test_wrong_password_and_unknown_user_look_the_same(issuer):
    wrong = issuer.client.post("/sign-in/email", json={"email": "ada@example.com", "password": "nope-nope-nope"})
    unknown = issuer.client.post(
        "/sign-in/email", json={"email": "who@example.com", "password": issuer.config.demo_password}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json() == unknown.json() == {"message": "Invalid email or password", "code": "INVALID_EMAIL_OR_PASSWORD"}
    )


def test_duplicate_email_is_422(issuer):
    response = issuer.client.post(
        "/sign-up/email", json={"email": "ADA@example.com", "password": "password1234", "name": "Ada again"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
