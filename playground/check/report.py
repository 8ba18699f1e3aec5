"""The checker's verdicts: one line per case, grouped, with a summary; JUnit XML for CI.

The text is deterministic (no ports, no timings), so a lesson can print it and nbval can compare
it. Each failure shows what was sent, what came back, what a correct backend does and the fix.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .case import Case, Outcome

if TYPE_CHECKING:
    from .config import CheckConfig

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
}
CRASH_FIX = ("a 500 is a crash: catch PyJWT's errors (jwt.PyJWTError) and your own lookups where the token is "
             "read, and answer 401")
MARKS = {"passed": "✓", "failed": "✗", "advisory": "!", "allowed": "~", "not-run": "-"}


@dataclass
class CaseResult:
    case: Case
    outcome: Outcome
    allowed: bool = False

    @property
    def status(self) -> str:
        """passed / failed (counts) / advisory (an advisory case failed) / allowed / not-run."""
        if not self.outcome.applicable:
            return "not-run"
        if self.outcome.passed:
            return "passed"
        if self.allowed:
            return "allowed"
        if self.case.weight == "advisory" and self.outcome.server_error is None:
            return "advisory"
        return "failed"

    def counts(self, strict: bool) -> bool:
        """Does this result fail the run? Required failures and any 5xx do; advisory ones with --strict."""
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

    @property
    def failures(self) -> list[CaseResult]:
        """The results that fail the run (exit code 1)."""
        return [r for r in self.results if r.counts(self.config.strict)]

    @property
    def advisories(self) -> list[CaseResult]:
        return [r for r in self.results if r.status == "advisory"]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def result(self, case_id: str) -> CaseResult:
        return next(r for r in self.results if r.case.id == case_id)

    def failed_ids(self, *, include_advisory: bool = False) -> set[str]:
        wanted = ("failed", "advisory") if include_advisory else ("failed",)
        return {r.case.id for r in self.results if r.status in wanted}

    def summary(self) -> str:
        counts = {status: sum(r.status == status for r in self.results) for status in MARKS}
        verdict = "INCOMPLETE" if not self.complete else "PASS" if self.passed else "FAIL"
        parts = [f"{counts['passed']} passed", f"{counts['failed']} failed"]
        if counts["advisory"]:
            parts.append(f"{counts['advisory']} advisory")
        if counts["allowed"]:
            parts.append(f"{counts['allowed']} allowed")
        if counts["not-run"]:
            parts.append(f"{counts['not-run']} not run")
        return f"{verdict}: " + ", ".join(parts)

    def lines(self, *, details: bool = True) -> list[str]:
        out = [f"Checked {self.target} against the {self.issuer_label} at {self.issuer_url}"]
        group = None
        for result in self.results:
            if result.case.group != group:
                group = result.case.group
                out.append(f"\n{GROUP_TITLES.get(group, group)}")
            weight = "" if result.case.weight == "required" or result.status == "passed" else f" [{result.case.weight}]"
            out.append(f"  {MARKS[result.status]} {result.case.id}{weight}: {result.case.title}")
            if result.status == "not-run":
                out.append(f"      {result.outcome.detail}")
            elif details and result.status in ("failed", "advisory", "allowed"):
                out.extend(_explain(result))
        if self.app_errors:
            out.append("\nThe app's own log (unhandled exceptions):")
            out.extend(f"  {line}" for line in dict.fromkeys(self.app_errors))
        out.append("\n" + self.summary())
        return out

    def brief(self) -> str:
        """Only what is not passing, one line each with its hint, then the summary (for lessons)."""
        out = []
        for result in self.results:
            if result.status in ("failed", "advisory", "allowed"):
                weight = " [advisory]" if result.status == "advisory" else ""
                out.append(f"{MARKS[result.status]} {result.case.id}{weight}: {result.outcome.detail}")
                out.append(f"    hint: {CRASH_FIX if result.outcome.server_error else result.case.fix}")
        out.append(self.summary())
        return "\n".join(out)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def write_junit(self, path: str | Path) -> None:
        suite = ET.Element("testsuite", name="playground-check", tests=str(len(self.results)),
                           failures=str(len(self.failures)),
                           skipped=str(sum(r.status == "not-run" for r in self.results)))
        for result in self.results:
            testcase = ET.SubElement(suite, "testcase", classname=f"playground.check.{result.case.group}",
                                     name=result.case.id)
            if result.status == "not-run":
                ET.SubElement(testcase, "skipped", message=_xml(result.outcome.detail))
            elif result.counts(self.config.strict):
                kind = "server-error" if result.outcome.server_error else result.case.weight
                failure = ET.SubElement(testcase, "failure", message=_xml(result.outcome.detail or result.case.title),
                                        type=kind)
                failure.text = _xml("\n".join(_explain(result)))
            elif result.status in ("advisory", "allowed"):
                out = ET.SubElement(testcase, "system-out")
                out.text = _xml(f"{result.status}: " + "\n".join(_explain(result)))
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


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
        lines.append(f"      fix: {CRASH_FIX}; then: {result.case.fix}")
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
