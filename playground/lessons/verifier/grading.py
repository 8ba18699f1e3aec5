"""Lesson 03b's grading, part by part, in the style of lesson 09's ``check_challenge``.

* ``check_part(name, implementation)``: the solution's verifier with one part swapped for the
  learner's, graded on the checker cases that part decides (``PART_CASES``); it says, case by
  case, what passed and, for what did not, what came back and the hint. The key set and the
  dependency also get probes the checker cannot make in a lesson's seconds (``probes.py``): a
  withdrawn key refused once the set is older than ``solution.MAX_KEY_AGE``, held keys kept through
  an issuer outage and new ones found after it, and a 503 with ``Retry-After`` while the JWKS is
  unreachable.
* ``brief(report)``: a report showing only the cases about what lessons 00–03 (and this one)
  taught (``MET_BY_LESSON_03``), plus one line counting the others; ``show_all=True`` lists them,
  each with the lesson that teaches it (``lesson_of``), so no name comes unexplained.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from playground import check
from playground.check.case import NO_ANSWER
from playground.check.engine import SetupProblem
from playground.lessons.checks import Verdict, verdict

from . import probes, solution
from .app import Parts, grade

#: The checker cases each part decides (the other three parts are the solution's while it is graded).
#: The ``jwks-outage-*`` cases (lesson 06) are in none: each takes the issuer down for seconds
#: (``fails-closed`` with a cold start too), so the full report (``grade_whole``) runs them once, on
#: all four parts; the key set's share of them is its ``issuer-outage`` probe (``probes.py``), and
#: no key set can fail ``fails-closed`` (the forgeries carry the attacker's signature).
PART_CASES: dict[str, tuple[str, ...]] = {
    "KeySet": ("unknown-kid", "attacker-key-known-kid", "kid-path-traversal", "jwks-fetch-amplification",
               "key-rotated-in", "key-rotated-out"),
    "verify_token": ("expired", "missing-exp", "wrong-issuer", "missing-issuer", "issuer-exact-match",
                     "issuer-trailing-slash", "wrong-audience", "missing-audience", "skew-within-leeway",
                     "skew-beyond-leeway", "missing-iat", "missing-sub", "sub-not-a-non-empty-string",
                     "hs256-with-secret", "alg-none", "tampered-payload", "not-yet-valid", "exp-enormous",
                     "time-claims-odd-types", "alg-confusion-hs256-public-key", "embedded-jwk", "jku-injection",
                     "cookie-cache-jwt-as-bearer"),
    "authenticate": ("no-token", "malformed-tokens", "authorization-scheme", "www-authenticate-missing-token",
                     "www-authenticate-invalid-token", "no-credentials-every-method", "oversized-token",
                     "token-in-query", "identity-from-gateway-headers", "no-server-errors"),
    "is_owner": ("other-users-profile", "forged-sub-on-profile", "other-users-resource-any-method"),
}

#: Cases about what lessons 00–03 and this lesson teach: signatures, algorithms and the one spelling
#: of a token (01, 03), the claims and their exact match (03), the 401 and its challenge, tokens in
#: URLs (03), the owner rule and write routes (here). The others (CORS, key rotation, cookies,
#: attacks) belong to later lessons.
MET_BY_LESSON_03 = frozenset({
    "valid-token-accepted", "public-route-open", "own-profile-allowed", "admin-allowed-for-admin",
    "no-token", "hs256-with-secret", "tampered-payload", "stripped-signature", "unknown-kid",
    "expired", "missing-exp", "wrong-issuer", "missing-issuer", "issuer-exact-match", "issuer-trailing-slash",
    "wrong-audience", "missing-audience", "skew-within-leeway", "skew-beyond-leeway", "leeway-at-most-5-minutes",
    "missing-iat", "missing-sub", "sub-not-a-non-empty-string", "malformed-tokens", "authorization-scheme",
    "www-authenticate-missing-token", "www-authenticate-invalid-token", "other-users-profile",
    "other-users-resource-any-method", "no-credentials-every-method", "no-server-errors", "token-in-query",
    "non-canonical-base64url",
})

#: Where the workbook teaches what a later case checks (by the case's group, then a few exceptions),
#: so a name the learner has not met yet comes with the lesson that explains it.
LESSON_OF_GROUP = {"baseline": "03", "signature": "09", "claims": "06", "credentials": "07", "sessions": "07",
                   "keys": "06", "identity": "04", "ownership": "04", "methods": "04", "cors": "05",
                   "robustness": "09", "rfc6750": "03"}
LESSON_OF_CASE = {"oversized-token": "10", "insufficient-scope-403": "04", "key-source-from-token": "09",
                  "exp-enormous": "09", "time-claims-odd-types": "09"}

MARKS = {"passed": "✓", "failed": "✗", "advisory": "!", "allowed": "~", "not-run": "·", "not-judged": "?"}


def lesson_of(case: check.Case) -> str | None:
    """The lesson that teaches what ``case`` checks, for a case not met by lesson 03b (else None)."""
    if case.id in MET_BY_LESSON_03:
        return None
    return LESSON_OF_CASE.get(case.id, LESSON_OF_GROUP.get(case.group))


def _lines(results: list[check.CaseResult]) -> list[str]:
    out = []
    for result in results:
        later = lesson_of(result.case)
        weight = (" [advisory]" if result.case.weight == "advisory" else "") + (f" (lesson {later})" if later else "")
        if result.status == "passed":
            out.append(f"✓ {result.case.id}{weight}: {result.case.title}")
            continue
        out.append(f"{MARKS[result.status]} {result.case.id}{weight}: {result.outcome.detail}")
        if result.status in ("failed", "advisory"):
            out.append(f"    hint: {_hint(result)}")
    return out


def _hint(result: check.CaseResult) -> str:
    """The crash's fix when a 5xx decided the case; the case's own when what it shows was accepted,
    with the crash's after it when another of its requests crashed."""
    culprit, crash = result.outcome.culprit, result.outcome.server_error
    if crash is None:
        return result.case.fix
    if culprit is None or culprit.status >= 500 or culprit.status == NO_ANSWER:
        return check.report.crash_fix(crash)
    return f"{result.case.fix}; and another of its requests crashed: {check.report.crash_fix(crash)}"


SETUP_HINT = ("nothing else can be graded until the app accepts a genuine token on /api/me: "
              "finish the parts above (each check_part says which case it fails)")


def grade_whole(parts: Parts, **options: Any) -> check.CheckReport:
    """``grade(parts)``, or, when the app cannot be graded yet (it refuses or crashes on a genuine
    token), the report of what could run, its ``setup_problems`` saying why."""
    try:
        return grade(parts, **options)
    except SetupProblem as problem:
        return problem.report


def brief(report: check.CheckReport, *, show_all: bool = False) -> str:
    """What is not passing among the cases met so far (every case with ``show_all``), then a count
    of the rest and the summary over all of them."""
    shown, later = [], []
    for result in report.results:
        (shown if show_all or result.case.id in MET_BY_LESSON_03 else later).append(result)
    out = [line for line in _lines([r for r in shown if r.status != "passed"])]
    if later:
        counts = Counter("not passing" if r.status in ("failed", "advisory") else r.status.replace("-", " ")
                         for r in later)
        tally = ", ".join(f"{counts[name]} {name}" for name in ("passed", "not passing", "not run") if counts[name])
        out.append(f"+ {_cases(len(later))} from later lessons (CORS, rotation, cookies, attacks): {tally} — "
                   "brief(report, show_all=True) lists them")
    if report.setup_problems:
        out.append(f"setup problem: {' '.join(report.setup_problems)}\n    hint: {SETUP_HINT}")
    out.append(report.summary())
    return "\n".join(out)


def _cases(count: int) -> str:
    return f"{count} case" if count == 1 else f"{count} cases"


@dataclass
class PartResult:
    """The verdict on one learner-written part: ``right`` when every case it decides passes."""

    part: str
    lines: list[str]
    failed: set[str] = field(default_factory=set)

    @property
    def right(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        verdict = (f"RIGHT: your {self.part} passes every case it decides" if self.right
                   else f"NOT YET: your {self.part} fails {', '.join(sorted(self.failed))}")
        return "\n".join([*self.lines, verdict])


def check_part(part: str, implementation: Any, *, show_all: bool = False) -> PartResult:
    """Grade ``implementation`` as the verifier's ``part`` (a name of ``PART_CASES``)."""
    if part not in PART_CASES:
        raise ValueError(f"unknown part {part!r}; choose one of {', '.join(PART_CASES)}")
    if implementation is None or implementation is Ellipsis:
        return PartResult(part, ["not tried: write the part in the cell above, then run this one"], {"not written"})
    report = grade_whole(Parts.of(solution).fix(**{part: implementation}), only=PART_CASES[part])
    results = [r for r in report.results if r.case.id in PART_CASES[part] or r.status not in ("passed", "not-run")]
    shown = [r for r in results if show_all or r.case.id in MET_BY_LESSON_03 or r.status != "passed"]
    lines = _lines(shown)
    hidden = len(results) - len(shown)
    if hidden:
        lines.append(f"+ {_cases(hidden)} from later lessons, all passing (show_all=True lists them)")
    failed = {r.case.id for r in results if r.status in ("failed", "advisory")}
    if report.setup_problems:
        lines.append(f"setup problem: {' '.join(report.setup_problems)}\n    hint: {SETUP_HINT}")
        failed.add("valid-token-accepted")
    for probe_id, probe in probes.PROBES.get(part, ()) if not failed else ():
        right, line = probes.run(probe(implementation))
        lines.append(line)
        if not right:
            failed.add(probe_id)
    return PartResult(part, lines, failed)


ISSUER_CASES = ("wrong-issuer", "missing-issuer", "issuer-trailing-slash")


def check_issuer_exercise(verify_without_issuer: Any, predicted: set[str]) -> Verdict:
    """Exercise 1: grade the learner's ``verify_token`` without ``issuer=`` on the three issuer
    cases, and compare what failed (advisories included) with ``predicted``."""
    report = grade(Parts.of(solution).fix(verify_token=verify_without_issuer), only=ISSUER_CASES)
    failed = {r.case.id for r in report.results if r.case.id in ISSUER_CASES and r.status in ("failed", "advisory")}
    if "missing-issuer" in failed:
        hint = "your variant lets a token without iss in: keep options={'require': [..., 'iss']}; drop only issuer="
    elif not failed:
        hint = "your variant still checks the issuer: drop issuer= from jwt.decode"
    else:
        hint = (f"you predicted {sorted(predicted)}, the checker failed another set: require refuses a token "
                "*without* iss; only issuer= compares its value, trailing slash included")
    return verdict("03b exercise 1", bool(failed) and "missing-issuer" not in failed and set(predicted) == failed,
                   why=f"{', '.join(sorted(failed))} fail; missing-issuer passes, because require still lists iss",
                   hint=hint)


def check_roles_exercise(answers: dict[str, bool], catching_case: str) -> Verdict:
    """Exercise 2: the learner's predictions of ``User.has_role("admin")`` for each role string,
    and the checker case that would catch a trimming rule."""
    truth = {role: solution.User(id="u", role=role).has_role("admin") for role in answers}
    wrong = sorted(role for role, answer in answers.items() if answer != truth[role])
    if wrong:
        hint = (f"{', '.join(map(repr, wrong))}: has_role splits on ',' and compares each piece as it is (no strip), "
                "like Better Auth's admin plugin")
    elif catching_case not in {case.id for case in check.CASES}:
        hint = f"{catching_case!r} is no case of the checker; list them with check.CASE_IDS"
    else:
        hint = f"{catching_case} does not send 'user, admin'; look for the identity case about role matching"
    return verdict("03b exercise 2", not wrong and catching_case == "role-matching-like-better-auth",
                   why="a trimming has_role grants admin to 'user, admin', which Better Auth refuses", hint=hint)


__all__ = ["ISSUER_CASES", "LESSON_OF_CASE", "LESSON_OF_GROUP", "MET_BY_LESSON_03", "PART_CASES", "PartResult", "brief",
           "check_issuer_exercise", "check_part", "check_roles_exercise", "grade_whole", "lesson_of"]
