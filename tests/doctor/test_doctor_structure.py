"""Stage 2, structure and header: paste mistakes named once, then the backend's own parsing."""

from __future__ import annotations

import json

import pytest
from fake_issuer import forge, hmac_token, random_kid

from playground.backend.errors import Reason
from playground.doctor.findings import Status
from playground.doctor.secret import check_secret
from playground.doctor.structure import check_header, check_structure


def test_a_clean_token_is_one_ok_line(issuer):
    decoded, findings = check_structure(issuer.mint(), 8192)
    assert decoded is not None
    assert [(f.check, f.status) for f in findings] == [("structure", Status.OK)]


@pytest.mark.parametrize("mangle, phrase", [
    (lambda t: "Bearer " + t, "Bearer"),
    (lambda t: json.dumps(t), "quotes"),
    (lambda t: f"  {t}\n", "whitespace"),
])
def test_a_repaired_paste_mistake_is_an_error_and_never_followed_by_ok(issuer, mangle, phrase):
    decoded, findings = check_structure(mangle(issuer.mint()), 8192)
    assert decoded is not None  # the rest was still checked...
    assert [f.status for f in findings] == [Status.ERROR]  # ...but the value as given is not "ok"
    assert phrase in findings[0].message and findings[0].reason is Reason.MALFORMED
    assert findings[0].cause and findings[0].fix


def test_percent_encoding_is_named_and_the_backend_says_why_it_fails(issuer):
    decoded, findings = check_structure(issuer.mint().replace(".", "%2E"), 8192)
    assert decoded is None
    assert "percent-encoded" in findings[0].message
    assert all(f.status is Status.ERROR for f in findings)


@pytest.mark.parametrize("value, reason", [
    ("x.y.z", Reason.MALFORMED),
    ("not-a-token", Reason.MALFORMED),
    ("aZ3" * 10 + "q7", Reason.SESSION_TOKEN_NOT_JWT),  # 32 alphanumerics, like Better Auth's
    ("a" * 9000, Reason.TOKEN_TOO_LARGE),
])
def test_not_a_jwt_gets_the_backends_reason(value, reason):
    decoded, findings = check_structure(value, 8192)
    assert decoded is None
    assert findings[-1].reason is reason and findings[-1].status is Status.ERROR


def test_header_ok_names_alg_and_kid(issuer):
    decoded, _ = check_structure(issuer.mint(), 8192)
    [finding] = check_header(decoded, ("EdDSA",))
    assert finding.ok and issuer.kid in finding.message


def test_header_reports_every_problem(issuer):
    token = forge({"alg": "none", "jku": "http://attacker.example/jwks"}, issuer.claims())
    decoded, _ = check_structure(token, 8192)
    reasons = {f.reason for f in check_header(decoded, ("EdDSA",))}
    assert reasons == {Reason.FORBIDDEN_HEADER, Reason.UNSUPPORTED_ALGORITHM, Reason.MISSING_KID}


def test_secret_recognises_an_hs256_token_and_a_mismatch(issuer):
    secret = "s-" + random_kid()
    token = hmac_token({"alg": "HS256"}, issuer.claims(), secret.encode())
    decoded, _ = check_structure(token, 8192)
    assert [f.status for f in check_secret(decoded, token, secret)] == [Status.OK]
    [mismatch] = check_secret(decoded, token, "other-" + random_kid())
    assert mismatch.reason is Reason.BAD_SIGNATURE


def test_a_short_secret_is_checked_not_warned_about(issuer, recwarn):
    short = random_kid()[:5]
    token = hmac_token({"alg": "HS256"}, issuer.claims(), short.encode())
    decoded, _ = check_structure(token, 8192)
    assert check_secret(decoded, token, short)[0].ok
    assert not recwarn.list


def test_secret_says_nothing_about_an_eddsa_token(issuer):
    decoded, _ = check_structure(issuer.mint(), 8192)
    assert check_secret(decoded, issuer.mint(), "s-" + random_kid()) == []
