"""Keep the workbook's answers out of sight: solution cells are stored hidden and without output,
and learners get a copy in which the answers are not there at all.

A lesson's exercise is a learner cell (a code cell starting with ``# your code here``) followed by
one or more code cells tagged ``solution``. CI executes the solutions (nbval runs a cell stored
without an execution count but does not compare its output), so a broken answer still fails,
while GitHub, VS Code and JupyterLab show nothing under the question.

    python scripts/notebooks.py strip-solutions notebooks/01_jwt_anatomy.ipynb ...
    python scripts/notebooks.py learner-copy [--out build/learner] [NOTEBOOKS...]
    python scripts/notebooks.py set-kernelspec notebooks/*.ipynb
    python scripts/notebooks.py learner-branch [--repo .] [--branch learner]

``strip-solutions`` is idempotent and rewrites a file only when something changes.
``learner-copy`` is generated (fastbook's ``clean/`` copy): every output and execution count is
cleared, and each solution cell is dropped when its exercise already has a learner cell, or
replaced by a placeholder that runs harmlessly when it has none. It is also where a learner
works, so running it again never overwrites their work: a manifest keeps the hash of every
notebook it wrote; a notebook whose bytes still match is replaced by the new version, a changed
one is kept and the new version is written beside it as ``NAME.latest.ipynb``; new lessons are
added, and a lesson the workbook no longer has is removed only when the learner never touched it.

``learner-branch`` commits a fresh learner copy as the only content of a branch (``learner``), for
a hub's nbgitpuller link; it touches neither the working tree nor the index, and adds a commit
only when the copy changed. nbgitpuller then keeps what each participant changed in their home.

Every notebook names the kernel ``make setup`` registers (``KERNELSPEC``): a notebook that names
none opens on JupyterLab's "Select Kernel" dialog. ``set-kernelspec`` writes it into notebooks.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
DEFAULT_LEARNER_DIR = ROOT / "build" / "learner"

SOLUTION_TAG = "solution"
LEARNER_CELL_MARKER = "# your code here"
SOLUTION_PLACEHOLDER = "# YOUR SOLUTION HERE\n"
NBFORMAT_VERSION = 4

#: The kernel `make setup` and binder/postBuild register (ipykernel install --name python3 ...).
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (Better Auth workbook)", "language": "python"}
#: In the learner copy: the hash of each notebook as written, to tell a learner's changes apart.
MANIFEST_NAME = ".learner-manifest.json"
#: Beside a notebook the learner changed: the new version of that lesson.
LATEST_SUFFIX = ".latest.ipynb"


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def is_learner_cell(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().lower().startswith(LEARNER_CELL_MARKER)


def strip_solutions(notebook: nbformat.NotebookNode) -> bool:
    """Hide every solution cell and drop its output; True when the notebook changed."""
    changed = False
    for cell in filter(is_solution, notebook.cells):
        jupyter_metadata = cell.metadata.setdefault("jupyter", {})
        if cell.outputs or cell.execution_count is not None or jupyter_metadata.get("source_hidden") is not True:
            changed = True
        cell.outputs = []
        cell.execution_count = None
        jupyter_metadata["source_hidden"] = True
    return changed


def learner_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook a learner works in: no answers, no outputs, nothing executed."""
    learner = copy.deepcopy(notebook)
    cells = []
    exercise_has_learner_cell = False
    for cell in learner.cells:
        if is_solution(cell):
            if exercise_has_learner_cell:
                continue  # the learner writes the answer in the exercise's own cell
            cell.source = SOLUTION_PLACEHOLDER
            cell.metadata.pop("jupyter", None)
        else:
            exercise_has_learner_cell = is_learner_cell(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    learner.cells = cells
    set_kernelspec(learner)
    return learner


def set_kernelspec(notebook: nbformat.NotebookNode) -> bool:
    """Name the workbook's kernel in ``notebook``; True when the notebook changed."""
    changed = dict(notebook.metadata.get("kernelspec", {})) != KERNELSPEC
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    language_info = notebook.metadata.setdefault("language_info", {})
    if language_info.get("name") != "python":
        language_info["name"] = "python"
        changed = True
    return changed


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=NBFORMAT_VERSION)


def _command_strip_solutions(paths: Iterable[Path]) -> int:
    for path in paths:
        notebook = _read(path)
        if strip_solutions(notebook):
            nbformat.write(notebook, path)
            print(f"stripped solutions: {path}")
    return 0


def _command_set_kernelspec(paths: Iterable[Path]) -> int:
    for path in paths:
        notebook = _read(path)
        if set_kernelspec(notebook):
            nbformat.write(notebook, path)
            print(f"kernelspec set: {path}")
    return 0


def _notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    """Exactly what ``nbformat.write`` puts in a file (so that hashes compare files)."""
    text = nbformat.writes(notebook)
    return (text if text.endswith("\n") else text + "\n").encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def update_learner_copy(paths: Sequence[Path], out: Path, *, complete: bool) -> list[str]:
    """Write the learner version of ``paths`` into ``out`` without losing a learner's work.

    ``complete``: ``paths`` is the whole workbook, so a lesson in the manifest that is not among
    them was removed (or renamed) and its untouched copy goes too. Returns one line per action.
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST_NAME
    written: dict[str, str] = json.loads(manifest_path.read_text())["notebooks"] if manifest_path.is_file() else {}
    report = []
    for path in paths:
        target, latest = out / path.name, out / (path.stem + LATEST_SUFFIX)
        new = _notebook_bytes(learner_version(_read(path)))
        current = target.read_bytes() if target.is_file() else None
        if current is None or current == new or _sha256(current) == written.get(path.name):
            if current != new:
                target.write_bytes(new)
                report.append(f"{'updated' if current is not None else 'added'}: {target.name}")
            written[path.name] = _sha256(new)
            latest.unlink(missing_ok=True)
        elif _sha256(new) != written.get(path.name) and (not latest.is_file() or latest.read_bytes() != new):
            # The learner changed it and the lesson changed since: theirs stays, the new one goes beside.
            latest.write_bytes(new)
            report.append(f"kept your changes to {target.name}; the lesson's new version is {latest.name}")
    if complete:
        lessons = {path.name for path in paths}
        for name in sorted(set(written) - lessons):
            target = out / name
            if target.is_file() and _sha256(target.read_bytes()) != written[name]:
                report.append(f"kept your {name}: the workbook no longer has this lesson")
            else:
                target.unlink(missing_ok=True)
                report.append(f"removed: {name} (no longer in the workbook, and unchanged)")
            del written[name]
    manifest_path.write_text(json.dumps({"notebooks": dict(sorted(written.items()))}, indent=1) + "\n")
    return report


def _command_learner_copy(paths: Sequence[Path], out: Path, *, complete: bool) -> int:
    for line in update_learner_copy(paths, out, complete=complete):
        print(line)
    print(f"learner copy of {len(paths)} notebooks in {out}")
    return 0


def publish_learner_branch(paths: Sequence[Path], repo: Path, branch: str) -> str | None:
    """Commit the learner copy of ``paths`` as branch ``branch`` of ``repo``; the new commit, or
    ``None`` when the branch already holds exactly this copy."""
    with tempfile.TemporaryDirectory() as scratch:
        folder, index = Path(scratch) / "learner", Path(scratch) / "index"
        update_learner_copy(paths, folder, complete=True)
        (folder / MANIFEST_NAME).unlink()  # a participant's manifest is made in their own copy

        identity = subprocess.run(["git", "-C", str(repo), "config", "user.email"], capture_output=True, text=True)
        # A fresh CI machine has no git identity; the commit then names the script.
        author = {} if identity.stdout.strip() else {
            f"GIT_{who}_{part}": value for who in ("AUTHOR", "COMMITTER")
            for part, value in (("NAME", "learner-branch"), ("EMAIL", "learner-branch@localhost"))}

        def git(*args: str) -> str:
            environment = {**os.environ, **author, "GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(folder)}
            return subprocess.run(["git", "-C", str(repo), *args], env=environment, check=True,
                                  capture_output=True, text=True).stdout.strip()

        git("add", "--all", ".")
        tree = git("write-tree")
        ref = f"refs/heads/{branch}"
        parent = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", ref],
                                capture_output=True, text=True).stdout.strip()
        if parent and git("rev-parse", f"{parent}^{{tree}}") == tree:
            return None
        source = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or "a working tree"
        commit = git("commit-tree", tree, *(["-p", parent] if parent else []),
                     "-m", f"learner copy of the workbook at {source} (scripts/notebooks.py learner-branch)")
        git("update-ref", ref, commit)
        return commit


def _command_learner_branch(paths: Sequence[Path], repo: Path, branch: str) -> int:
    commit = publish_learner_branch(paths, repo, branch)
    print(f"branch {branch}: " + (f"commit {commit[:12]}, push it for the nbgitpuller link"
                                  if commit else "already holds this learner copy"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notebooks.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    strip = commands.add_parser("strip-solutions", help="hide solution cells and drop their outputs")
    strip.add_argument("notebooks", nargs="+", type=Path)
    learner = commands.add_parser("learner-copy", help="write the learners' copy, without answers")
    learner.add_argument("--out", type=Path, default=DEFAULT_LEARNER_DIR)
    learner.add_argument("notebooks", nargs="*", type=Path,
                         help="default: every notebook in notebooks/")
    kernelspec = commands.add_parser("set-kernelspec", help="name the workbook's kernel in each notebook")
    kernelspec.add_argument("notebooks", nargs="+", type=Path)
    branch = commands.add_parser("learner-branch", help="commit the learner copy as a branch (nbgitpuller)")
    branch.add_argument("--repo", type=Path, default=ROOT, help="the git repository (default: this one)")
    branch.add_argument("--branch", default="learner")
    branch.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    args = parser.parse_args(argv)

    missing = [path for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(map(str, missing))}")
    if args.command == "strip-solutions":
        return _command_strip_solutions(args.notebooks)
    if args.command == "set-kernelspec":
        return _command_set_kernelspec(args.notebooks)
    if args.command == "learner-branch":
        return _command_learner_branch(args.notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb")), args.repo, args.branch)
    return _command_learner_copy(args.notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb")), args.out,
                                 complete=not args.notebooks)


if __name__ == "__main__":
    sys.exit(main())
