"""Proven with a real hub: three participants, one link each, the lessons running at the same time.

A real JupyterHub (configurable-http-proxy, the dummy authenticator, the simple local-process
spawner) on 127.0.0.1 starts three participants' servers through its REST API. Each participant,
in Debian's Chromium logged into the hub, follows the workshop's nbgitpuller link, which clones the
learner copy (the ``learner`` branch ``scripts/notebooks.py learner-branch`` publishes, from a
local bare repository) into their home and opens lesson 00; a second notebook tab in the same
JupyterLab opens the attack lab (File > Open from Path). Run All in all six notebooks, the kernels
running at the same time; each lesson must run every cell without an error and print every
checkpoint the answered lesson prints. Then one participant tries another's playground through
their own jupyter-server-proxy and the hub: nothing answers.
Last, the workbook publishes an updated lesson and a participant follows the link again: the update
arrives, and the lesson they ran and saved stays as they left it.
Memory and CPU per participant are written to build/workshop/hub-footprint.json (docs/workshop.md).

It takes a few minutes, so a laptop may opt out with ``PLAYGROUND_SKIP_HUB=1`` (a skip, which
``PLAYGROUND_REQUIRE_ALL=1`` turns into a failure: CI always runs it).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import nbformat
import pytest

from playground.frontend import browser as pgbrowser
from tests.workshop.footprint import footprint
from tests.workshop.hub import ROOT, Hub, node_path, proxy_missing
from tests.workshop.lab_ui import CURRENT, POLLING, menu, open_path
from tests.workshop.notebooks_script import notebooks_script

pytestmark = [pytest.mark.hub, pytest.mark.browser]

PARTICIPANTS = ["ada", "grace", "katherine"]
LESSONS = ["00_setup_check.ipynb", "09_attack_lab.ipynb"]
TARGET = "workbook"  # the folder nbgitpuller clones into, in each participant's home
SKIP_VARIABLE = "PLAYGROUND_SKIP_HUB"
LESSON_DEADLINE = 240.0
FOOTPRINT_FILE = ROOT / "build" / "workshop" / "hub-footprint.json"


@pytest.fixture(scope="module")
def learner_repo(tmp_path_factory) -> Path:
    """The published learner copy: a bare repository whose ``learner`` branch nbgitpuller pulls."""
    repo = tmp_path_factory.mktemp("published") / "workbook.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(repo)], check=True)
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks_script.publish_learner_branch(lessons, repo, "learner") is not None
    return repo


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: the real-JupyterHub test was opted out of")
    if (reason := proxy_missing()) is not None:
        pytest.fail(reason, pytrace=False)
    folder = tmp_path_factory.mktemp("hub")
    environment = {"PATH": node_path(), "NBGITPULLER_APP": "lab", "JUPYTERLAB_SETTINGS_DIR": str(_lab_settings(folder)),
                   # The spawner passes on only what it is given: the lessons' temporary files go in the run's folder.
                   "TMPDIR": tempfile.gettempdir()}
    hub = Hub(folder, environment=environment)
    try:
        hub.start_servers(PARTICIPANTS)
        yield hub
    finally:
        hub.stop()


def _lab_settings(folder: Path) -> Path:
    """JupyterLab settings for the test's browser: every cell in the page (by default cells out of
    view leave it, and their prompts with them), and no news pop-up over the menus."""
    settings = folder / "lab-settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir()
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return settings.parent


def _pull_link(hub: Hub, repo: Path, lesson: str) -> str:
    query = urlencode({"repo": f"file://{repo}", "branch": "learner", "targetpath": TARGET,
                       "urlpath": f"lab/tree/{TARGET}/{lesson}"})
    return f"{hub.url}/hub/user-redirect/git-pull?{query}"


def _log_in(context, hub: Hub, name: str) -> None:
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(r".*/(hub/home|hub/spawn|user/.*)"), timeout=120_000)
    page.close()


def _open_and_run_all(context, url: str):
    page = context.new_page()
    page.goto(url, timeout=180_000)
    page.wait_for_selector(f"{CURRENT} .jp-Notebook .jp-Cell", timeout=180_000)
    _run_all_in_the_current_notebook(page)
    return page


def _run_all_in_the_current_notebook(page) -> None:
    # No "Select Kernel" dialog: the learner copy names the kernel, which starts on its own.
    display_name = notebooks_script.KERNELSPEC["display_name"]
    page.wait_for_function(f"""() => [...document.querySelectorAll('{CURRENT} .jp-Toolbar-kernelName')]
                                       .some(e => e.innerText.includes({display_name!r}))""",
                           polling=POLLING, timeout=180_000)
    assert not page.query_selector(".jp-Dialog"), page.inner_text(".jp-Dialog")
    # Run All once the kernel is connected and idle: cells sent while it still starts can be lost.
    page.wait_for_function("() => /\\|\\s*Idle/.test(document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')"
                           "?.innerText ?? '')", polling=POLLING, timeout=180_000)
    page.click(f"{CURRENT} .jp-Cell .jp-InputPrompt")  # the notebook is the current widget
    menu(page, "Run", "runmenu:run-all")
    # Run All has begun once a prompt shows a queued (*) or finished cell.
    page.wait_for_function(f"""() => [...document.querySelectorAll('{CURRENT} .jp-InputArea-prompt')]
                                    .some(e => /\\*|\\d/.test(e.innerText))""", polling=POLLING, timeout=60_000)


def _finished(path: Path) -> nbformat.NotebookNode | None:
    """The saved notebook once every code cell ran or one failed (Run All stops there)."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    failed = any(output.output_type == "error" for cell in code for output in cell.outputs)
    return notebook if failed or all(cell.execution_count is not None for cell in code) else None


def _checkpoints(notebook: nbformat.NotebookNode) -> list[str]:
    return [line for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if output.output_type == "stream" for line in output.text.splitlines()
            if line.startswith("checkpoint: ✓")]


def _errors(notebook: nbformat.NotebookNode) -> list[str]:
    return [f"{output.ename}: {output.evalue}" for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


@pytest.mark.timeout(900)
def test_three_participants_pull_the_learner_copy_and_run_lessons_at_the_same_time(hub, learner_repo, tmp_path):
    from playwright.sync_api import sync_playwright

    before = {name: footprint(hub.server_pid(name)) for name in PARTICIPANTS}
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = pgbrowser.launch(playwright)
        try:
            contexts = {name: browser.new_context() for name in PARTICIPANTS}
            pages = {}
            for name, context in contexts.items():
                _log_in(context, hub, name)
                pages[name] = _open_and_run_all(context, _pull_link(hub, learner_repo, LESSONS[0]))
                # One JupyterLab per participant, as in class: the attack lab opens in a second notebook
                # tab and runs while lesson 00 still does (a second JupyterLab page costs ~5 CPU-s more).
                open_path(pages[name], f"{TARGET}/{LESSONS[1]}")
                pages[name].wait_for_selector(f"{CURRENT} .jp-Notebook .jp-Cell", timeout=180_000)
                _run_all_in_the_current_notebook(pages[name])
            results = _wait_for_lessons(hub, pages)
            elapsed = time.monotonic() - started
            after = {name: footprint(hub.server_pid(name)) for name in PARTICIPANTS}
            _check_isolation(hub, contexts, results)
            _check_a_second_pull_keeps_the_participants_work(hub, contexts[PARTICIPANTS[0]], learner_repo,
                                                             tmp_path)
        finally:
            browser.close()

    for (name, lesson), notebook in results.items():
        answered = nbformat.read(ROOT / "notebooks" / lesson, as_version=4)
        assert _errors(notebook) == [], (name, lesson)
        assert len(_checkpoints(notebook)) == len(_checkpoints(answered)) > 0, (name, lesson, _checkpoints(notebook))
    for name in PARTICIPANTS:
        # Each participant's lessons ran in their own server: its two kernels are its children.
        assert after[name].processes >= 3, (name, after[name])
    _record(before, after, elapsed)


#: Run All has ended in every notebook of the page: no cell queued or running ([*]), each one run
#: or left unrun after an error (Run All stops there). Hidden tabs keep their prompts up to date.
RUN_ALL_ENDED = """() => {
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(prompt => !prompt.textContent.includes('*'));
}"""


def _wait_for_lessons(hub: Hub, pages: dict) -> dict:
    """The saved notebooks, once Run All has ended in each page: the files on disk are what is checked."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    deadline = time.monotonic() + LESSON_DEADLINE
    for page in pages.values():
        try:
            page.wait_for_function(RUN_ALL_ENDED, polling=1000, timeout=max(deadline - time.monotonic(), 1) * 1000)
        except PlaywrightTimeoutError:
            break  # reported below, with the lessons whose files never show the end of Run All
    expected = [(name, lesson) for name in pages for lesson in LESSONS]
    results = {}
    while len(results) < len(expected) and time.monotonic() < deadline:
        for name, page in pages.items():
            if any((name, lesson) not in results for lesson in LESSONS):
                menu(page, "File", "docmanager:save-all")  # the save is asynchronous: read until it lands
        time.sleep(1)
        for name, lesson in expected:
            if (name, lesson) not in results and (notebook := _finished(hub.home(name) / TARGET / lesson)):
                results[name, lesson] = notebook
    missing = sorted(set(expected) - set(results))
    for name in sorted({name for name, _ in missing}):
        pages[name].screenshot(path=str(hub.folder / f"unfinished-{name}.png"))
    assert not missing, f"lessons still running after {LESSON_DEADLINE:.0f} s: {missing}\n{hub.log_tail()}"
    return results


def _printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream")


def _auth_port(notebook: nbformat.NotebookNode) -> int:
    return int(re.search(r"auth server: http://127\.0\.0\.1:(\d+)", _printed(notebook)).group(1))


def _check_isolation(hub: Hub, contexts: dict, results: dict) -> None:
    for name in PARTICIPANTS:
        setup = results[name, LESSONS[0]]
        clock = re.search(r"clock\s+: (.*)", _printed(setup))
        assert clock and "system" in clock.group(1), clock  # under the hub: never the guessable demo playground
    owner, stranger = PARTICIPANTS[0], contexts[PARTICIPANTS[1]]
    port = _auth_port(results[owner, LESSONS[0]])
    # Through the stranger's own jupyter-server-proxy, which reaches any local port: the controls refuse.
    for method, path, body in (("GET", "/__playground/state", None),
                               ("POST", "/__playground/tokens", {"claims": {"role": "admin"}})):
        answer = stranger.request.fetch(f"{hub.url}/user/{PARTICIPANTS[1]}/proxy/{port}{path}", method=method,
                                        data=json.dumps(body) if body else None,
                                        headers={"content-type": "application/json"})
        assert answer.status in (401, 403), (path, answer.status, answer.text())
        assert '"token"' not in answer.text() and '"keys"' not in answer.text(), path
    session = stranger.request.get(f"{hub.url}/user/{PARTICIPANTS[1]}/proxy/{port}/api/auth/get-session")
    assert session.status == 200 and session.text() == "null"  # the owner's session is not the stranger's
    # The hub keeps the owner's server (files, kernels, proxy) to the owner.
    foreign = stranger.request.get(f"{hub.url}/user/{owner}/api/contents/{TARGET}", max_redirects=0)
    assert foreign.status in (302, 403), foreign.status
    if foreign.status == 302:
        assert "/hub/" in foreign.headers["location"], foreign.headers


def _check_a_second_pull_keeps_the_participants_work(hub: Hub, context, repo: Path, scratch: Path) -> None:
    """The workbook updates lesson 01 and publishes again; the participant clicks the link again."""
    name = PARTICIPANTS[0]
    home = hub.home(name) / TARGET
    worked_in = (home / LESSONS[0]).read_bytes()  # run and saved: the participant's own now
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    updated = nbformat.read(ROOT / "notebooks" / "01_jwt_anatomy.ipynb", as_version=4)
    updated.cells.insert(0, nbformat.v4.new_markdown_cell("A note added after the workshop began."))
    scratch.mkdir(exist_ok=True)
    nbformat.write(updated, scratch / "01_jwt_anatomy.ipynb")
    lessons = [scratch / "01_jwt_anatomy.ipynb" if p.name == "01_jwt_anatomy.ipynb" else p for p in lessons]
    assert notebooks_script.publish_learner_branch(lessons, repo, "learner") is not None

    page = context.new_page()
    page.goto(_pull_link(hub, repo, "01_jwt_anatomy.ipynb"), timeout=180_000)
    # nbgitpuller sends the browser on to the lesson once the pull has finished (not on an error);
    # the page closes as JupyterLab's starts loading. (Not wait_until="commit": once the URL already
    # matches, Playwright waits for a "commit" load state, which never comes.)
    page.wait_for_url(re.compile(rf".*/user/{name}/lab/.*tree/{TARGET}/01_jwt_anatomy\.ipynb.*"),
                      wait_until="domcontentloaded", timeout=180_000)
    page.close()
    assert (home / LESSONS[0]).read_bytes() == worked_in
    first = nbformat.read(home / "01_jwt_anatomy.ipynb", as_version=4).cells[0]
    assert first.source == "A note added after the workshop began."


def _record(before: dict, after: dict, elapsed: float) -> None:
    FOOTPRINT_FILE.parent.mkdir(parents=True, exist_ok=True)
    FOOTPRINT_FILE.write_text(json.dumps({
        "participants": len(PARTICIPANTS), "lessons_each": LESSONS, "wall_seconds_all_lessons": round(elapsed, 1),
        "cores": os.cpu_count(),
        "per_participant": {name: {"idle_server": before[name].as_dict(), "after_two_lessons": after[name].as_dict()}
                            for name in PARTICIPANTS},
    }, indent=1) + "\n")
