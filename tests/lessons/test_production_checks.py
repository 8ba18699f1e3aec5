"""Lesson 10's exercise checks (playground.lessons.exercise_checks): the right answer passes with its
reason, a wrong one gets a hint; the token budget is worked out against a running playground and
agrees with what its backend answers at the boundary."""

from __future__ import annotations

import pytest

import playground
from playground.lessons import attack_lab as lab
from playground.lessons import exercise_checks


@pytest.fixture(scope="module")
def pg():
    handle = playground.start("embedded")
    yield handle
    playground.stop()


def _answer(pg, token: str):
    return pg.api.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def test_the_permissions_budget_is_where_the_backend_starts_refusing(pg):
    budget = exercise_checks.permissions_budget(pg)

    def with_entries(count: int) -> str:
        return pg.controls.mint_token("grace@example.com", claims={"permissions": ["x" * 40] * count})

    assert _answer(pg, with_entries(budget)).status_code == 200
    refused = _answer(pg, with_entries(budget + 1))
    assert refused.status_code == 401 and refused.json()["reason"] == "token_too_large"
    assert exercise_checks.check_permissions_budget(pg, budget)
    too_many = exercise_checks.check_permissions_budget(pg, budget + 5)
    too_few = exercise_checks.check_permissions_budget(pg, 10)
    assert not too_many and "hint: fewer fit" in str(too_many) and str(budget) not in str(too_many)
    assert not too_few and "hint: more fit" in str(too_few)


def test_a_kid_carrying_a_log_line_is_refused_unread(pg):
    forged = lab.forge({"alg": "EdDSA", "kid": "key-1\nINFO admin signed in"}, {"sub": "x"},
                       lab.ed25519(lab.attacker_key()))
    answer = _answer(pg, forged)
    assert answer.status_code == 401 and "admin signed in" not in answer.text
    assert exercise_checks.check_kid_log_injection(answer.json()["reason"])
    wrong = exercise_checks.check_kid_log_injection("unknown_kid")
    assert not wrong and "): hint: " in str(wrong)


@pytest.mark.parametrize(("lifetime", "reason"), [(60 * 60 + 15 * 60, "expired"), (15 * 60, None)])
def test_signjwt_old_iat_wants_the_lifetime_counted_from_iat_and_expired(lifetime, reason):
    assert exercise_checks.check_signjwt_old_iat(15 * 60, "expired")
    wrong = exercise_checks.check_signjwt_old_iat(lifetime, reason)
    assert not wrong and "): hint: " in str(wrong)
