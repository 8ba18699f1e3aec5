"""Stages 5 and 6, claims and advice: the backend's claim checks, then cause and fix for each finding."""

from __future__ import annotations

import math

import pytest

from playground.backend.errors import InvalidTokenError, Reason
from playground.doctor.advice import PLAYBOOK, Context, advise, issuer_hint
from playground.doctor.claims import check_claims
from playground.doctor.expected import expected_values
from playground.doctor.findings import Finding, Status

NOW = 1_767_258_000  # 2026-01-01T09:00:00Z
ISSUER = "http://127.0.0.1:3000"


def expected(**options):
    values = dict(issuer=ISSUER, audience=None, jwks_url=None, base_url=None, algorithms=["EdDSA"], leeway=0.0, now=NOW)
    return expected_values(**(values | options))


def claims(**overrides):
    return {"sub": "user-ada", "iat": NOW, "exp": NOW + 900, "iss": ISSUER, "aud": ISSUER} | overrides


def test_good_claims_are_one_ok_line():
    [finding] = check_claims(claims(), expected(), jwks_answered=True)
    assert finding.ok and "iss and aud as expected" in finding.message and "(in 900 s)" in finding.message


def test_every_claim_problem_is_reported():
    findings = check_claims(claims(exp=NOW - 5, aud="http://x.example", sub=""), expected(), jwks_answered=True)
    assert {f.reason for f in findings} == {Reason.EXPIRED, Reason.WRONG_AUDIENCE, Reason.INVALID_CLAIM}


def test_without_an_expected_issuer_iss_and_aud_are_not_compared():
    [finding] = check_claims(claims(iss="http://attacker.example"), expected(issuer=None), jwks_answered=True)
    assert finding.ok and "not compared" in finding.message


def test_a_guess_from_a_jwks_url_that_did_not_answer_is_not_held_against_the_token():
    guessed = expected(issuer=None, jwks_url="http://127.0.0.1:9/api/auth/jwks")
    [finding] = check_claims(claims(), guessed, jwks_answered=False)
    assert finding.ok and "not compared" in finding.message
    # the same guess, once the JWKS did answer, is compared
    assert {f.reason for f in check_claims(claims(), guessed, jwks_answered=True)} == {
        Reason.WRONG_ISSUER, Reason.WRONG_AUDIENCE}


def test_an_audience_given_alone_is_still_compared():
    findings = check_claims(claims(), expected(issuer=None, audience="api://other"), jwks_answered=True)
    assert [f.reason for f in findings] == [Reason.WRONG_AUDIENCE]
    [ok] = check_claims(claims(aud="api://other"), expected(issuer=None, audience="api://other"), jwks_answered=True)
    assert "iss not compared" in ok.message


def test_an_issuer_given_explicitly_is_compared_even_when_the_jwks_did_not_answer():
    findings = check_claims(claims(iss="http://other.example"), expected(), jwks_answered=False)
    assert [f.reason for f in findings] == [Reason.WRONG_ISSUER]


TIME_VALUES = [10**400, -10**400, 2**63, 1e308, -1e300, 1e20, -1, math.inf, -math.inf, True, False, "1767258900",
               None, [NOW], {"t": NOW}, 0.5]


@pytest.mark.parametrize("name", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", TIME_VALUES, ids=repr)
def test_a_time_claim_of_any_size_or_type_gets_a_finding(name, value):
    findings = check_claims(claims(**{name: value}), expected(), jwks_answered=True)
    assert findings
    context = Context(header={}, claims=claims(**{name: value}), expected=expected(), secret_given=False)
    for finding in findings:
        advised = advise(finding, context)
        assert advised.status is finding.status and (advised.ok or advised.cause)


def test_a_never_expiring_exp_is_not_accepted():
    # json reads 1e400 as infinity; 10**400 is an exact int: neither may mean "never expires".
    for exp in (math.inf, 10**400):
        assert not check_claims(claims(exp=exp), expected(), jwks_answered=True)[0].ok


def advised(reason, *, header=None, secret_given=False, **claim_overrides):
    context = Context(header=header or {}, claims=claims(**claim_overrides), expected=expected(),
                      secret_given=secret_given)
    return advise(Finding.failed("claims", InvalidTokenError(reason, "x")), context)


def test_expired_says_when_and_how_long_ago():
    finding = advised(Reason.EXPIRED, iat=NOW - 1000, exp=NOW - 100)
    assert "2026-01-01T08:58:20Z, 100 s ago" in finding.cause and "15-minute" in finding.cause
    assert "just expired" in finding.fix


def test_skew_names_the_leeway_that_would_cover_it():
    finding = advised(Reason.ISSUED_IN_FUTURE, iat=NOW + 42)
    assert "42 s ahead" in finding.cause and "leeway of at least 42 s" in finding.fix


def test_hmac_advice_mentions_secret_env_only_when_no_secret_was_given():
    without = advised(Reason.UNSUPPORTED_ALGORITHM, header={"alg": "HS256"})
    given = advised(Reason.UNSUPPORTED_ALGORITHM, header={"alg": "HS256"}, secret_given=True)
    assert "shared secret" in without.cause and "--secret-env" in without.fix
    assert "--secret-env" not in given.fix and "secret finding" in given.fix


def test_a_checks_own_cause_and_fix_are_kept():
    finding = Finding("structure", Status.ERROR, "m", Reason.MALFORMED, "own cause", "own fix")
    assert advise(finding, Context({}, {}, None, False)) == finding


@pytest.mark.parametrize("found, expected_value, phrase", [
    (ISSUER + "/", ISSUER, "trailing slash"),
    (ISSUER + "/api/auth", ISSUER, "the token's value"),
    (ISSUER, ISSUER + "/api/auth", "the expected value"),
    ("http://attacker.example", ISSUER, "Host header"),
])
def test_issuer_hints(found, expected_value, phrase):
    assert phrase in issuer_hint(found, expected_value)


@pytest.mark.parametrize("found", [None, 42, ["x"], "not a url", "http://127.0.0.1:3001"])
def test_no_issuer_hint_without_a_common_cause(found):
    assert issuer_hint(found, ISSUER) is None


# Reasons about a request rather than a token: the doctor never sees them.
REQUEST_REASONS = {Reason.MISSING_TOKEN, Reason.UNSUPPORTED_SCHEME, Reason.TOKEN_IN_QUERY, Reason.INVALID_SESSION,
                   Reason.USER_MISMATCH, Reason.MISSING_ROLE, Reason.SESSION_SERVICE_UNAVAILABLE}


def test_the_playbook_covers_every_token_reason_of_the_backend():
    # One list of reason codes: a code the backend adds for tokens needs a cause and a fix here.
    assert set(Reason) - REQUEST_REASONS == set(PLAYBOOK)
    assert all(cause and fix for cause, fix in PLAYBOOK.values())
