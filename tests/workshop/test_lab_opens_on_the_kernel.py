"""JupyterLab opens the learner copy on the workbook's kernel, with no "Select Kernel" dialog.

The dialog appears when a notebook names no kernel (metadata stripped, as some tools do, or
never written): the control case below shows it, the learner copy never does.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest

from playground.frontend import browser as pgbrowser
from playground.servers import free_port
from tests.workshop import lab_ui, processes
from tests.workshop.notebooks_script import ROOT, notebooks_script

pytestmark = pytest.mark.browser
BIN = Path(sys.executable).parent
DISPLAY_NAME = notebooks_script.KERNELSPEC["display_name"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server (as `make learner` starts it) on a learner copy, plus a stripped notebook."""
    folder = tmp_path_factory.mktemp("learner")
    notebooks_script.update_learner_copy([ROOT / "notebooks" / "00_setup_check.ipynb"], folder, complete=False)
    stripped = nbformat.read(folder / "00_setup_check.ipynb", as_version=4)
    stripped.metadata = {}
    nbformat.write(stripped, folder / "stripped.ipynb")
    port, token = free_port(), secrets.token_urlsafe(16)
    server = subprocess.Popen(
        [str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--LabApp.workspaces_dir=" + str(folder / ".workspaces")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(folder / ".cfg")})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/api/status", headers={"authorization": f"token {token}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited ({server.returncode}) before it answered")
            time.sleep(0.1)
        else:
            pytest.fail("JupyterLab did not start")
        yield url, token
    finally:
        _shut_down(server, url, token)


def _shut_down(server: subprocess.Popen, url: str, token: str) -> None:
    """As the Shut Down menu does: the server stops its kernels and exits; killed (kernels too) if
    it has not within 30 s, as can happen on a loaded machine."""
    try:
        asked = httpx.post(f"{url}/api/shutdown", headers={"authorization": f"token {token}"},
                           timeout=10).status_code == 200
    except httpx.TransportError:
        asked = False
    processes.stop(server, asked=asked)


def _open(page, name: str) -> tuple[list[str], str]:
    """The dialogs a notebook opens with, and the kernel its toolbar names once settled; then the
    dialog is dismissed (the tab stays, behind the next test's)."""
    lab_ui.open_path(page, name)
    try:
        # Either the kernel starts (its name in the toolbar) or the dialog asks for one.
        kernel_named = (f"[...document.querySelectorAll('{lab_ui.CURRENT} .jp-Toolbar-kernelName')]"
                        f".some(e => e.innerText.includes({DISPLAY_NAME!r}))")
        page.wait_for_function(f"() => document.querySelector('.jp-Dialog') || {kernel_named}",
                               polling=lab_ui.POLLING, timeout=60_000)
        dialogs = [dialog.inner_text() for dialog in page.query_selector_all(".jp-Dialog")]
        kernel = page.inner_text(f"{lab_ui.CURRENT} .jp-Toolbar-kernelName")
        return dialogs, kernel
    finally:
        if page.query_selector(".jp-Dialog"):
            page.keyboard.press("Escape")
            page.wait_for_selector(".jp-Dialog", state="detached", timeout=60_000)


@pytest.fixture(scope="module")
def page(lab):
    """One JupyterLab page for the module, on the learner folder as `make learner` opens it: each
    test opens its notebook from there (loading JupyterLab again per test costs ~5 CPU-s)."""
    from playwright.sync_api import sync_playwright

    url, token = lab
    with sync_playwright() as playwright:
        chromium = pgbrowser.launch(playwright)
        try:
            page = chromium.new_page()
            page.goto(f"{url}/lab?reset&token={token}")
            page.wait_for_selector(".jp-DirListing-content", timeout=60_000)
            yield page
        finally:
            chromium.close()


@pytest.mark.timeout(240)
def test_the_learner_copy_opens_on_the_workbook_kernel_without_a_dialog(page):
    dialogs, kernel = _open(page, "00_setup_check.ipynb")
    assert dialogs == []
    assert kernel == DISPLAY_NAME


@pytest.mark.timeout(240)
def test_a_notebook_that_names_no_kernel_opens_on_the_dialog(page):
    # The cause this repairs: without kernelspec metadata JupyterLab cannot choose, so it asks.
    dialogs, _ = _open(page, "stripped.ipynb")
    assert len(dialogs) == 1 and dialogs[0].startswith("Select Kernel")
