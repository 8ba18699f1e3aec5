"""constraints.txt pins every Python package the workbook installs, and this venv was installed from it.

nbval compares lesson outputs byte for byte (PyJWT's error messages among them): a fresh machine
reproduces the green run only with the versions it ran on. `make lock` moves the pins.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

from installed import closure
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    found = {}
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        assert match, f"not an exact pin: {line!r} (pins are name==version, nothing else)"
        found[canonicalize_name(match[1])] = match[2]
    return found


def declared() -> dict[str, md.Distribution]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return closure(project["dependencies"] + project["optional-dependencies"]["test"])


def test_every_dependency_is_pinned():
    # A pin nothing needs any more is harmless (a constraint installs nothing); `make lock` drops it.
    unpinned = set(declared()) - set(pins())
    assert unpinned == set(), "not pinned: run `make lock` after changing pyproject.toml"


def test_this_venv_runs_the_pinned_versions():
    pinned = pins()
    wrong = {
        name: (distribution.version, pinned.get(name, "not pinned"))
        for name, distribution in declared().items()
        if distribution.version != pinned.get(name)
    }
    assert wrong == {}, "installed vs pinned: `make setup` installs with -c constraints.txt"


def test_the_pins_satisfy_pyprojects_lower_bounds():
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = pins()
    for text in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(text)
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{text} is not pinned: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), (text, version)
