"""The token doctor: findings, causes and fixes, exit codes; against the fake issuer on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fake_issuer import hmac_token, random_kid

from playground import doctor
from playground.backend.errors import Reason

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def diagnose(issuer):
    def run(token, **options):
        options.setdefault("jwks_url", issuer.url + "/api/auth/jwks")
        options.setdefault("clock", issuer.clock)
        return doctor.diagnose(token, **options)

    return run


def test_a_good_token_is_accepted_with_every_check_listed(diagnose, issuer):
    result = diagnose(issuer.mint())
    assert result.accepted
    assert [f.check for f in result.findings] == ["structure", "header", "key", "signature", "claims"]
    assert "ACCEPTED" in str(result)


def test_expired_says_by_how_long(diagnose, issuer):
    result = diagnose(issuer.mint(iat=int(issuer.clock.now()) - 1000, exp=int(issuer.clock.now()) - 100))
    assert not result.accepted
    assert result.reasons == [Reason.EXPIRED]
    finding = result.findings[-1]
    assert "100 s ago" in finding.cause and "15-minute" in finding.cause
    assert finding.fix


def test_clock_skew_suggests_a_leeway(diagnose, issuer):
    result = diagnose(issuer.mint(iat=int(issuer.clock.now()) + 42))
    assert result.reasons == [Reason.ISSUED_IN_FUTURE]
    assert "42 s ahead" in result.findings[-1].cause and "leeway of at least 42 s" in result.findings[-1].fix
    assert diagnose(issuer.mint(iat=int(issuer.clock.now()) + 42), leeway=60).accepted


def test_trailing_slash_issuer(diagnose, issuer):
    result = diagnose(issuer.mint(), issuer=issuer.url + "/", audience=issuer.url)
    assert result.reasons == [Reason.WRONG_ISSUER]
    assert "trailing slash" in result.findings[-1].cause


def test_issuer_with_path_and_other_host(diagnose, issuer):
    token_side = diagnose(issuer.mint(iss=issuer.url + "/api/auth")).findings[-1].cause
    assert token_side.startswith("the token's value") and "has a path" in token_side
    expected_side = diagnose(issuer.mint(), audience=issuer.url + "/api/auth").findings[-1].cause
    assert expected_side.startswith("the expected value") and f"{issuer.url}/api/auth" in expected_side
    assert "Host header" in diagnose(issuer.mint(aud="http://attacker.example")).findings[-1].cause


def test_unknown_kid_lists_the_known_kids(diagnose, issuer):
    result = diagnose(issuer.mint(header={"kid": random_kid()}))
    assert Reason.UNKNOWN_KID in result.reasons
    assert issuer.kid in next(f for f in result.findings if f.reason is Reason.UNKNOWN_KID).message


def test_every_problem_is_reported_not_just_the_first(diagnose, issuer):
    token = issuer.mint(exp=int(issuer.clock.now()) - 5, aud="http://x.example", sub=None)
    assert set(diagnose(token).reasons) == {Reason.EXPIRED, Reason.WRONG_AUDIENCE, Reason.MISSING_CLAIM}


def test_hs256_and_secret_mismatch(diagnose, issuer):
    secret = "s-" + random_kid()
    token = hmac_token({"alg": "HS256"}, issuer.claims(), secret.encode())
    result = diagnose(token)
    assert Reason.UNSUPPORTED_ALGORITHM in result.reasons
    assert "shared secret" in next(f for f in result.findings if f.reason is Reason.UNSUPPORTED_ALGORITHM).cause
    assert any(f.check == "secret" and f.ok for f in diagnose(token, secret=secret).findings)
    mismatch = diagnose(token, secret="another-secret-" + random_kid())
    assert any(f.check == "secret" and f.reason is Reason.BAD_SIGNATURE for f in mismatch.findings)


def test_session_cookie_with_the_secret(diagnose):
    secret, token = "s-" + random_kid(), random_kid()  # 34 chars: a realistic secret length
    signature = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
    result = diagnose(f"{token}.{signature}", secret=secret)
    assert result.reasons == [Reason.SESSION_TOKEN_NOT_JWT]
    assert any(f.check == "secret" and f.ok for f in result.findings)
    wrong = diagnose(f"{token}.{signature}", secret="other-" + random_kid())
    assert Reason.BAD_SIGNATURE in wrong.reasons and "differs" in wrong.findings[-1].cause


@pytest.mark.parametrize(
    "mangle, phrase",
    [(lambda t: "Bearer " + t, "Bearer"), (lambda t: json.dumps(t), "quotes"), (lambda t: t.replace(".", "%2E"), "percent")],
)
def test_copy_paste_mistakes(diagnose, issuer, mangle, phrase):
    result = diagnose(mangle(issuer.mint()))
    assert not result.accepted
    assert phrase in result.findings[0].message


def test_html_display(diagnose, issuer):
    page = diagnose(issuer.mint(exp=int(issuer.clock.now()) - 1))._repr_html_()
    assert "REJECTED" in page and "expired" in page and "<table" in page


def test_main_exit_codes(issuer, capsys, monkeypatch):
    monkeypatch.delenv("BETTER_AUTH_URL", raising=False)
    jwks = ["--jwks-url", issuer.url + "/api/auth/jwks"]
    # The CLI reads the system clock: mint with the real time.
    from playground.clock import Clock

    issuer.clock = Clock.system()
    assert doctor.main([issuer.mint(), *jwks]) == 0
    assert "ACCEPTED" in capsys.readouterr().out
    assert doctor.main([issuer.mint(aud="http://other.example"), *jwks]) == 1
    assert "wrong_audience" in capsys.readouterr().out
    assert doctor.main([]) == 2
    assert doctor.main([issuer.mint(), "--leeway", "soon"]) == 2
    assert doctor.main([issuer.mint(), "--secret-env", "NO_SUCH_VARIABLE_HERE"]) == 2
    assert doctor.main(["x.y.z"]) == 1  # malformed: a rejection, not a usage error
    assert doctor.main(["not-a-token"]) == 1


def test_python_m_playground_doctor(issuer):
    from playground.clock import Clock

    issuer.clock = Clock.system()
    command = [sys.executable, "-m", "playground", "doctor", issuer.mint(), "--jwks-url", issuer.url + "/api/auth/jwks"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ACCEPTED" in done.stdout


def test_diagnose_works_inside_a_running_event_loop(diagnose, issuer):
    # A notebook cell runs inside the kernel's loop, where asyncio.run would fail.
    import asyncio

    async def cell():
        return diagnose(issuer.mint())

    assert asyncio.run(cell()).accepted


def test_help_is_not_an_error(capsys):
    assert doctor.main(["--help"]) == 0
    assert "--secret-env" in capsys.readouterr().out
