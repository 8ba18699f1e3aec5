"""Apps with their own iss/aud, apps that insist on localhost, apps that read their keys themselves:
the checker starts its issuer to match (--jwt-issuer, --jwt-audience, --issuer-host) or hands the
keys over ({jwks_file}, {jwks_json}), and grades them like any other."""

from __future__ import annotations

import json

import pytest
from cli_run import check_in_process
from targets import own_claims

from playground import check

REQUIRED = tuple(c.id for c in check.CASES if c.weight == "required" and "jwt" in c.credentials)
ISS, AUD = "https://auth.example.com", "https://api.example.com"


def test_an_app_that_pins_its_own_issuer_and_audience_passes_once_the_issuer_signs_them(check_run):
    env = {"JWKS_URL": "{jwks}", "EXPECTED_ISSUER": ISS, "EXPECTED_AUDIENCE": AUD}
    report = check_run(app_factory=own_claims.pinned_claims, env=env, protected="/api/me", jwt_issuer=ISS,
                       jwt_audience=AUD, only=(*REQUIRED, "issuer-trailing-slash", "audience-list-with-ours"))
    assert report.failed_ids(include_advisory=True) == set(), str(report)
    assert report.result("wrong-audience").status == "passed" and report.result("issuer-exact-match").status == "passed"
    # Without the options, the issuer's tokens carry its origin: the app refuses them all.
    with pytest.raises(check.SetupProblem, match="rejected a valid token"):
        check_run(app_factory=own_claims.pinned_claims, env=env, protected="/api/me", only=("alg-none",))


def test_an_app_that_insists_on_localhost_is_graded_with_issuer_host_localhost():
    result = check_in_process("--app", "targets.own_claims:localhost_only", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--issuer-host", "localhost", "--protected", "/api/me",
                              "--only", "alg-none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "against the embedded issuer at http://localhost:" in result.stdout
    refused = check_in_process("--app", "targets.own_claims:localhost_only", "--factory", "--env",
                               "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--only", "alg-none")
    assert refused.returncode == 2 and "BETTER_AUTH_URL must be http://localhost:<port>" in refused.stderr


@pytest.mark.parametrize("factory, env", [
    (own_claims.keys_from_file, {"JWKS_FILE": "{jwks_file}"}),
    (own_claims.keys_from_env, {"JWKS_JSON": "{jwks_json}"}),
])
def test_an_app_that_reads_its_keys_itself_gets_the_issuers_public_key_set(factory, env, check_run):
    report = check_run(app_factory=factory, env={"BETTER_AUTH_URL": "{issuer}", **env}, protected="/api/me",
                       only=REQUIRED)
    assert report.failed_ids() == set(), str(report)
    assert report.result("valid-token-accepted").status == "passed"


def test_the_jwks_placeholders_hold_public_keys_only(check_run):
    seen = {}

    def capture():
        import os

        seen["json"] = json.loads(os.environ["JWKS_JSON"])
        with open(os.environ["JWKS_FILE"], encoding="utf-8") as file:
            seen["file"] = json.load(file)
        return own_claims.keys_from_env()

    check_run(app_factory=capture, env={"BETTER_AUTH_URL": "{issuer}", "JWKS_JSON": "{jwks_json}",
                                        "JWKS_FILE": "{jwks_file}"}, protected="/api/me", only=("alg-none",))
    assert seen["json"] == seen["file"] and seen["json"]["keys"]
    assert all("d" not in key for key in seen["json"]["keys"])  # no private part


def test_bad_issuer_options_are_usage_errors():
    with pytest.raises(check.UsageError, match="--issuer-host must be 127.0.0.1 or localhost"):
        check.CheckConfig(app="m:a", issuer_host="example.com")
    with pytest.raises(check.UsageError, match="--jwt-audience must be a non-empty string"):
        check.CheckConfig(app="m:a", jwt_audience=" ")
