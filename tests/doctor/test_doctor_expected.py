"""Stage 1, expected values: derived from the options alone (no environment, no token)."""

from __future__ import annotations

import math

import pytest

from playground.doctor.expected import ConfigurationError, expected_values, when


def expected(**options):
    values = dict(issuer=None, audience=None, jwks_url=None, base_url=None, algorithms=["EdDSA"], leeway=0.0,
                  now=1_767_258_000.0)
    return expected_values(**(values | options))


def test_an_issuer_alone_names_the_jwks_url_and_the_audience():
    result = expected(issuer="http://127.0.0.1:3000")
    assert result.jwks_url == "http://127.0.0.1:3000/api/auth/jwks"
    assert result.audience == "http://127.0.0.1:3000"
    assert result.rows()["issuer"] == "http://127.0.0.1:3000"  # given: shown bare
    assert result.rows()["jwks_url"] == "http://127.0.0.1:3000/api/auth/jwks (from the issuer)"
    assert not result.from_jwks_url("issuer") and not result.from_jwks_url("audience")


def test_an_issuer_with_a_trailing_slash_still_gives_a_clean_jwks_url():
    assert expected(issuer="http://127.0.0.1:3000/").jwks_url == "http://127.0.0.1:3000/api/auth/jwks"


def test_the_base_url_path_is_kept_for_the_jwks_url_when_the_issuer_is_that_origin():
    result = expected(issuer="http://127.0.0.1:3000", base_url="http://127.0.0.1:3000/auth")
    assert result.jwks_url == "http://127.0.0.1:3000/auth/jwks"


def test_the_base_url_gives_every_value_as_in_the_backend():
    result = expected(base_url="http://127.0.0.1:3000/")
    assert (result.issuer, result.audience, result.jwks_url) == (
        "http://127.0.0.1:3000", "http://127.0.0.1:3000", "http://127.0.0.1:3000/api/auth/jwks")
    assert result.rows()["issuer"] == "http://127.0.0.1:3000 (origin of BETTER_AUTH_URL)"


def test_explicit_values_win_over_the_base_url():
    result = expected(issuer="https://id.example", audience="api", jwks_url="https://keys.example/jwks",
                      base_url="http://127.0.0.1:3000")
    assert (result.issuer, result.audience, result.jwks_url) == ("https://id.example", "api", "https://keys.example/jwks")
    assert result.sources == {}


def test_a_jwks_url_alone_gives_only_a_derived_issuer():
    result = expected(jwks_url="http://127.0.0.1:3000/api/auth/jwks")
    assert result.issuer == result.audience == "http://127.0.0.1:3000"
    assert result.from_jwks_url("issuer") and result.from_jwks_url("audience")
    assert "origin of the JWKS URL" in result.rows()["issuer"]


def test_nothing_given_means_nothing_expected():
    result = expected()
    assert (result.issuer, result.audience, result.jwks_url) == (None, None, None)
    assert "not given" in result.rows()["jwks_url"]


@pytest.mark.parametrize("options, phrase", [
    ({"issuer": "my-app"}, "--jwks-url"),  # a custom jwt.issuer that is not a URL
    ({"jwks_url": "file:///etc/passwd"}, "JWKS URL"),
    ({"base_url": "localhost:3000"}, "BETTER_AUTH_URL"),
    ({"leeway": -1.0}, "leeway"),
    ({"leeway": math.nan}, "leeway"),
    ({"leeway": math.inf}, "leeway"),
    ({"algorithms": ["HS256"]}, "algorithms"),
    ({"algorithms": []}, "algorithms"),
])
def test_unusable_configuration_is_a_configuration_error(options, phrase):
    with pytest.raises(ConfigurationError, match=phrase):
        expected(**options)


def test_a_custom_issuer_is_fine_with_a_jwks_url():
    result = expected(issuer="my-app", jwks_url="http://127.0.0.1:3000/api/auth/jwks")
    assert (result.issuer, result.audience) == ("my-app", "my-app")


@pytest.mark.parametrize("value", [10**400, -10**400, 1e308, -1e300, math.inf, math.nan, "soon", None, [1], {"a": 1}])
def test_when_names_any_value_or_none_never_crashes(value):
    assert when(value) is None


def test_when_formats_epoch_seconds():
    assert when(1_767_258_000) == "2026-01-01T09:00:00Z"
