"""Configuration: secret and base URL resolution, option tree validation, Host-header behaviour."""

from __future__ import annotations

import warnings

import jwt
import pytest

from playground.issuer import (
    DefaultSecretWarning,
    IssuerConfig,
    resolve_base_url,
    resolve_secret,
    resolve_trusted_origins,
)
from playground.issuer.config import DEFAULT_SECRET


def test_secret_precedence_mirrors_better_auth():
    env = {"BETTER_AUTH_SECRET": "from-env", "AUTH_SECRET": "from-auth-secret"}
    assert resolve_secret(env, option="from-option") == "from-option"
    assert resolve_secret(env) == "from-env"
    assert resolve_secret({"AUTH_SECRET": "from-auth-secret"}) == "from-auth-secret"


def test_missing_secret_falls_back_to_the_public_default_loudly():
    with pytest.warns(DefaultSecretWarning, match="public default secret"):
        assert resolve_secret({}) == DEFAULT_SECRET == "better-auth-secret-12345678901234567890"
    with pytest.raises(ValueError, match="default secret"):
        resolve_secret({"NODE_ENV": "production"})


def test_base_url_and_trusted_origins_from_env():
    assert resolve_base_url({"BETTER_AUTH_URL": "https://auth.example", "BASE_URL": "x"}) == "https://auth.example"
    assert resolve_base_url({"BASE_URL": "/"}) is None
    assert resolve_base_url({}) is None
    assert resolve_trusted_origins({"BETTER_AUTH_TRUSTED_ORIGINS": "http://a.example, http://b.example"}) == (
        "http://a.example", "http://b.example")


def test_config_rejects_what_better_auth_rejects():
    with pytest.raises(ValueError, match="unsupported"):
        IssuerConfig.from_options({"database": {}}, base_url=None, secret="s" * 32)
    with pytest.raises(ValueError, match="alg"):
        IssuerConfig(secret="s" * 32, alg="HS256")
    with pytest.raises(ValueError, match="secret"):
        IssuerConfig(secret="")
    with pytest.raises(ValueError, match="definePayload"):
        IssuerConfig.from_options(
            {"plugins": {"jwt": {"jwt": {"definePayload": "nope"}}}}, base_url=None, secret="s" * 32
        )


def test_base_url_is_normalised_to_its_origin():
    assert IssuerConfig(base_url="http://127.0.0.1:8001/api/auth/", secret="s" * 32).origin == "http://127.0.0.1:8001"


def test_without_base_url_the_host_header_decides_iss_and_aud(start_issuer):
    issuer = start_issuer(base_url=None)
    issuer.sign_in()
    forged = issuer.client.get("/token", headers={"Host": "attacker.example"}).json()["token"]
    key = jwt.PyJWK(issuer.client.get("/jwks").json()["keys"][0])
    # A genuinely signed token for an origin the operator never chose.
    claims = jwt.decode(forged, key, algorithms=["EdDSA"], audience="http://attacker.example")
    assert claims["iss"] == "http://attacker.example"


def test_trusted_origins_with_wildcard(start_issuer):
    issuer = start_issuer(trusted_origins=("http://app.example", "https://*.preview.example"))
    body = {"email": "ada@example.com", "password": issuer.config.demo_password}
    for origin, status in [("http://app.example", 200), ("https://pr-7.preview.example", 200),
                           ("http://evil.example", 403), ("https://preview.example.evil.example", 403)]:
        response = issuer.fresh().client.post("/sign-in/email", json=body, headers={"Origin": origin})
        assert response.status_code == status, origin
    response = issuer.fresh().client.post("/sign-in/email", json={**body, "callbackURL": "http://evil.example/x"})
    assert (response.status_code, response.json()["code"]) == (403, "INVALID_CALLBACK_URL")


def test_cross_site_navigation_sign_in_is_blocked(issuer):
    response = issuer.client.post(
        "/sign-in/email", json={"email": "ada@example.com", "password": "x" * 10},
        headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
    )
    assert (response.status_code, response.json()["code"]) == (403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")


def test_require_signature_ignores_raw_bearer_tokens(start_issuer):
    issuer = start_issuer(require_signature=True)
    signed = issuer.sign_in().headers["set-auth-token"]
    raw = signed.split(".")[0]
    client = issuer.fresh().client
    assert client.get("/get-session", headers={"Authorization": f"Bearer {raw}"}).text == "null"
    assert client.get("/get-session", headers={"Authorization": f"Bearer {signed}"}).json()["session"]["token"] == raw


def test_a_secret_under_32_characters_warns_like_better_auth():
    from playground.issuer.config import ShortSecretWarning

    with pytest.warns(ShortSecretWarning, match="at least 32 characters"):
        IssuerConfig(secret="s" * 31)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ShortSecretWarning)
        IssuerConfig(secret="s" * 32)
