"""The exercise checks of lessons 00–04b and 07b: each says right for the right answer and gives
a hint (without the answer) for a wrong one, working the truth out against a running playground."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import playground
from playground.clock import Clock
from playground.lessons import basics_exercises as exercises
from playground.lessons.credentials import start_issuer_like
from playground.lessons.testing import LocalIssuer


@pytest.fixture(scope="module")
def pg():
    handle = playground.start("embedded")
    handle.auth.post("/api/auth/sign-in/email", headers={"origin": handle.auth_url},
                     json={"email": "grace@example.com", "password": handle.demo_password}).raise_for_status()
    yield handle
    playground.stop()


def _token(pg) -> str:
    return pg.auth.get("/api/auth/token").json()["token"]


def _right_then_wrong(right, wrong, wrong_name: str) -> None:
    assert right, str(right)
    assert not wrong and "hint:" in str(wrong) and wrong_name in str(wrong)


def test_lesson_00(pg):
    _right_then_wrong(exercises.check_admin_token(pg, role="admin", same_header=True),
                      exercises.check_admin_token(pg, role="admin", same_header=False), "same_header")
    _right_then_wrong(exercises.check_garbage_bearer(pg, status=401, error="invalid_token"),
                      exercises.check_garbage_bearer(pg, status=403, error="invalid_token"), "status")


def test_lesson_01(pg):
    _right_then_wrong(exercises.check_same_token_twice(pg, same=True),
                      exercises.check_same_token_twice(pg, same=False), "same")
    token = _token(pg)
    right = exercises.check_respelled_signature(pg, token, pyjwt_accepts=False, backend_accepts=False)
    assert "Invalid crypto padding" in str(right)  # the surprise is explained
    _right_then_wrong(right, exercises.check_respelled_signature(pg, token, pyjwt_accepts=True, backend_accepts=False),
                      "pyjwt_accepts")
    assert exercises.respell_last_character("abcA") == "abcB"


def test_lesson_02(pg):
    extra = "better-auth.dont_remember"
    _right_then_wrong(exercises.check_remember_me(pg, max_age=False, extra_cookie=extra),
                      exercises.check_remember_me(pg, max_age=True, extra_cookie=extra), "max_age")
    signed_in = pg.auth.post("/api/auth/sign-in/email", headers={"origin": pg.auth_url},
                             json={"email": "ada@example.com", "password": pg.demo_password})
    signed_token = signed_in.headers["set-auth-token"]
    _right_then_wrong(
        exercises.check_tampered_bearer(pg, signed_token, session_status=200, session_body=None, token_status=401),
        exercises.check_tampered_bearer(pg, signed_token, session_status=401, session_body=None, token_status=401),
        "session_status")
    assert exercises.tamper_signature("t.Abc=") == "t.Bbc=" and exercises.tamper_signature("t.xyz") == "t.Ayz"
    _right_then_wrong(exercises.check_second_device(pg, same_claims=True, session_claim=None),
                      exercises.check_second_device(pg, same_claims=True, session_claim="sid"), "session_claim")


def test_lesson_03(pg):
    token = _token(pg)
    _right_then_wrong(exercises.check_token_in_url(pg, token, status=401, reason="token_in_query"),
                      exercises.check_token_in_url(pg, token, status=401, reason="malformed"), "reason")
    _right_then_wrong(exercises.check_trailing_slash_iss(pg, accepted=False, reason="wrong_issuer"),
                      exercises.check_trailing_slash_iss(pg, accepted=True, reason=None), "accepted")
    _right_then_wrong(exercises.check_leeway_expired(leeway_30_accepts=True, backend_reason="expired"),
                      exercises.check_leeway_expired(leeway_30_accepts=False, backend_reason="expired"),
                      "leeway_30_accepts")


def test_lesson_04(pg):
    ada = pg.auth.post("/api/auth/sign-in/email", headers={"origin": pg.auth_url},
                       json={"email": "ada@example.com", "password": pg.demo_password}).json()["user"]
    grace_id = pg.auth.post("/api/auth/sign-in/email", headers={"origin": pg.auth_url},
                            json={"email": "grace@example.com", "password": pg.demo_password}).json()["user"]["id"]
    ada_jwt = pg.controls.mint_token("ada@example.com")
    assert ada["role"] == "admin"
    _right_then_wrong(exercises.check_admin_reads_other(pg, ada_jwt, grace_id, status=403, reason="user_mismatch"),
                      exercises.check_admin_reads_other(pg, ada_jwt, grace_id, status=200, reason=None), "status")
    _right_then_wrong(
        exercises.check_sub_over_id(pg, ada["id"], grace_id, ada_profile=200, grace_profile=403,
                                    email="grace@example.com"),
        exercises.check_sub_over_id(pg, ada["id"], grace_id, ada_profile=403, grace_profile=200,
                                    email="grace@example.com"), "ada_profile")
    _right_then_wrong(exercises.check_role_strings(pg, {"admin,": 200, "user,,admin": 200, "superadmin": 403}),
                      exercises.check_role_strings(pg, {"admin,": 200, "user,,admin": 200, "superadmin": 200}),
                      "superadmin")


def test_lesson_04b():
    async def checks():
        with LocalIssuer(clock=Clock.system()) as issuer:
            return [await exercises.check_algorithm_setting(issuer, good_reason="unsupported_algorithm",
                                                            expired_reason="unsupported_algorithm"),
                    await exercises.check_algorithm_setting(issuer, good_reason="unsupported_algorithm",
                                                            expired_reason="expired"),
                    await exercises.check_admin_override(issuer, role="admin", purge_status=200),
                    await exercises.check_admin_override(issuer, role="user", purge_status=200),
                    await exercises.check_foreign_key_same_kid(issuer, status=401, reason="bad_signature"),
                    await exercises.check_foreign_key_same_kid(issuer, status=401, reason="unknown_kid")]

    algorithm, algorithm_wrong, override, override_wrong, same_kid, same_kid_wrong = asyncio.run(checks())
    _right_then_wrong(algorithm, algorithm_wrong, "expired_reason")
    _right_then_wrong(override, override_wrong, "require_role")
    _right_then_wrong(same_kid, same_kid_wrong, "reason")


def test_lesson_07b(pg):
    strict = start_issuer_like(pg, {"plugins": {"bearer": {"requireSignature": True}}})
    try:
        strict_sign_in = httpx.post(f"{strict.url}/api/auth/sign-in/email", headers={"origin": strict.url},
                                    json={"email": "ada@example.com", "password": pg.demo_password})
        raw = strict_sign_in.json()["token"]
        _right_then_wrong(exercises.check_secret_holder(strict.url, raw, pg.secret, status=200),
                          exercises.check_secret_holder(strict.url, raw, pg.secret, status=401), "status")
    finally:
        strict.stop()
