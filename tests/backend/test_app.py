"""The backend's routes against a fake issuer on loopback: the happy paths and the answer shapes."""

from __future__ import annotations


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_public_needs_no_token(api):
    response = api.get("/api/public")
    assert response.status_code == 200
    assert response.json()["authenticated"] is False


def test_me_returns_the_typed_user(api, issuer):
    response = api.get("/api/me", headers=bearer(issuer.mint()))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "user-ada"
    assert body["email"] == "ada@example.com"
    assert body["emailVerified"] is True
    assert body["role"] == "admin"
    assert body["softwareBackground"] == "Advanced"


def test_missing_token_is_a_bare_challenge(api):
    response = api.get("/api/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["reason"] == "missing_token"


def test_invalid_token_has_rfc6750_challenge(api, issuer):
    response = api.get("/api/me", headers=bearer(issuer.mint(exp=int(issuer.clock.now()) - 60)))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="the token expired 60 s ago"'
    )
    assert response.json() == {"detail": "the token expired 60 s ago", "reason": "expired"}


def test_profile_of_self_and_of_another_user(api, issuer):
    token = issuer.mint()
    assert api.get("/api/users/user-ada/profile", headers=bearer(token)).json()["id"] == "user-ada"
    response = api.get("/api/users/user-grace/profile", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["reason"] == "user_mismatch"
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')


def test_admin_stats_needs_the_admin_role(api, issuer):
    assert api.get("/api/admin/stats", headers=bearer(issuer.mint())).status_code == 200
    response = api.get("/api/admin/stats", headers=bearer(issuer.mint(role="user")))
    assert response.status_code == 403
    assert response.json()["reason"] == "missing_role"
    assert api.get("/api/admin/stats", headers=bearer(issuer.mint(role="user,admin"))).status_code == 200


def test_personalized_uses_custom_fields_with_defaults(api, issuer):
    body = api.get("/api/personalized", headers=bearer(issuer.mint())).json()
    assert body["interestArea"] == "Robotics"
    assert body["level"] == "advanced"
    plain = issuer.mint(softwareBackground=None, hardwareBackground=None, interestArea=None, role=None)
    body = api.get("/api/personalized", headers=bearer(plain)).json()
    assert (body["softwareBackground"], body["hardwareBackground"], body["interestArea"]) == (
        "Beginner",
        "None",
        "General",
    )
    assert body["level"] == "guided"


def test_openapi_declares_the_bearer_scheme(api):
    schema = api.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"HTTPBearer": []} in schema["paths"]["/api/me"]["get"]["security"]
