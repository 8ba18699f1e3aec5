"""The checker's verdicts: one line per case, grouped, with a summary; JUnit XML for CI.

The text is deterministic (no ports, no timings), so a lesson can print it and nbval can compare
it. Each failure shows what was sent, what came back, what a correct backend does and the fix.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .case import APP_DIED, NO_ANSWER, Case, Outcome

if TYPE_CHECKING:
    from .config import CheckConfig
    from .context import Exchange

GROUP_TITLES = {
    "baseline": "Baseline: the app trusts the playground issuer",
    "signature": "Who may sign",
    "claims": "Claims: for now, for here",
    "credentials": "The wrong credential in the right place",
    "keys": "Keys over time",
    "identity": "Identity and roles",
    "rfc6750": "RFC 6750: saying why",
    "cors": "CORS",
    "robustness": "Robustness: any input gets a verdict",
    "methods": "Every method of every route",
    "ownership": "Ownership: what one user may read and change of another's",
}
CRASH_FIX = ("a 500 is a crash: catch PyJWT's errors (jwt.PyJWTError) and your own lookups where the token is "
             "read, and answer 401")
HANG_FIX = ("a request that gets no answer is a hang: give every network call made while a token is read a short "
            "timeout (a JWKS fetch, a session lookup), never fetch from a URL the token names, and answer 401")
DIED_FIX = ("the app's process died on this request: find the cause in its log (--app-log), refuse the input with "
            "a 4xx instead")


def crash_fix(exchange: Exchange) -> str:
    """The fix for what went wrong: a 5xx, a request the app never answered, or a process that died."""
    if exchange.status == NO_ANSWER:
        return DIED_FIX if exchange.body.startswith(APP_DIED) else HANG_FIX
    return CRASH_FIX
MARKS = {"passed": "✓", "failed": "✗", "advisory": "!", "allowed": "~", "not-judged": "?", "not-run": "-"}
NOT_JUDGED = ("not judged: the app answered 429 Too Many Requests (rate limited), also after a retry; slow down or "
              "raise its limit, then run again")


@dataclass
class CaseResult:
    case: Case
    outcome: Outcome
    allowed: bool = False

    @property
    def status(self) -> str:
        """passed / failed (counts) / advisory (an advisory case failed) / allowed / not-judged
        (rate limited: no verdict) / not-run."""
        if not self.outcome.applicable:
            return "not-run"
        if self.outcome.rate_limited:
            return "not-judged"
        if self.outcome.passed:
            return "passed"
        if self.allowed:
            return "allowed"
        if self.case.weight == "advisory" and self.outcome.server_error is None:
            return "advisory"
        return "failed"

    def counts(self, strict: bool) -> bool:
        """Does this result fail the run? Required failures and any 5xx do; advisory ones with --strict.
        A failed baseline is a setup problem (exit 2), not a verdict on the app."""
        if self.case.weight == "baseline":
            return False
        return self.status == "failed" or (strict and self.status == "advisory")


@dataclass
class CheckReport:
    config: CheckConfig
    issuer_label: str
    issuer_url: str
    target: str
    results: list[CaseResult] = field(default_factory=list)
    #: Unhandled exceptions the app logged during the run (the causes of its 5xx answers).
    app_errors: list[str] = field(default_factory=list)
    #: False when a setup problem stopped the run before every case ran.
    complete: bool = False
    #: Why the target could not be graded fully (a baseline case failed), one sentence each.
    setup_problems: list[str] = field(default_factory=list)
    #: The file the app's own output went to (``--app module:attr`` runs), named when something failed.
    app_log: str | None = None

    @property
    def failures(self) -> list[CaseResult]:
        """The results that fail the run (exit code 1)."""
        return [r for r in self.results if r.counts(self.config.strict)]

    @property
    def advisories(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == "advisory"]

    @property
    def not_judged(self) -> list[CaseResult]:
        """Required cases the app answered 429 (rate limited): no verdict, so no pass either."""
        return [r for r in self.results if r.status == "not-judged" and r.case.weight != "advisory"]

    @property
    def passed(self) -> bool:
        return not self.failures and not self.setup_problems and not self.not_judged

    @property
    def exit_code(self) -> int:
        """0 passed; 1 a case that could run failed; 2 a setup problem, or a required case not
        judged (rate limited), and nothing failed."""
        return 1 if self.failures else 0 if self.passed else 2

    def result(self, case_id: str) -> CaseResult:
        return next(r for r in self.results if r.case.id == case_id)

    def failed_ids(self, *, include_advisory: bool = False) -> set[str]:
        wanted = ("failed", "advisory") if include_advisory else ("failed",)
        return {r.case.id for r in self.results if r.status in wanted}

    def summary(self) -> str:
        counts = {status: sum(r.status == status for r in self.results) for status in MARKS}
        verdict = ("INCOMPLETE" if not self.complete else "PASS" if self.passed else "FAIL" if self.failures
                   else "INCOMPLETE")  # complete, nothing failed, but a required case was not judged
        parts = [f"{counts['passed']} passed", f"{counts['failed']} failed"]
        if counts["advisory"]:
            parts.append(f"{counts['advisory']} advisory")
        if counts["allowed"]:
            parts.append(f"{counts['allowed']} allowed")
        if counts["not-judged"]:
            parts.append(f"{counts['not-judged']} not judged")
        if counts["not-run"]:
            parts.append(f"{counts['not-run']} not run")
        return f"{verdict}: " + ", ".join(parts)

    def crashes(self) -> list[Crash]:
        """The failed results that crashed or hung the app, grouped by root cause: the same
        status, body and route (one bug, however many cases ran into it)."""
        groups: dict[tuple, Crash] = {}
        consequences = self.consequences()
        for result in self.results:
            exchange = result.outcome.server_error
            if exchange is None or result.status not in ("failed", "advisory", "allowed") or \
                    result.case.id in consequences:
                continue
            key = (exchange.status, exchange.body[:200], exchange.method, exchange.path)
            groups.setdefault(key, Crash(len(groups) + 1, exchange)).results.append(result)
        return list(groups.values())

    def consequences(self) -> dict[str, list[str]]:
        """Failed case id -> the earlier failed cases whose requests are all it failed on (e.g.
        no-server-errors, failing only because of crashes already reported), or the failed cases
        its ``consequence_of`` names (cached-token-expires, when the app never checks exp)."""
        found: dict[str, list[str]] = {}
        earlier: dict[int, str] = {}
        failed = {result.case.id for result in self.results if result.status in ("failed", "advisory", "allowed")}
        for result in self.results:
            declared = [cause for cause in result.case.consequence_of if cause in failed]
            if result.status in ("failed", "advisory") and declared:
                found[result.case.id] = declared
                continue
            if result.status in ("failed", "advisory") and result.outcome.exchanges:
                causes = [earlier.get(id(e)) for e in result.outcome.exchanges]
                if all(causes):
                    found[result.case.id] = list(dict.fromkeys(causes))
                    continue
                for exchange in result.outcome.exchanges:
                    earlier.setdefault(id(exchange), result.case.id)
        return found

    def lines(self, *, details: bool = True) -> list[str]:
        out = [f"Checked {self.target} against the {self.issuer_label} at {self.issuer_url}"]
        crashes = {id(r): crash for crash in self.crashes() for r in crash.results}
        consequences = self.consequences()
        group = None
        for result in self.results:
            if result.case.group != group:
                group = result.case.group
                out.append(f"\n{GROUP_TITLES.get(group, group)}")
            weight = "" if result.case.weight == "required" or result.status == "passed" else f" [{result.case.weight}]"
            out.append(f"  {MARKS[result.status]} {result.case.id}{weight}: {result.case.title}")
            if result.status == "not-run":
                out.append(f"      {result.outcome.detail}")
            elif result.status == "not-judged":
                out.append(f"      {NOT_JUDGED}")
            elif not details or result.status not in ("failed", "advisory", "allowed"):
                continue
            elif result.case.id in consequences:
                causes = ", ".join(consequences[result.case.id])
                out.append(f"      a consequence of: {causes} (nothing more to fix here)")
            elif id(result) in crashes and len(crashes[id(result)].results) > 1:
                crash = crashes[id(result)]
                out.append(f"      {result.outcome.detail}: crash #{crash.number}, below")
            else:
                out.extend(_explain(result))
        several = [crash for crash in crashes.values() if len(crash.results) > 1]
        if details and several:
            out.append("\nCrashes, by cause (one bug each, however many cases ran into it)")
            for crash in dict.fromkeys(several):
                exchange = crash.exchange
                out.append(f"  #{crash.number} {exchange.method} {_path(exchange.path)} -> {exchange.got}: "
                           f"{len(crash.results)} cases ({', '.join(r.case.id for r in crash.results)})")
            out.append(f"      fix: {crash_fix(crash.exchange)}")
        if self.app_errors:
            out.append("\nThe app's own log (unhandled exceptions):")
            counted = Counter(self.app_errors)
            out.extend(f"  {line}" + (f" ({count} times)" if count > 1 else "") for line, count in counted.items())
        if self.setup_problems:
            out.append("\nSetup problem: " + " ".join(self.setup_problems))
        if self.app_log is not None and (not self.passed or self.app_errors):
            out.append(f"\nThe app's output (its log, tracebacks): {self.app_log}")
        out.append("\n" + self.summary())
        return out

    def brief(self) -> str:
        """Only what is not passing, one line each with its hint, then the summary (for lessons)."""
        out = []
        for result in self.results:
            if result.status in ("failed", "advisory", "allowed"):
                weight = " [advisory]" if result.status == "advisory" else ""
                out.append(f"{MARKS[result.status]} {result.case.id}{weight}: {result.outcome.detail}")
                error = result.outcome.server_error
                out.append(f"    hint: {crash_fix(error) if error else result.case.fix}")
            elif result.status == "not-judged":
                out.append(f"{MARKS[result.status]} {result.case.id}: {NOT_JUDGED}")
        out.append(self.summary())
        return "\n".join(out)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def write_junit(self, path: str | Path) -> None:
        """One testcase per case: the required and baseline ones in ``playground-check``, the
        advisory ones in ``playground-check.advisory`` (their failures are failures there, so
        dashboards show them, though they set the exit code only with --strict). Every testcase
        keeps the requests it sent in ``<system-out>``; a setup problem is a ``setup`` error."""
        root = ET.Element("testsuites", name="playground-check")
        main = _suite(root, "playground-check", [r for r in self.results if r.case.weight != "advisory"],
                      lambda r: r.counts(self.config.strict))
        _suite(root, "playground-check.advisory", [r for r in self.results if r.case.weight == "advisory"],
               lambda r: r.status in ("advisory", "failed"))
        if self.setup_problems or not self.complete:
            _setup_error(main, " ".join(self.setup_problems) or "the run stopped before every case ran")
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


@dataclass(eq=False)
class Crash:
    """One root cause of 5xx answers (or hangs): the first request that met it, and the cases it failed."""

    number: int
    exchange: Exchange
    results: list[CaseResult] = field(default_factory=list)


def write_setup_junit(path: str | Path, message: str) -> None:
    """The JUnit file of a run that could not start (the app does not import, a port is taken)."""
    root = ET.Element("testsuites", name="playground-check")
    _setup_error(_suite(root, "playground-check", [], lambda r: False), message)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _suite(root: ET.Element, name: str, results: list[CaseResult], fails) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(results)),
                          failures=str(sum(bool(fails(r)) for r in results)), errors="0",
                          skipped=str(sum(r.status in ("not-run", "not-judged") for r in results)))
    for result in results:
        testcase = ET.SubElement(suite, "testcase", classname=f"playground.check.{result.case.group}",
                                 name=result.case.id)
        if result.status == "not-run":
            ET.SubElement(testcase, "skipped", message=_xml(result.outcome.detail))
        elif result.status == "not-judged":
            ET.SubElement(testcase, "skipped", message=_xml(NOT_JUDGED))
        elif fails(result):
            kind = "server-error" if result.outcome.server_error else result.case.weight
            failure = ET.SubElement(testcase, "failure", message=_xml(result.outcome.detail or result.case.title),
                                    type=kind)
            failure.text = _xml("\n".join(_explain(result)))
        exchanges = [f"{e.method} {e.path} with {e.sent} -> {e.got}" for e in result.outcome.exchanges]
        if result.status == "allowed":
            exchanges.insert(0, "allowed: " + "\n".join(_explain(result)))
        if exchanges:
            ET.SubElement(testcase, "system-out").text = _xml("\n".join(exchanges))
    return suite


def _setup_error(suite: ET.Element, message: str) -> None:
    testcase = ET.SubElement(suite, "testcase", classname="playground.check.setup", name="setup")
    ET.SubElement(testcase, "error", message=_xml(message), type="setup-problem").text = _xml(message)
    suite.set("tests", str(int(suite.get("tests", "0")) + 1))
    suite.set("errors", str(int(suite.get("errors", "0")) + 1))


def _explain(result: CaseResult) -> list[str]:
    lines = []
    if result.outcome.detail:
        lines.append(f"      what happened: {result.outcome.detail}")
    culprit = result.outcome.culprit
    shown = ([culprit] if culprit else []) + [e for e in result.outcome.exchanges if e is not culprit][-2:]
    for exchange in shown:
        lines.append(f"      sent: {exchange.method} {_path(exchange.path)} with {exchange.sent} -> got {exchange.got}")
    lines.append(f"      a correct backend: {result.case.expect}")
    if result.outcome.server_error is not None:
        lines.append(f"      fix: {crash_fix(result.outcome.server_error)}; then: {result.case.fix}")
    else:
        lines.append(f"      fix: {result.case.fix}")
    if result.status == "allowed":
        lines.append("      (accepted as a known weakness with --allow)")
    return lines


def _xml(text: str) -> str:
    """Only characters XML 1.0 allows (an app's answer may carry any byte)."""
    return "".join(c for c in text if c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c > "\uffff")


def _path(path: str) -> str:
    return path if len(path) <= 60 else path[:59] + "…"
