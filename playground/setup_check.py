"""Is this environment ready for the workbook? The checks behind ``00_setup_check``."""

from __future__ import annotations

import importlib.metadata
import sys
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.version import Version

from playground.better_auth.launcher import MINIMUM_NODE, node_available
from playground.frontend.browser import CHROMIUM, chromium_missing

DISTRIBUTION = "better-auth-fastapi-workbook"


@dataclass(frozen=True)
class Check:
    name: str
    requirement: str
    ok: bool
    required: bool
    fix: str = ""


class Report:
    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks

    @property
    def ready(self) -> bool:
        """Every required check passed (Node and Chromium are optional)."""
        return all(check.ok for check in self.checks if check.required)

    def __repr__(self) -> str:
        rows = []
        for check in self.checks:
            mark = "ok " if check.ok else ("MISSING" if check.required else "absent (optional)")
            line = f"{mark:>18}  {check.name:<22} {check.requirement}"
            if not check.ok and check.fix:
                line += f"\n{'':>20}fix: {check.fix}"
            rows.append(line)
        return "\n".join(rows)


def check_environment() -> Report:
    checks = [_python_check()]
    checks += [_package_check(Requirement(text)) for text in _runtime_requirements()]
    checks += [_node_check(), _chromium_check()]
    return Report(checks)


def _runtime_requirements() -> list[str]:
    return [text for text in importlib.metadata.requires(DISTRIBUTION) or [] if "extra ==" not in text]


def _python_check() -> Check:
    spec = importlib.metadata.metadata(DISTRIBUTION)["Requires-Python"]
    running = Version(".".join(map(str, sys.version_info[:3])))
    return Check("python", spec, running in Requirement(f"python{spec}").specifier, required=True,
                 fix="use Python 3.11 or newer")


def _package_check(requirement: Requirement) -> Check:
    try:
        installed = Version(importlib.metadata.version(requirement.name))
    except importlib.metadata.PackageNotFoundError:
        ok = False
    else:
        ok = requirement.specifier.contains(installed, prereleases=True)
    return Check(requirement.name, str(requirement.specifier), ok, required=True,
                 fix="run `make lab` (or pip install -e '.[test]')")


def _node_check() -> Check:
    # The launcher's own check: what the real Better Auth needs, and what every Node skip asks.
    reason = node_available()
    return Check("node + better-auth", f"Node >= {MINIMUM_NODE}, npm ci done", reason is None, required=False,
                 fix=reason or "")


def _chromium_check() -> Check:
    reason = chromium_missing()
    return Check("chromium", str(CHROMIUM), reason is None, required=False, fix=reason or "")
