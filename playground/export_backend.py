"""``python -m playground export-backend DIR``: the reference backend as a package a team can own.

``playground/backend/`` is the code a learner copies; this writes it out as a standalone project —
the package (renamed, by default ``better_auth_backend``), a ``pyproject.toml`` that declares only
its libraries, its own tests against a fake Better Auth made from the standard library, a README
and the backend's part of ``.env.example``. Nothing in it imports the workbook: in a fresh venv
with those dependencies and pytest, ``pytest`` passes there.

The copy is generated, never edited here: the backend modules come from ``playground/backend/``
as they are (their imports are relative, so a rename touches only text that names the package),
the rest from the templates in ``playground/backend_export/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parent / "backend"
TEMPLATES = Path(__file__).resolve().parent / "backend_export"
#: The workbook's .env.example, through a link beside the templates: a wheel stores the file itself,
#: so an installed copy (no checkout around it) exports it too.
ENV_EXAMPLE = TEMPLATES / "env.example"
DEFAULT_PACKAGE = "better_auth_backend"
ENV_PREAMBLE = (
    "# Copy to .env (never commit .env) and export before starting the app, or set these in your\n"
    "# deployment. BETTER_AUTH_URL is required; everything else has a default derived from it.\n"
)


class ExportError(Exception):
    """The export cannot be written; the message says why and what to do."""


def export_backend(dest: str | Path, *, package: str = DEFAULT_PACKAGE) -> Path:
    """Write the backend as a standalone project into ``dest`` (created, or an empty directory)."""
    if not package.isidentifier() or package.startswith("_"):
        raise ExportError(f"{package!r} is not a usable Python package name (letters, digits, underscores)")
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()):
        raise ExportError(f"{dest} is not empty: refusing to overwrite it (choose a new or empty directory)")

    def named(text: str) -> str:
        return text.replace("playground.backend", package).replace(DEFAULT_PACKAGE, package)

    (dest / package).mkdir(parents=True, exist_ok=True)
    for module in sorted(BACKEND.glob("*.py")):
        (dest / package / module.name).write_text(named(module.read_text()))
    (dest / "tests").mkdir()
    for template in sorted((TEMPLATES / "tests").glob("*.py")):
        (dest / "tests" / template.name).write_text(named(template.read_text()))
    for name in ("pyproject.toml", "README.md"):
        text = named((TEMPLATES / name).read_text())
        if name == "pyproject.toml":
            text = text.replace('name = "better-auth-backend"', f'name = "{package.replace("_", "-")}"')
        (dest / name).write_text(text)
    environment = backend_environment(ENV_EXAMPLE.read_text())
    (dest / ".env.example").write_text(environment.replace("playground/backend/", f"{package}/"))
    return dest


def backend_environment(env_example: str) -> str:
    """The sections of the workbook's ``.env.example`` (``# --- Title ---``) that concern Better
    Auth and the backend: not its preamble about the notebooks, not the playground's section."""
    kept, keep = [ENV_PREAMBLE], False
    for line in env_example.splitlines():
        if line.startswith("# ---"):
            keep = not line.lower().startswith("# --- the playground")
        if keep:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """CLI entry: 0 written, 1 refused (the message says why), 2 usage."""
    parser = argparse.ArgumentParser(
        prog="python -m playground export-backend",
        description="Write the reference FastAPI backend as a standalone package with its own tests.",
    )
    parser.add_argument("dest", help="a new or empty directory to write the project into")
    parser.add_argument("--package", default=DEFAULT_PACKAGE,
                        help=f"the package's import name (default {DEFAULT_PACKAGE})")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) and usage errors (2) end here, not the caller's process
        return int(exit_.code or 0)
    try:
        dest = export_backend(args.dest, package=args.package)
    except (ExportError, OSError) as error:
        print(f"export-backend: {error}", file=sys.stderr)
        return 1
    print(f"Wrote the backend as package '{args.package}' to {dest}. Next:")
    print(f"  cd {dest} && python -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
