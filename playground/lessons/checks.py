"""The verdict a lesson's ``check_…`` function gives on a learner's answer: right, or a hint.

The learners' copy has no solutions (``make learner-copy``), so every exercise of the lessons that
use this ends in a ``check_…`` call the learner runs on their own answer. The verdict says why it
is right, or gives a hint that points at the mistake without handing over the answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    exercise: str
    right: bool
    message: str

    def __str__(self) -> str:
        # The wording of lessons 00-04b's checks (playground.lessons.exercises): RIGHT, or NOT YET.
        return f"{'RIGHT' if self.right else 'NOT YET'} ({self.exercise}): {self.message}"

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.right


def verdict(exercise: str, right: bool, *, why: str, hint: str) -> Verdict:
    """``why`` when the answer is right, ``hint`` when it is not."""
    return Verdict(exercise, right, why if right else f"hint: {hint}")


__all__ = ["Verdict", "verdict"]
