"""The command line: exit status 0 accepted / 1 not accepted / 2 usage / 3 internal error, the
environment read here and only here, quiet under `| head`, and no input that makes it crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_issuer import b64url, sign_ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground import doctor
from playground.clock import Clock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_issuer(issuer, monkeypatch):
    """The fake issuer on the system clock: the CLI reads the system clock, so tokens must be fresh."""
    monkeypatch.delenv("BETTER_AUTH_URL", raising=False)
    issuer.clock = Clock.system()
    return issuer


def jwks(issuer) -> list[str]:
    return ["--jwks-url", issuer.url + "/api/auth/jwks"]


def test_exit_codes(live_issuer, capsys):
    assert doctor.main([live_issuer.mint(), *jwks(live_issuer)]) == 0
    assert capsys.readouterr().out.startswith("Token ACCEPTED")
    assert doctor.main([live_issuer.mint(aud="http://other.example"), *jwks(live_issuer)]) == 1
    assert "wrong_audience" in capsys.readouterr().out
    assert doctor.main(["x.y.z"]) == 1  # malformed: a rejection, not a usage error
    assert doctor.main(["not-a-token"]) == 1


@pytest.mark.parametrize("argv", [
    [],
    ["TOKEN", "--leeway", "soon"],
    ["TOKEN", "--leeway", "nan"],  # NaN would make every time comparison false: never expired
    ["TOKEN", "--leeway", "-5"],
    ["TOKEN", "--algorithms", "HS256"],
    ["TOKEN", "--algorithms", ","],  # an empty list is not "the default"
    ["TOKEN", "--secret-env", "NO_SUCH_VARIABLE_HERE"],
    ["TOKEN", "--issuer", "my-app"],  # not a URL: no JWKS URL can be derived from it
    ["TOKEN", "--jwks-url", "ftp://example.com/jwks"],
])
def test_usage_errors_exit_2_with_a_message(argv, capsys):
    assert doctor.main(argv) == 2
    err = capsys.readouterr().err
    assert "doctor: error:" in err and "Traceback" not in err


def test_nothing_configured_exits_1_not_verified(live_issuer, capsys):
    assert doctor.main([live_issuer.mint()]) == 1
    assert capsys.readouterr().out.startswith("Token NOT VERIFIED")
    assert live_issuer.fetches == 0


def test_better_auth_url_is_read_by_the_cli(live_issuer, capsys, monkeypatch):
    monkeypatch.setenv("BETTER_AUTH_URL", live_issuer.url)
    assert doctor.main([live_issuer.mint()]) == 0
    assert "origin of BETTER_AUTH_URL" in capsys.readouterr().out


def test_issuer_option_configures_everything(live_issuer, capsys):
    assert doctor.main([live_issuer.mint(), "--issuer", live_issuer.url]) == 0
    out = capsys.readouterr().out
    assert f"expected jwks_url: {live_issuer.url}/api/auth/jwks (from the issuer)" in out
    assert "no --issuer" not in out


def test_secret_is_read_from_the_named_variable(live_issuer, capsys, monkeypatch):
    from fake_issuer import hmac_token, random_kid

    secret = "s-" + random_kid()
    monkeypatch.setenv("DOCTOR_TEST_SECRET", secret)
    token = hmac_token({"alg": "HS256"}, live_issuer.claims(), secret.encode())
    assert doctor.main([token, *jwks(live_issuer), "--secret-env", "DOCTOR_TEST_SECRET"]) == 1
    out = capsys.readouterr().out
    assert "signed with BETTER_AUTH_SECRET" in out and "--secret-env" not in out
    assert secret not in out


def test_a_crash_is_exit_3_and_never_looks_like_a_rejection(live_issuer, capsys, monkeypatch):
    def broken_stage(*args, **kwargs):
        raise ZeroDivisionError("a bug in a stage")

    monkeypatch.setattr("playground.doctor.run.check_claims", broken_stage)
    assert doctor.main([live_issuer.mint(), *jwks(live_issuer)]) == 3
    captured = capsys.readouterr()
    assert "internal error" in captured.err and "ZeroDivisionError: a bug in a stage" in captured.err
    assert "REJECTED" not in captured.out and "Traceback" not in captured.err


def test_help_documents_every_exit_status(capsys):
    assert doctor.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--secret-env" in out and "BETTER_AUTH_URL" in out
    for line in ("0  ACCEPTED", "1  REJECTED, or NOT VERIFIED", "2  usage error", "3  internal error"):
        assert line in out


def test_readme_documents_the_same_exit_statuses():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "exit 0 accepted, 1 rejected or not verified, 2 usage, 3 internal error" in readme


def run_cli(*args, **options) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "BETTER_AUTH_URL"}
    return subprocess.run([sys.executable, "-m", "playground", "doctor", *args], cwd=ROOT, env=env, timeout=60,
                          **options)


def test_python_m_playground_doctor(live_issuer):
    done = run_cli(live_issuer.mint(), *jwks(live_issuer), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Token ACCEPTED")


def test_a_closed_pipe_ends_quietly_with_the_verdicts_status(live_issuer):
    # `doctor TOKEN | head -0`: the reader is gone before the first write (deterministic, unlike a race with head).
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = run_cli(live_issuer.mint(), *jwks(live_issuer), stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert done.returncode == 0  # the verdict (accepted), not a blanket failure
    assert done.stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"


# --- fuzzing: any token, any time claim, through main -------------------------------------------

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# JSON number literals the json module reads as huge ints or as infinities, besides ordinary values.
number_literals = st.sampled_from(["1e400", "-1e400", "1" + "0" * 400, "-" + "9" * 300, "1E999", "0.0", "-0", "1e-400"])
json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                | st.text(max_size=12)).map(json.dumps)
time_value = number_literals | json_scalars | st.lists(st.integers(), max_size=2).map(json.dumps)


def assert_clean(code: int, captured) -> None:
    assert code in (0, 1), captured  # a verdict: never a usage error (2) or a crash (3) for a token
    assert "Traceback" not in captured.out + captured.err and "internal error" not in captured.err


@FUZZ
@given(values=st.dictionaries(st.sampled_from(["exp", "iat", "nbf"]), time_value, min_size=1))
def test_any_time_claims_in_a_signed_token(live_issuer, capsys, values):
    claims = {k: v for k, v in live_issuer.claims().items() if k not in values}
    # The payload is written by hand so that literals like 1e400 reach the doctor as written.
    payload = json.dumps(claims)[:-1] + "".join(f', "{name}": {text}' for name, text in values.items()) + "}"
    signing_input = f"{b64url({'alg': 'EdDSA', 'kid': live_issuer.kid})}.{b64url(payload)}"
    token = f"{signing_input}.{b64url(live_issuer.key.sign(signing_input.encode()))}"
    assert_clean(doctor.main([*jwks(live_issuer), "--", token]), capsys.readouterr())


@FUZZ
@given(token=st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_\-]{0,80}\.[A-Za-z0-9_\-]{0,80}\.[A-Za-z0-9_\-]{0,90}"))
def test_any_text_as_a_token(live_issuer, capsys, token):
    assert_clean(doctor.main([*jwks(live_issuer), "--", token]), capsys.readouterr())


@FUZZ
@given(claims=st.dictionaries(st.sampled_from(["exp", "iat", "nbf", "iss", "aud", "sub"]),
                              st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
                                           allow_infinity=False) | st.text(max_size=10),
                                           lambda inner: st.lists(inner, max_size=3), max_leaves=6)))
def test_any_claims_signed_and_unconfigured(live_issuer, capsys, claims):
    token = sign_ed25519({"alg": "EdDSA", "kid": live_issuer.kid}, claims, live_issuer.key)
    assert_clean(doctor.main(["--", token]), capsys.readouterr())
    assert live_issuer.fetches == 0  # no configuration: nothing fetched, whatever iss says
