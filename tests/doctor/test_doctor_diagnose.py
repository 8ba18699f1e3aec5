"""The whole diagnosis, stage after stage, against the fake issuer on loopback: verdicts, findings,
causes and fixes, and the mistakes newcomers tripped on (issue #11)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from fake_issuer import forge, hmac_token, random_kid, sign_ed25519

from playground import doctor
from playground.backend.errors import Reason
from playground.servers import free_port


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
    [(lambda t: "Bearer " + t, "Bearer"), (lambda t: json.dumps(t), "quotes"),
     (lambda t: t.replace(".", "%2E"), "percent")],
)
def test_copy_paste_mistakes(diagnose, issuer, mangle, phrase):
    result = diagnose(mangle(issuer.mint()))
    assert not result.accepted
    assert phrase in result.findings[0].message


def test_html_display(diagnose, issuer):
    page = diagnose(issuer.mint(exp=int(issuer.clock.now()) - 1))._repr_html_()
    assert "REJECTED" in page and "expired" in page and "<table" in page


def test_diagnose_works_inside_a_running_event_loop(diagnose, issuer):
    # A notebook cell runs inside the kernel's loop, where asyncio.run would fail.
    import asyncio

    async def cell():
        return diagnose(issuer.mint())

    assert asyncio.run(cell()).accepted


# --- issue #11: what a newcomer tripped on --------------------------------------------------------


def test_an_issuer_alone_is_enough_configuration(issuer):
    result = doctor.diagnose(issuer.mint(), issuer=issuer.url, clock=issuer.clock)
    assert result.accepted
    assert result.expected["jwks_url"].startswith(issuer.url + "/api/auth/jwks")  # derived from the issuer
    assert "no --issuer" not in str(result)
    assert issuer.fetches == 1


def test_a_wrong_jwks_url_is_one_key_problem_not_three(issuer):
    wrong = f"http://127.0.0.1:{free_port()}/api/auth/jwks"  # nothing listens there
    issuer.down = True
    for jwks_url in (wrong, issuer.url + "/api/auth/jwks"):
        result = doctor.diagnose(issuer.mint(), jwks_url=jwks_url, clock=issuer.clock)
        assert result.reasons == [Reason.JWKS_UNAVAILABLE], str(result)
        assert not result.accepted and result.verdict == "NOT VERIFIED"
    # with the issuer given explicitly, a token from elsewhere is still called out
    other = doctor.diagnose(issuer.mint(iss="http://other.example"), issuer=issuer.url, clock=issuer.clock)
    assert set(other.reasons) == {Reason.JWKS_UNAVAILABLE, Reason.WRONG_ISSUER} and other.verdict == "REJECTED"


def test_a_bearer_prefix_error_is_not_followed_by_an_ok_structure_line(diagnose, issuer):
    result = diagnose("Bearer " + issuer.mint())
    structure = [f for f in result.findings if f.check == "structure"]
    assert len(structure) == 1 and not structure[0].ok
    assert "ok  structure" not in str(result) and result.verdict == "REJECTED"


def test_the_secret_env_hint_only_when_no_secret_was_given(diagnose, issuer):
    secret = "s-" + random_kid()
    token = hmac_token({"alg": "HS256"}, issuer.claims(), secret.encode())
    assert "--secret-env" in str(diagnose(token))
    assert "--secret-env" not in str(diagnose(token, secret=secret))


# --- issue #10.8: the doctor never vouches for a key it was not given ------------------------------


def test_nothing_configured_is_never_accepted_and_asks_nothing_of_the_tokens_issuer(attacker):
    forged = attacker.mint()
    result = doctor.diagnose(forged, clock=attacker.clock)
    assert not result.accepted and result.verdict == "NOT VERIFIED"
    assert str(result).startswith("Token NOT VERIFIED")
    [key] = [f for f in result.findings if f.check == "key"]
    assert key.status == "warning" and not key.ok  # a warning, never an ok line
    assert not any(f.ok and "trusts the token" in f.message for f in result.findings)
    page = result._repr_html_()
    assert "Token NOT VERIFIED" in page and 'color:#9a6700">!</td>' in page  # the warning's own mark
    assert attacker.requests == []


def test_the_attackers_own_keys_would_have_accepted_it(attacker):
    # The control for the test above: the forgery is only stopped by not asking its issuer.
    assert doctor.diagnose(attacker.mint(), issuer=attacker.url, clock=attacker.clock).accepted
    assert attacker.requests == ["/api/auth/jwks"]


def test_the_library_reads_no_environment(attacker, monkeypatch):
    monkeypatch.setenv("BETTER_AUTH_URL", attacker.url)
    assert doctor.diagnose(attacker.mint(), clock=attacker.clock).verdict == "NOT VERIFIED"
    assert attacker.requests == []
    assert doctor.diagnose(attacker.mint(), base_url=attacker.url, clock=attacker.clock).accepted


# --- issue #10.2: numbers of any size get a verdict ------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", [10**400, -10**400, -1, 1e300, True, "soon", None, [1]], ids=repr)
def test_signed_time_claims_of_any_size_get_a_finding(diagnose, issuer, claim, value):
    token = sign_ed25519({"alg": "EdDSA", "kid": issuer.kid}, issuer.claims() | {claim: value}, issuer.key)
    result = diagnose(token)
    assert [f.check for f in result.findings][:4] == ["structure", "header", "key", "signature"]
    assert all(f.ok for f in result.findings[:4])
    assert not result.accepted and Reason.INVALID_CLAIM in result.reasons
    assert str(result).startswith("Token REJECTED") and "Token REJECTED" in result._repr_html_()


@pytest.mark.parametrize("value", [10**400, -1e300, False, "2026-01-01T09:15:00Z"], ids=repr)
def test_unsigned_time_claims_of_any_size_get_a_finding_too(diagnose, issuer, value):
    for header in ({"alg": "EdDSA", "kid": issuer.kid}, {"alg": "none"}):
        result = diagnose(forge(header, issuer.claims() | {"exp": value}, b"\x00" * 64))
        assert not result.accepted and Reason.INVALID_CLAIM in result.reasons
        assert Reason.BAD_SIGNATURE in result.reasons or Reason.UNSUPPORTED_ALGORITHM in result.reasons
