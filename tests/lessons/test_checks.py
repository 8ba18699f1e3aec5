"""The verdict every lesson's ``check_…`` function returns (playground.lessons.checks)."""

from playground.lessons.checks import verdict


def test_a_right_answer_says_why_and_is_truthy():
    result = verdict("exercise 1", True, why="the preflight lists authorization", hint="look at the header")
    assert result and str(result) == "RIGHT (exercise 1): the preflight lists authorization"
    assert repr(result) == str(result)


def test_a_wrong_answer_gives_the_hint_and_is_falsy():
    result = verdict("exercise 2", False, why="unused", hint="which header is not safelisted?")
    assert not result and str(result) == "NOT YET (exercise 2): hint: which header is not safelisted?"
