"""Fixtures and skip rules shared by every test directory, and the rule that CI never skips.

Tests that need Node (the real better-auth) carry the ``node`` marker, tests that need Chromium
the ``browser`` marker, and tests that serve the built browser page the ``frontend_built``
fixture. Where the tool is missing they are skipped with the reason and the fix, decided by one
check each: ``playground.better_auth.launcher.node_available`` (Node >= 20 and better-auth
installed: the launcher's own check), ``playground.frontend.browser.chromium_missing``.

With ``PLAYGROUND_REQUIRE_ALL=1`` (set by ``.ci/run``) *any* skip is a failure, whoever raised it
(a marker, a fixture, ``pytest.skip`` in a test, a module-level ``skipif``, ``importorskip``):
the report hooks below turn it into a failure that keeps the reason, so CI can never go green by
skipping.

Three rules for the whole run live here too: nbval's kernels talk over Unix sockets
(``tests/kernels.py``: TCP ports picked for a kernel can be taken before it binds them), the
longest scopes are handed to the workers first (see ``LONGEST_FIRST``), and every file the
run's processes put in the temporary folder goes into one folder of its own, removed when the
run ends (see ``pytest_configure``).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import nbval.kernel
import pytest

from playground import frontend
from playground.better_auth.launcher import node_available
from playground.frontend.browser import chromium_missing
from tests.kernels import IpcKernelManager

REQUIRE_ALL = "PLAYGROUND_REQUIRE_ALL"


def _require_all() -> bool:
    return os.environ.get(REQUIRE_ALL) == "1"


def frontend_missing() -> str | None:
    """``None`` when the browser page is built, else how to build it."""
    if (frontend.DIST_DIR / "main.js").is_file():
        return None
    return f"the browser page is not built (needs Node 20+): {frontend.BUILD_COMMAND}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, reason_of in (("node", node_available), ("browser", chromium_missing)):
        if item.get_closest_marker(marker) is not None and (reason := reason_of()) is not None:
            pytest.skip(reason)


@pytest.fixture
def frontend_built() -> None:
    """Skip (a failure under PLAYGROUND_REQUIRE_ALL=1) when the browser page has not been built."""
    reason = frontend_missing()
    if reason is not None:
        pytest.skip(reason)


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_if_skipped(report) -> None:
    if _require_all() and report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_ALL}=1 (CI): nothing may be skipped, but this was: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    _fail_if_skipped(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    # A module-level skip (``pytest.skip(allow_module_level=True)``, ``importorskip``) happens here.
    outcome = yield
    _fail_if_skipped(outcome.get_result())



# --- the order the workers get the work in -------------------------------------------------------

#: The scopes that take longest (the Binder build, a real JupyterHub, the conformance tables, the
#: checker's end-to-end runs, lessons against the real Better Auth), longest first as measured (CPU
#: seconds of a full run). `--dist loadscope` hands scopes to the workers in collection order (the
#: Makefile turns off xdist's reordering by test count, which put single-test scopes such as the hub
#: last), so these start at once and the run ends on short ones (the notebooks), instead of one long
#: scope running alone at the end while the other workers idle. A prefix matches every scope below it.
LONGEST_FIRST = (
    "tests/workshop/test_binder.py",
    "tests/workshop/test_hub.py",
    "tests/conformance/test_adversarial_inputs.py",
    "tests/check/test_required_cases_can_fail.py",
    "tests/check/test_cli_bad_input.py",
    "tests/check/test_cli_diagnosis.py",
    "tests/check/test_cli_grading.py",
    "tests/check/test_targets_weak.py",
    "tests/check/test_writes.py",
    "tests/test_suite_never_hangs.py",
    "tests/workshop/test_isolation.py",
    "tests/test_notebooks_tooling.py",
    "tests/check/test_credentials_modes.py",
    "tests/browser/test_browser_cors_lab.py",
    "tests/check/",
    "notebooks/03b",
    "tests/test_notebooks_real_issuer.py",
    "tests/test_packaging.py",
    "tests/workshop/",
)


def _rank(nodeid: str) -> int:
    return next((rank for rank, prefix in enumerate(LONGEST_FIRST) if nodeid.startswith(prefix)),
                len(LONGEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: each scope's tests (a notebook's cells, a module's functions) keep their order.
    items.sort(key=lambda item: _rank(item.nodeid))


# --- one temporary folder for the run --------------------------------------------------------------

#: The run's folder, with the TMPDIR and ``tempfile.tempdir`` it replaced.
_run_tmp = pytest.StashKey[tuple[str, str | None, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """One folder for everything the run's processes put in the temporary folder (the checker's app
    logs, the graded apps' and the attack lab's keys, kernels', Node's and Chromium's files, pytest's
    own ``tmp_path`` folders): made here, inherited by the xdist workers and every process they start
    through ``TMPDIR``, and removed when the run ends, passed or failed (to keep a failed run's
    ``tmp_path`` folders, give pytest ``--basetemp``)."""
    # nbval starts its kernels with the KernelManager its module imported: hand it ours.
    nbval.kernel.KernelManager = IpcKernelManager
    if hasattr(config, "workerinput"):  # an xdist worker: its controller made the folder
        return
    folder = tempfile.mkdtemp(prefix="playground-tests-")
    config.stash[_run_tmp] = (folder, os.environ.get("TMPDIR"), tempfile.tempdir)
    os.environ["TMPDIR"] = tempfile.tempdir = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if _run_tmp not in config.stash:
        return
    folder, tmpdir, tempdir = config.stash[_run_tmp]
    if tmpdir is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = tmpdir
    tempfile.tempdir = tempdir
    shutil.rmtree(folder, ignore_errors=True)
