"""Lesson 03b's code: the solution passes every case of the checker, each draft part fails its own."""

from __future__ import annotations

import pytest

from playground.lessons.verifier import draft, solution
from playground.lessons.verifier.app import Parts, grade


def test_the_solution_passes_every_case():
    report = grade(Parts.of(solution))
    # Every case but the one that needs a clock-skew tolerance (the solution has none: leeway 0).
    not_run = {result.case.id for result in report.results if result.status == "not-run"}
    assert not_run == {"skew-within-leeway"}
    assert {result.status for result in report.results} == {"passed", "not-run"}, report.brief()


@pytest.mark.parametrize("part, trips", [
    ("verify_token", {"wrong-audience", "wrong-issuer", "missing-exp", "missing-audience", "missing-issuer"}),
    ("may_see_profile", {"other-users-profile"}),
    ("authenticate", {"malformed-tokens", "no-token", "no-server-errors"}),
])
def test_each_draft_part_trips_the_cases_of_its_mistake(part, trips):
    # The solution with one part swapped back to the draft's.
    report = grade(Parts.of(solution).fix(**{part: getattr(draft, part)}), only=tuple(trips))
    assert report.failed_ids() == trips, report.brief()


def test_solution_roles_split_on_commas_without_trimming():
    assert solution.User(id="u", role="user,admin").has_role("admin")
    assert not solution.User(id="u", role="user, admin").has_role("admin")
    assert not solution.User(id="u", role="admin\n").has_role("admin")
