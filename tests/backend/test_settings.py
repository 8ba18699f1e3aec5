"""BackendSettings: derivation like Better Auth, environment names, and clear startup failures."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from playground.backend import BackendSettings

BASE = "http://127.0.0.1:3000"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("BETTER_AUTH_URL", "BETTER_AUTH_SECRET"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in [n for n in os.environ if n.startswith("BACKEND_")]:
        monkeypatch.delenv(name)


def test_everything_derives_from_the_base_url():
    s = BackendSettings(better_auth_url=BASE + "/")
    assert (s.issuer, s.audience) == (BASE, BASE)
    assert s.jwks_url == BASE + "/api/auth/jwks"
    assert s.get_session_url == BASE + "/api/auth/get-session"
    assert s.algorithms == ["EdDSA"]


@pytest.mark.parametrize(
    "url, origin, jwks",
    [
        ("https://Auth.Example.com:443/api/auth", "https://auth.example.com", "https://auth.example.com/api/auth/jwks"),
        ("http://localhost:80", "http://localhost", "http://localhost/api/auth/jwks"),
        ("http://h:8080/custom/auth/", "http://h:8080", "http://h:8080/custom/auth/jwks"),
    ],
)
def test_issuer_is_the_normalised_origin_like_better_auth(url, origin, jwks):
    s = BackendSettings(better_auth_url=url)
    assert s.issuer == s.audience == origin
    assert s.jwks_url == jwks


def test_environment_names(monkeypatch):
    monkeypatch.setenv("BETTER_AUTH_URL", BASE)
    monkeypatch.setenv("BETTER_AUTH_SECRET", "s" * 32)
    monkeypatch.setenv("BACKEND_AUDIENCE", "https://api.example.com")
    monkeypatch.setenv("BACKEND_CORS_ORIGINS", "http://localhost:5173, https://app.example.com")
    monkeypatch.setenv("BACKEND_ALGORITHMS", '["EdDSA", "ES256"]')
    monkeypatch.setenv("BACKEND_LEEWAY_SECONDS", "5")
    s = BackendSettings()
    assert s.audience == "https://api.example.com" and s.issuer == BASE
    assert s.cors_origins == ["http://localhost:5173", "https://app.example.com"]
    assert s.algorithms == ["EdDSA", "ES256"]
    assert s.leeway_seconds == 5
    assert s.better_auth_secret.get_secret_value() == "s" * 32
    assert "s" * 32 not in repr(s)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"cors_origins": ["*"]}, "contains '*'"),
        ({"cors_origins": ["http://localhost:5173/"]}, "no path, no trailing slash"),
        ({"audience": ""}, "BACKEND_AUDIENCE is empty"),
        ({"issuer": "  "}, "BACKEND_ISSUER is empty"),
        ({"algorithms": ["HS256"]}, "never with BETTER_AUTH_SECRET"),
        ({"algorithms": ["none"]}, "is not one of"),
        ({"algorithms": []}, "BACKEND_ALGORITHMS is empty"),
        ({"better_auth_url": "localhost:3000"}, "BETTER_AUTH_URL"),
        ({"jwks_url": "file:///etc/passwd"}, "BACKEND_JWKS_URL"),
        ({"leeway_seconds": -1}, "leeway_seconds"),
        ({"better_auth_secret": "better-auth-secret-12345678901234567890"}, "Better Auth's public default"),
        ({"better_auth_secret": '"better-auth-secret-12345678901234567890"\n'}, "Better Auth's public default"),
    ],
)
def test_misconfiguration_fails_at_construction(overrides, message):
    with pytest.raises(ValidationError) as caught:
        BackendSettings(**({"better_auth_url": BASE} | overrides))
    assert message in str(caught.value)


def test_an_empty_secret_is_no_secret_as_for_better_auth(monkeypatch):
    monkeypatch.setenv("BETTER_AUTH_SECRET", "")  # .env.example's `BETTER_AUTH_SECRET=` line
    assert BackendSettings(better_auth_url=BASE).better_auth_secret is None
    assert BackendSettings(better_auth_url=BASE, better_auth_secret=SecretStr("")).better_auth_secret is None


def test_a_missing_base_url_is_a_clear_error():
    with pytest.raises(ValidationError) as caught:
        BackendSettings()
    assert "better_auth_url" in str(caught.value).lower()


def test_validation_errors_do_not_echo_the_secret():
    with pytest.raises(ValidationError) as caught:
        BackendSettings(better_auth_url=BASE, better_auth_secret="very-secret-value-123", audience="")
    assert "very-secret-value-123" not in str(caught.value)


def test_jwks_max_stale_is_derived_from_the_ttl_and_never_below_it():
    settings = BackendSettings(better_auth_url="http://127.0.0.1:3000", jwks_cache_ttl=100)
    assert settings.jwks_max_stale == 200  # 2 x TTL, as Better Auth core's own verifier
    assert BackendSettings(better_auth_url="http://127.0.0.1:3000", jwks_max_stale=3600).jwks_max_stale == 3600
    with pytest.raises(ValidationError, match="BACKEND_JWKS_MAX_STALE"):
        BackendSettings(better_auth_url="http://127.0.0.1:3000", jwks_cache_ttl=300, jwks_max_stale=60)
