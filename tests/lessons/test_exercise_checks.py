"""The lessons' check_ functions: the right answer passes with its reason, a wrong one gets a hint
(the solutions in the notebooks run the right answers against real servers; here, the wrong ones)."""

from __future__ import annotations

import pytest

from playground.lessons import attack_exercises, cors, cors_lab, exercise_checks, integration, websockets

NOT_OK = "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
EVIL = "https://evil.example"


@pytest.mark.parametrize(("check", "right", "wrongs"), [
    (cors.check_preflights, (None, NOT_OK), [("Method PATCH is not allowed", NOT_OK), (None, None)]),
    (cors.check_wildcard, (EVIL, EVIL, NOT_OK, EVIL),
     [("*", EVIL, NOT_OK, EVIL), (None, EVIL, NOT_OK, EVIL), (EVIL, EVIL, None, EVIL)]),
    (cors.check_origin_over_referer, (200, 403), [(403, 200), (200, 200), (403, 403)]),
    (cors_lab.check_untrusted_origin, (200, 403, True), [(200, 403, False), (403, 403, True), (200, 200, True)]),
    (cors_lab.check_diagnosis, ("missing-credentials-include",), [("untrusted-origin",), ("no-such-variant",)]),
    (websockets.check_subprotocol_order, (401, "missing_token"), [(401, "bad_signature")]),
    (websockets.check_ticket_expiry, ("expired",), [("invalid_session",)]),
    (integration.check_two_issuers, ({"a": "accepted", "b": "accepted"}, "a", "b"),
     [({"a": "accepted", "b": "wrong_issuer"}, "a", "b"), ({"a": "accepted"}, "a", "b")]),
    (attack_exercises.check_own_key, ((401, "bad_signature"), (401, "unknown_kid")),
     [((401, "unknown_kid"), (401, "bad_signature")), ((200, None), (401, "unknown_kid"))]),
    (attack_exercises.check_mixed_algorithms, ("x text",), [("PyJWK",), ("key object",), ("pem",)]),
    (attack_exercises.check_crit, ((401, "unsupported_critical_header"),), [((401, "bad_signature"),)]),
    (exercise_checks.check_two_alg_names, (True,), [(False,)]),
    (exercise_checks.check_bridge_clock_ahead, (401,), [(200,), (403,)]),
    (exercise_checks.check_secure_cookie_call, (401, "bad_signature"),
     [(200, None), (401, "missing_token"), (401, "malformed")]),
    (exercise_checks.check_decoded_cookie, ("ada@example.com",), [(None,)]),
    (exercise_checks.check_leeway_boundary, ("ada@example.com", "expired"),
     [("ada@example.com", "accepted"), (None, "expired")]),
    (exercise_checks.check_pyjwkclient_outage, ("PyJWKClientConnectionError",), [("k1",), ("PyJWKClientError",)]),
    (exercise_checks.check_unknown_kid_while_down, ("jwks_unavailable",), [("unknown_kid",), (None,)]),
    (exercise_checks.check_raw_token_two_ways, (401, 200), [(200, 200), (401, 401), (200, 401)]),
    (exercise_checks.check_misspelled_get_session, ("session_service_unavailable",), [("invalid_session",)]),
    (exercise_checks.check_cache_as_hs256_token, ("missing_claim",), [("grace@example.com",), ("bad_signature",)]),
    (exercise_checks.check_short_cache, (None,), [({"user": {}},)]),
    (exercise_checks.check_pair_at_backend, (401,), [(200,), (None,)]),
    (exercise_checks.check_late_replica, ((200, None), (200, None)), [((401, "unknown_kid"), (200, None))]),
    (exercise_checks.check_double_bearer, ("malformed",), [("bad_signature",)]),
    (exercise_checks.check_aud_list, (200,), [(401,)]),
], ids=lambda value: getattr(value, "__name__", None))
def test_right_passes_and_wrong_gets_a_hint(check, right, wrongs):
    verdict = check(*right)
    assert verdict and str(verdict).startswith("RIGHT (")
    for wrong in wrongs:
        verdict = check(*wrong)
        assert not verdict and str(verdict).startswith("NOT YET (") and "): hint: " in str(verdict)
