"""What the doctor reports: findings (one per check), and the diagnosis that sums them up.

A finding is ``ok``, a ``warning`` (something was *not* checked, or was assumed) or an ``error``
(with the backend's reason code). The verdict is the conservative sum: ``ACCEPTED`` only when
the signature was checked against a key the caller configured and every check passed; ``NOT
VERIFIED`` when nothing is wrong with the token but its key could not be checked (no key source
given, or the JWKS did not answer); ``REJECTED`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from playground.backend.errors import AuthError, Reason


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


class Verdict(StrEnum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    NOT_VERIFIED = "NOT VERIFIED"


#: Errors that say nothing about the token itself: the verifier could not get its keys.
UPSTREAM_REASONS = frozenset({Reason.JWKS_UNAVAILABLE})

_MARKS = {Status.OK: "ok ", Status.WARNING: "WRN", Status.ERROR: "ERR"}


@dataclass(frozen=True)
class Finding:
    """One check's outcome. ``reason`` is the backend's code when the check failed."""

    check: str
    status: Status
    message: str
    reason: Reason | None = None
    cause: str = ""
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @classmethod
    def passed(cls, check: str, message: str) -> Finding:
        return cls(check, Status.OK, message)

    @classmethod
    def warning(cls, check: str, message: str, *, cause: str = "", fix: str = "") -> Finding:
        return cls(check, Status.WARNING, message, cause=cause, fix=fix)

    @classmethod
    def failed(cls, check: str, error: AuthError, *, message: str | None = None) -> Finding:
        """The backend's error as a finding: its reason code and description (cause and fix come
        from the advice stage)."""
        return cls(check, Status.ERROR, message or error.description, error.reason)


@dataclass
class Diagnosis:
    """Everything the doctor found about one token, against one configuration."""

    token: str
    expected: dict[str, str]
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        errors = [f for f in self.findings if f.status is Status.ERROR]
        if any(f.reason not in UPSTREAM_REASONS for f in errors):
            return Verdict.REJECTED
        passed = {f.check for f in self.findings if f.ok}
        if not errors and {"signature", "claims"} <= passed:
            return Verdict.ACCEPTED
        return Verdict.NOT_VERIFIED

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPTED

    @property
    def reasons(self) -> list[Reason]:
        return [f.reason for f in self.findings if f.reason is not None]

    def __str__(self) -> str:
        lines = [f"Token {self.verdict}"]
        lines += [f"  expected {name}: {value}" for name, value in self.expected.items()]
        for finding in self.findings:
            code = f" [{finding.reason.value}]" if finding.reason else ""
            lines.append(f"{_MARKS[finding.status]} {finding.check}: {finding.message}{code}")
            if finding.cause:
                lines.append(f"      cause: {finding.cause}")
            if finding.fix:
                lines.append(f"      fix:   {finding.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from playground.display import diagnosis_html

        return diagnosis_html(self)
