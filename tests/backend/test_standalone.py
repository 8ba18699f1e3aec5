"""The reference backend lifts out: it imports nothing outside playground/backend/ but its declared
libraries, and it is written in one style (relative imports, ``Annotated`` dependencies, typed
``from_settings``). Read from the source with ``ast``, so a new module is covered by itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import playground.backend
from playground.clock import Clock

BACKEND = Path(playground.backend.__file__).parent
MODULES = sorted(BACKEND.glob("*.py"))
#: What the exported package declares (fastapi, pyjwt[crypto], httpx, pydantic-settings) and what
#: those bring by definition: FastAPI is Starlette + pydantic, pyjwt[crypto] is jwt + cryptography.
DECLARED = {"fastapi", "starlette", "pydantic", "pydantic_settings", "jwt", "cryptography", "httpx"}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_only_stdlib_declared_libraries_and_itself(path):
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            continue  # relative: inside the package
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            top = name.split(".")[0]
            assert top != "playground", f"{path.name}:{node.lineno} imports {name}: use a relative import"
            assert top in DECLARED or top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name}:{node.lineno} imports {name}, which the exported package does not declare")


def test_the_check_sees_every_module():
    assert {"app.py", "verify.py", "keys.py", "sessions.py", "clock.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_dependencies_are_annotated_not_defaults(path):
    # Current FastAPI style: `user: Annotated[User, Depends(...)]`, never `user: User = Depends(...)`.
    for node in ast.walk(tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                is_depends = isinstance(default, ast.Call) and getattr(default.func, "id", None) in (
                    "Depends",
                    "Security",
                )
                assert not is_depends, f"{path.name}:{node.lineno} {node.name} takes a Depends() default"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_from_settings_is_typed(path):
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.FunctionDef) and node.name == "from_settings":
            settings = node.args.args[1]
            assert settings.annotation is not None and ast.unparse(settings.annotation) == "BackendSettings", path.name


def test_the_playground_clock_is_a_backend_clock():
    # The backend takes any object with now(); the workbook's Clock is one, and is used as such.
    from playground.backend.clock import Clock as BackendClock
    from playground.backend.clock import SystemClock

    clock: BackendClock = Clock.frozen(1_767_258_000)
    assert clock.now() == 1_767_258_000
    assert abs(SystemClock().now() - Clock.system().now()) < 5
