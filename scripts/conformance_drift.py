"""What a newer better-auth changed, from the JUnit report of a conformance run against it.

`make conformance-latest` runs tests/conformance (and, in the canary, the lessons) with
better-auth@latest as the real server. The embedded issuer answers as the pinned release does
(conformance is green against the pin), so each divergence that `assert_same` reports
(tests/conformance/shapes.py) is a change between the two releases: its scenario, option set,
field, the pinned release's value and the latest one's. Every other failure is listed with its
first line. Usage:

    python scripts/conformance_drift.py REPORT.xml --pinned 1.7.29 --latest 1.8.0 [--markdown FILE]

Prints the summary; with --markdown also writes it as an issue body whose first line is the
issue's title. Exit 0 when nothing diverged or failed, 1 otherwise, 2 when the report is unreadable.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

# The message of tests/conformance/shapes.py's assert_same, and one line per differing field.
HEADER = re.compile(
    r"^(?:AssertionError: )?.+? diverges from .+? in (?P<what>.+?) \(\d+ differences?; expected = .+\):$"
)
FIELD = re.compile(r"^\s+(?P<path>\$\S*): expected (?P<latest>.*?), got (?P<pinned>.*)$")
WHAT = re.compile(r"^scenario (?P<scenario>.+?) \(option set (?P<options>.+)\)$")


@dataclass(frozen=True)
class Divergence:
    test: str
    scenario: str
    option_set: str
    field: str
    pinned: str
    latest: str


@dataclass(frozen=True)
class Failure:
    test: str
    first_line: str


def read(report: Path) -> tuple[list[Divergence], list[Failure], int]:
    """The divergences, the other failures and the number of tests run, from a JUnit XML file."""
    divergences: list[Divergence] = []
    failures: list[Failure] = []
    cases = list(ElementTree.parse(report).iter("testcase"))
    for case in cases:
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        for problem in [*case.findall("failure"), *case.findall("error")]:
            message = problem.get("message") or (problem.text or "")
            found = _divergences(test, message)
            if found:
                divergences += found
            else:
                first = next((line.strip() for line in message.splitlines() if line.strip()), problem.tag)
                failures.append(Failure(test, first[:200]))
    return divergences, failures, len(cases)


def _divergences(test: str, message: str) -> list[Divergence]:
    found: list[Divergence] = []
    scenario = option_set = None
    for line in message.splitlines():
        header = HEADER.match(line)
        if header:
            what = WHAT.match(header["what"])
            if what:
                scenario, option_set = _unquote(what["scenario"]), _unquote(what["options"])
            else:
                scenario, option_set = header["what"], ""
            continue
        field = FIELD.match(line)
        if field and scenario is not None:
            found.append(Divergence(test, scenario, option_set or "", field["path"], field["pinned"], field["latest"]))
    return found


def _unquote(text: str) -> str:
    """assert_same names the scenario and option set with repr(): show them bare."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


def summary(divergences: list[Divergence], failures: list[Failure], total: int, pinned: str, latest: str) -> str:
    if not divergences and not failures:
        return f"better-auth {latest} (latest) behaves as the pinned {pinned} in all {total} tests: move the pin."
    lines = [f"better-auth {latest} (latest) diverges from the pinned {pinned}", ""]
    if divergences:
        scenarios = {(d.scenario, d.option_set) for d in divergences}
        lines += [f"{len(divergences)} field(s) differ in {len(scenarios)} scenario(s). 'pinned' is what the "
                  f"embedded issuer (and so the workbook) answers, as {pinned} does; 'latest' is {latest}'s "
                  "answer.", "",
                  f"| scenario | option set | field | pinned {pinned} | latest {latest} | test |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {_cell(d.scenario)} | {_cell(d.option_set)} | `{_cell(d.field)}` | `{_cell(d.pinned)}` | "
                  f"`{_cell(d.latest)}` | {_cell(d.test)} |" for d in divergences]
        lines.append("")
    if failures:
        lines += [f"{len(failures)} other failure(s) against {latest} "
                  "(not a field difference: read the test's output):", ""]
        lines += [f"- {_cell(f.test)}: {_cell(f.first_line)}" for f in failures]
        lines.append("")
    lines += ["Next: decide per row whether the workbook should follow (update the embedded issuer and the lessons, "
              f"then `npm install better-auth@{latest} --save-exact --prefix playground/better_auth`), or whether "
              "the conformance scenario should tolerate both."]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarise a conformance run against a newer better-auth.")
    parser.add_argument("report", type=Path, help="the JUnit XML file pytest wrote (--junit-xml)")
    parser.add_argument("--pinned", required=True, help="the better-auth version the workbook pins")
    parser.add_argument("--latest", required=True, help="the better-auth version the run used")
    parser.add_argument("--markdown", type=Path, help="also write the summary here (first line: an issue title)")
    args = parser.parse_args(argv)
    try:
        divergences, failures, total = read(args.report)
    except (OSError, ElementTree.ParseError) as error:
        print(f"conformance-drift: cannot read {args.report}: {error}", file=sys.stderr)
        return 2
    text = summary(divergences, failures, total, args.pinned, args.latest)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 1 if divergences or failures else 0


if __name__ == "__main__":
    sys.exit(main())
