"""The exported backend against a fake Better Auth: what it accepts, and each rejection's answer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Annotated

import pytest
from better_auth_backend import BackendSettings, CurrentUser, User, create_app, require_role
from conftest import NOW, AppClient, FrozenClock, bearer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends

CHALLENGE = 'Bearer error="invalid_token", error_description='


def rejected(response, reason: str, status: int = 401) -> None:
    assert response.status_code == status, response.text
    assert response.json()["reason"] == reason, response.json()
    if status == 401:
        assert response.headers["www-authenticate"].startswith(CHALLENGE)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_better_auth_jwt_is_accepted(client, better_auth):
    response = client.get("/api/me", headers=bearer(better_auth.mint()))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "user-ada" and response.json()["email"] == "ada@example.com"
    assert better_auth.jwks_fetches == 1


def test_no_token_is_a_bare_challenge(client):
    response = client.get("/api/me")
    assert (response.status_code, response.json()["reason"]) == (401, "missing_token")
    assert response.headers["www-authenticate"] == "Bearer"


def test_public_needs_nothing(client):
    assert client.get("/api/public").status_code == 200


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"exp": int(NOW) - 1}, "expired"),
        ({"iat": int(NOW) + 60}, "issued_in_future"),
        ({"aud": "http://attacker.example"}, "wrong_audience"),
        ({"iss": "http://attacker.example"}, "wrong_issuer"),
        ({"sub": None}, "missing_claim"),
        ({"exp": 10**400}, "invalid_claim"),
        ({"exp": "never"}, "invalid_claim"),
        ({"exp": True}, "invalid_claim"),
    ],
)
def test_claims_are_checked(client, better_auth, overrides, reason):
    rejected(client.get("/api/me", headers=bearer(better_auth.mint(**overrides))), reason)


def test_alg_none_and_hmac_are_refused(client, better_auth):
    header = b64url(json.dumps({"alg": "none", "kid": better_auth.kid}).encode())
    payload = b64url(json.dumps(better_auth.claims()).encode())
    rejected(client.get("/api/me", headers=bearer(f"{header}.{payload}.")), "unsupported_algorithm")
    hs_header = b64url(json.dumps({"alg": "HS256", "kid": better_auth.kid}).encode())
    signing_input = f"{hs_header}.{payload}"
    signature = b64url(hmac.new(json.dumps(better_auth.jwks).encode(), signing_input.encode(), hashlib.sha256).digest())
    rejected(client.get("/api/me", headers=bearer(f"{signing_input}.{signature}")), "unsupported_algorithm")


def test_a_foreign_key_or_a_tampered_payload_is_a_bad_signature(client, better_auth):
    rejected(client.get("/api/me", headers=bearer(better_auth.mint(key=Ed25519PrivateKey.generate()))), "bad_signature")
    header, _, signature = better_auth.mint().split(".")
    forged = b64url(json.dumps(better_auth.claims(sub="user-grace")).encode())
    rejected(client.get("/api/me", headers=bearer(f"{header}.{forged}.{signature}")), "bad_signature")


def test_one_token_one_spelling(client, better_auth):
    header, payload, signature = better_auth.mint().split(".")
    respelled = signature[:-1] + {"A": "B", "Q": "R", "g": "h", "w": "x"}[signature[-1]]
    rejected(client.get("/api/me", headers=bearer(f"{header}.{payload}.{respelled}")), "non_canonical_encoding")


def test_an_unknown_kid_and_an_injected_jwk_are_refused(client, better_auth):
    rejected(client.get("/api/me", headers=bearer(better_auth.mint(header={"kid": "k" * 32}))), "unknown_kid")
    attacker = Ed25519PrivateKey.generate()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}
    rejected(
        client.get("/api/me", headers=bearer(better_auth.mint(key=attacker, header={"jwk": jwk}))), "forbidden_header"
    )


@pytest.mark.parametrize(
    "role, status", [("admin", 200), ("user,admin", 200), ("user, admin", 403), ("admin\n", 403), ("user", 403)]
)
def test_roles_match_as_better_auth_matches_them(client, better_auth, role, status):
    response = client.get("/api/admin/stats", headers=bearer(better_auth.mint(role=role)))
    assert response.status_code == status, response.text


def test_another_users_profile_is_403(client, better_auth):
    assert client.get("/api/users/user-ada/profile", headers=bearer(better_auth.mint())).status_code == 200
    rejected(client.get("/api/users/user-grace/profile", headers=bearer(better_auth.mint())), "user_mismatch", 403)


def test_sessions_are_validated_by_get_session(client, better_auth):
    session_token = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    rejected(client.get("/api/session/me", headers=bearer(session_token)), "invalid_session")
    better_auth.session_body = {
        "session": {"id": "s1", "userId": "user-ada", "expiresAt": "2026-01-08T09:00:00.000Z"},
        "user": {"id": "user-ada", "email": "ada@example.com"},
    }
    response = client.get("/api/session/me", headers=bearer(session_token))
    assert (response.status_code, response.json()["id"]) == (200, "user-ada")
    # The JWT is not a session token, and the session token is not a JWT.
    rejected(client.get("/api/session/me", headers=bearer(better_auth.mint())), "wrong_token_type")
    rejected(client.get("/api/me", headers=bearer(session_token)), "session_token_not_jwt")


def test_better_auth_down_with_no_cached_key_is_503_not_401(client, better_auth):
    better_auth.down = True
    response = client.get("/api/me", headers=bearer(better_auth.mint()))
    rejected(response, "jwks_unavailable", 503)
    assert response.headers["retry-after"] == "5"


def test_a_symmetric_algorithm_is_refused_at_startup():
    with pytest.raises(ValueError, match="never with BETTER_AUTH_SECRET"):
        BackendSettings(better_auth_url="http://127.0.0.1:3000", algorithms=["HS256"])


def test_your_own_routes_as_the_readme_shows(better_auth):
    # README.md's example, in substance: the app from create_app takes your routes. (The names
    # are imported at module level: FastAPI resolves the string annotations in the module.)
    app = create_app(BackendSettings(better_auth_url=better_auth.url), clock=FrozenClock())

    @app.get("/api/orders")
    async def orders(user: CurrentUser) -> dict:
        return {"owner": user.id}

    @app.get("/api/admin/report")
    async def report(user: Annotated[User, Depends(require_role("admin"))]) -> dict:
        return {"by": user.id}

    client = AppClient(app)
    try:
        assert client.get("/api/orders", headers=bearer(better_auth.mint())).json() == {"owner": "user-ada"}
        assert client.get("/api/admin/report", headers=bearer(better_auth.mint(role="user"))).status_code == 403
        response = client.get("/api/orders")
        assert (response.status_code, response.json()["reason"]) == (401, "missing_token")
    finally:
        client.close()
