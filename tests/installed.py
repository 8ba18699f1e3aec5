"""What this venv has installed, for the tests that build environments without downloading.

``closure`` follows requirements (extras and markers included) through the installed
distributions' metadata, as pip's resolver would have; ``site_view`` lays out a site-packages
holding only those distributions, as links into this venv, for a fresh venv to use through a
``.pth`` file. A venv set up that way sees exactly the declared dependencies: an undeclared
import fails there as it would after a real install, and nothing is fetched from an index.
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(requirements: list[str]) -> dict[str, md.Distribution]:
    """Every installed distribution ``requirements`` pull in, by canonical name."""
    found: dict[str, md.Distribution] = {}
    followed: set[tuple[str, str]] = set()  # (distribution, extra) whose requirements are queued
    pending = [(Requirement(text), "") for text in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            found[name] = md.distribution(name)  # PackageNotFoundError: the venv lacks a dependency
        for wanted in {"", *requirement.extras} - {e for n, e in followed if n == name}:
            followed.add((name, wanted))
            pending += [(Requirement(text), wanted) for text in found[name].requires or []]
    return found


def site_view(distributions: dict[str, md.Distribution], dest: Path) -> Path:
    """A directory of links to the top-level files of ``distributions`` (packages, modules,
    compiled extensions, ``.dist-info``), as they lie in this venv's site-packages."""
    dest.mkdir(parents=True)
    for distribution in distributions.values():
        site = Path(distribution.locate_file(""))
        tops = {Path(str(file)).parts[0] for file in distribution.files or []}
        for top in sorted(tops - {"..", "__pycache__"}):
            if (site / top).exists() and not (dest / top).exists() and not top.endswith(".pth"):
                (dest / top).symlink_to(site / top)
    return dest
