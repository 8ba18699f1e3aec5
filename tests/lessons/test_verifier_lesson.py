"""Lesson 03b's code: the solution passes every case of the checker, each draft part fails its own,
``check_part`` grades one part at a time (with the key set's maximum-age probe), the exercise checks
say right or give a hint, and the notebook's hidden answers are solution.py's code, not a copy that
could drift."""

from __future__ import annotations

import asyncio
import inspect
import os
from pathlib import Path
from unittest import mock

import httpx
import nbformat
import pytest
from fastapi import Request

from playground import check
from playground.lessons.verifier import draft, grading, probes, solution
from playground.lessons.verifier.app import Parts, create_app, grade, lesson_issuer
from playground.lessons.verifier.grading import (
    MET_BY_LESSON_03,
    PART_CASES,
    brief,
    check_issuer_exercise,
    check_part,
    check_roles_exercise,
)

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03b_build_your_own_verifier.ipynb"


def test_the_solution_passes_every_case_it_can_be_graded_on():
    report = grade(Parts.of(solution))
    assert report.exit_code == 0 and not report.failed_ids(include_advisory=True), report.brief()
    assert report.result("skew-within-leeway").status == "passed"  # the leeway is declared and honoured
    assert report.result("other-users-resource-any-method").status == "passed"  # the write routes ran


@pytest.mark.parametrize("part, trips", [
    ("verify_token", {"wrong-audience", "wrong-issuer", "missing-exp", "missing-audience", "missing-issuer"}),
    ("is_owner", {"other-users-profile"}),
    ("authenticate", {"malformed-tokens", "no-token", "no-server-errors"}),
])
def test_each_draft_part_trips_the_cases_of_its_mistake(part, trips):
    # The solution with one part swapped back to the draft's.
    report = grade(Parts.of(solution).fix(**{part: getattr(draft, part)}), only=tuple(trips))
    assert report.failed_ids() == trips, report.brief()


def test_every_case_check_part_names_exists_and_the_met_ones_too():
    named = {case_id for cases in PART_CASES.values() for case_id in cases}
    assert named <= set(check.CASE_IDS) and MET_BY_LESSON_03 <= set(check.CASE_IDS)


def test_every_case_not_met_yet_names_the_lesson_that_teaches_it():
    later = [case for case in check.CASES if case.id not in MET_BY_LESSON_03]
    assert later and all(grading.lesson_of(case) for case in later)
    assert all(grading.lesson_of(case) is None for case in check.CASES if case.id in MET_BY_LESSON_03)


def test_check_part_says_right_for_the_solutions_key_set_and_runs_its_probes():
    verdict = check_part("KeySet", solution.KeySet)
    assert verdict.right, str(verdict)
    assert any(line.startswith("✓ max-key-age") for line in verdict.lines)
    assert any(line.startswith("✓ issuer-outage") for line in verdict.lines)


def test_check_part_catches_a_key_set_that_trusts_a_withdrawn_key_for_ever():
    class NoMaximumAge(solution.KeySet):  # a known kid is served from the first fetch for ever
        async def get(self, kid):
            return self.keys[kid] if kid in self.keys else await super().get(kid)

    verdict = check_part("KeySet", NoMaximumAge)
    assert verdict.failed == {"max-key-age"} and "NOT YET" in str(verdict)
    assert "hint: refetch the JWKS when the fetched set is older than MAX_KEY_AGE" in str(verdict)


def test_the_outage_probe_wants_held_keys_kept_and_new_keys_found_after():
    class WipesOnRefetch(solution.KeySet):  # empties its keys before a refetch that then fails
        async def get(self, kid):
            if kid not in self.keys and solution.time.monotonic() - self.fetched_at > solution.REFETCH_INTERVAL:
                self.keys = {}
            return await super().get(kid)

    class RemembersTheFailure(solution.KeySet):  # after one failed fetch, unknown kids never refetch
        failed = False

        async def get(self, kid):
            if self.failed and kid not in self.keys:
                raise solution.jwt.InvalidTokenError("the issuer was down")
            try:
                return await super().get(kid)
            except httpx.HTTPError:
                self.failed = True
                raise

    assert probes.run(probes.outage(solution.KeySet))[0]
    right, line = probes.run(probes.outage(WipesOnRefetch))
    assert not right and "while the issuer was down, a key it had served was refused" in line
    right, line = probes.run(probes.outage(RemembersTheFailure))
    assert not right and "once the issuer was back, its new key was not found" in line and "never keep" in line


def test_check_part_wants_a_503_with_retry_after_while_the_issuer_is_down():
    def answers_401(keys, issuer, verify=solution.verify_token):
        inner = solution.authenticate(keys, issuer, verify)

        async def current_user(request: Request):
            try:
                return await inner(request)
            except solution.HTTPException as exc:
                raise solution.HTTPException(401, "Invalid token", headers={"WWW-Authenticate": "Bearer"}) from exc

        return current_user

    assert probes.run(probes.issuer_down(solution.authenticate))[0]
    right, line = probes.run(probes.issuer_down(answers_401))
    assert not right and "answered 401, no Retry-After" in line and "hint: catch httpx.HTTPError" in line


def test_every_grade_of_the_lesson_shares_one_issuer_and_survives_a_rotation():
    first = grade(Parts.of(solution), only=("no-token",))
    issuer = lesson_issuer(first.config)
    issuer.controls.rotate_keys(keep_old=False)  # as key-rotated-in leaves it: the old key gone
    second = grade(Parts.of(solution), only=("no-token",))  # signs in afresh: tokens of the new key
    assert second.result("valid-token-accepted").status == "passed", second.brief()
    assert second.exit_code == 0 and lesson_issuer(second.config) is issuer and issuer.running
    issuer.stop()
    assert lesson_issuer(second.config) is not issuer  # a stopped one is started again


def test_check_part_names_the_failures_of_a_draft_part_with_hints():
    verdict = check_part("is_owner", draft.is_owner)
    assert {"other-users-profile", "other-users-resource-any-method"} <= verdict.failed
    assert "hint: compare the token's sub with {user_id}" in str(verdict)
    with pytest.raises(ValueError, match="unknown part"):
        check_part("Verifier", draft.is_owner)


def test_an_unwritten_part_gets_not_yet_and_the_setup_problem_instead_of_an_exception():
    class KeySet:  # the learner copy's skeleton
        def __init__(self, jwks_url: str) -> None:
            self.jwks_url = jwks_url

        async def get(self, kid):
            raise NotImplementedError("fetch the JWKS and return the key with this kid")

    verdict = check_part("KeySet", KeySet)
    assert "valid-token-accepted" in verdict.failed and "setup problem" in str(verdict)
    report = grading.grade_whole(Parts.of(solution).fix(KeySet=KeySet), only=("no-token",))
    assert report.setup_problems and "setup problem" in brief(report)


def test_a_case_that_shows_an_accepted_token_hints_its_own_fix_even_when_another_request_crashed():
    # The draft accepts sub = "" and crashes on sub = 123 (User(id=123)): the line shows the former.
    report = grade(Parts.of(draft), only=("sub-not-a-non-empty-string",))
    fix = next(case.fix for case in check.CASES if case.id == "sub-not-a-non-empty-string")
    assert "accepted sub = ''" in brief(report) and f"hint: {fix}; and another of its requests crashed" in brief(report)


def test_brief_shows_later_cases_only_when_asked():
    report = grade(Parts.of(draft).fix(authenticate=solution.authenticate),
                   only=("wrong-audience", "exp-enormous"))
    short, full = brief(report), brief(report, show_all=True)
    assert "wrong-audience" in short and "exp-enormous" not in short
    assert "from later lessons" in short and "exp-enormous" in full


def test_the_exercise_checks_say_right_or_give_a_hint():
    async def without_issuer(token, keys, issuer):
        kid = solution.jwt.get_unverified_header(token).get("kid")
        return solution.jwt.decode(token, await keys.get(kid), algorithms=solution.ALGORITHMS, audience=issuer,
                                   leeway=solution.LEEWAY, options={"require": ["exp", "iat", "iss", "aud", "sub"]})

    assert check_issuer_exercise(without_issuer, {"wrong-issuer", "issuer-trailing-slash"})
    wrong = check_issuer_exercise(without_issuer, {"wrong-issuer"})
    assert not wrong and "you predicted" in str(wrong)
    assert "drop issuer=" in str(check_issuer_exercise(solution.verify_token, {"wrong-issuer"}))
    truth = {"user,admin": True, "user, admin": False, "admin\n": False}
    assert check_roles_exercise(truth, "role-matching-like-better-auth")
    assert "no strip" in str(check_roles_exercise({**truth, "user, admin": True}, "role-matching-like-better-auth"))
    assert "no case" in str(check_roles_exercise(truth, "roles"))
    assert "does not send" in str(check_roles_exercise(truth, "forged-role"))


def test_fastapi_parses_the_body_before_the_dependency_authenticates():
    with mock.patch.dict(os.environ, {"BETTER_AUTH_URL": "http://127.0.0.1:9"}):
        app = create_app(Parts.of(solution))

    async def put(body: bytes) -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app.test") as client:
            return (await client.put("/api/users/u/profile", content=body,
                                     headers={"content-type": "application/json"})).status_code

    assert [asyncio.run(put(body)) for body in (b"{oops", b'{"name": ""}', b'{"name": "Ada"}')] == [422, 401, 401]


def test_the_notebooks_hidden_answers_are_solution_py():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    answers = [cell.source for cell in notebook.cells if "solution" in cell.metadata.get("tags", [])]
    for part in PART_CASES:
        source = inspect.getsource(getattr(solution, part)).rstrip()
        assert any(answer.endswith("\n" + source) for answer in answers), f"the notebook's {part} is not solution.py's"


def test_solution_roles_split_on_commas_without_trimming():
    assert solution.User(id="u", role="user,admin").has_role("admin")
    assert not solution.User(id="u", role="user, admin").has_role("admin")
    assert not solution.User(id="u", role="admin\n").has_role("admin")


def test_grading_module_exports_what_the_lesson_imports():
    assert {"brief", "check_part", "check_issuer_exercise", "check_roles_exercise"} <= set(grading.__all__)
