"""The mutation run: is every required case able to fail a test?

For each required case of the checker, ``scripts/mutation_plugin.py`` makes it always pass, and
the tests that grade the hole targets and name that case (``-k <case id>``: the hole of
``test_required_cases_can_fail.py``, or of the route and session tests) run against that mutant.
A case is covered when some test goes red. Prints a Markdown table (README's "Every required case
can fail") and exits 1 if a case survived. ``--tests PATH`` (repeatable) grades with other tests,
e.g. all of ``tests/check`` (slower: it collects every test once per case).

    .venv/bin/python scripts/mutate_checker.py [--tests PATH ...] [case-id ...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The tests that grade hole targets, one per required case (``tests/check/targets/holes*.py``).
HOLE_TESTS = ("tests/check/test_required_cases_can_fail.py", "tests/check/test_methods.py",
              "tests/check/test_credentials_modes.py")


def required_ids() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from playground.check import CASES

    return [case.id for case in CASES if case.weight == "required"]


def run_mutant(case_id: str, tests: list[str]) -> tuple[str, str]:
    """('killed' | 'survived' | 'no test', a short note) for the mutant of ``case_id``."""
    env = {**os.environ, "PLAYGROUND_CHECK_MUTANT": case_id,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "scripts"), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "mutation_plugin", "-q", "-n", "0",
               "-x", *tests, "-k", case_id, "-m", "not node"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    last = (result.stdout.strip().splitlines() or [""])[-1]
    if result.returncode == 5:
        return "no test", "no test names it"
    if result.returncode == 0:
        return "survived", last
    failed = next((line.split(" ", 1)[1].split(" - ")[0] for line in result.stdout.splitlines()
                   if line.startswith("FAILED ")), last)
    return "killed", failed


def main(argv: list[str]) -> int:
    tests, ids = [], []
    while argv:
        arg = argv.pop(0)
        if arg == "--tests":
            tests.append(argv.pop(0))
        else:
            ids.append(arg)
    tests = tests or [path for path in HOLE_TESTS if (ROOT / path).exists()]
    rows, survivors = [], []
    for case_id in ids or required_ids():
        started = time.monotonic()
        verdict, note = run_mutant(case_id, tests)
        rows.append(f"| `{case_id}` | {verdict} | {note} | {time.monotonic() - started:.0f} s |")
        print(rows[-1], flush=True)
        if verdict != "killed":
            survivors.append(case_id)
    print("\n| case made to always pass | result | first red test | time |\n|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n{len(rows) - len(survivors)} of {len(rows)} mutants killed" +
          (f"; survived: {', '.join(survivors)}" if survivors else ""))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
