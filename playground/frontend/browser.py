"""Drive the playground page in a real browser: Debian's Chromium, headless, via Playwright.

Only a browser can prove CORS right or wrong: the page sees just "TypeError: Failed to fetch",
the reason is in the browser's console. ``run_in_browser`` returns both, plus a screenshot, so a
lesson can show the browser's own result. It never downloads a browser: without
``/usr/bin/chromium`` it raises ``BrowserMissingError`` saying how to install it.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = (
    "Chromium is not installed, so the browser part is skipped. Install Debian's package as root: "
    "`apt-get update && apt-get install -y chromium` (the playground uses /usr/bin/chromium and never "
    "downloads a browser)."
)
#: Headless, as root in a container, on a machine without outside network: no sandbox, no GPU,
#: and none of Chromium's own background connections (they would fail, noisily, many at a time).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The ids of the page's result fields (src/index.html).
FIELDS = ("status", "token", "header-jwt", "claims", "api-result", "error")
#: Generous: a step takes well under a second, but Chromium on a loaded machine (CI, tests in
#: parallel) has stalled for many; a deadline only has to catch a page that will never answer.
STEP_TIMEOUT_MS = 60_000


class BrowserMissingError(RuntimeError):
    """No Chromium at /usr/bin/chromium; the message says how to install it."""


def chromium_missing() -> str | None:
    """``None`` when the browser can run here, else what to do about it."""
    return None if CHROMIUM.exists() else INSTALL_HINT


def launch(playwright):
    """A headless Chromium from ``playwright.sync_api.sync_playwright()`` (Debian's binary)."""
    reason = chromium_missing()
    if reason:
        raise BrowserMissingError(reason)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)


@dataclass
class Recorder:
    """What the browser reported while a page ran: its console and the requests that failed."""

    console: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page) -> Recorder:
        recorder = cls()
        recorder.listen(page)
        return recorder

    def listen(self, page) -> None:
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("requestfailed", lambda request: self.failed_requests.append(
            f"{request.method} {request.url}: {request.failure}"))

    def errors(self) -> list[str]:
        return [line for line in self.console if line.startswith(("error:", "pageerror:"))]


def open_page(page, url: str, *, timeout_ms: float = STEP_TIMEOUT_MS) -> None:
    """Load the playground page and wait until it has read its config and wired its buttons."""
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector("body[data-ready='1']", timeout=timeout_ms)


def fill(page, *, email: str, password: str, name: str | None = None) -> None:
    page.fill("#email", email)
    page.fill("#password", password)
    if name is not None:
        page.fill("#name", name)


def run_step(page, step: str, *, timeout_ms: float = STEP_TIMEOUT_MS) -> str:
    """Click one step's button, wait until its handler has finished; return the error shown (or "")."""
    done = int(page.evaluate("Number(document.body.dataset.done ?? 0)"))
    page.click(f"#{step}")
    page.wait_for_function(f"Number(document.body.dataset.done ?? 0) > {done}", timeout=timeout_ms)
    return page.inner_text("#error")


def read_fields(page) -> dict[str, str]:
    return {name: page.inner_text(f"#{name}") for name in FIELDS}


@dataclass
class BrowserResult:
    """The browser's own account of a run: console lines, failed requests, page fields, screenshot."""

    console: list[str]
    failed_requests: list[str]
    fields: dict[str, str]
    screenshot_png: bytes
    screenshot: Path | None  # where the PNG was also written, when a path was asked for

    @property
    def error(self) -> str:
        return self.fields.get("error", "")

    def __str__(self) -> str:
        lines = ["Browser console:"] + [f"  {line}" for line in self.console]
        if self.failed_requests:
            lines += ["Failed requests:"] + [f"  {line}" for line in self.failed_requests]
        lines.append(f"Error on the page: {self.error or '(none)'}")
        return "\n".join(lines)


def run_in_browser(
    url: str,
    *,
    email: str,
    password: str,
    steps: Iterable[str] = ("sign-in", "get-token", "call-api"),
    name: str | None = None,
    then: tuple[str, Iterable[str]] | None = None,
    screenshot: str | Path | None = None,
    timeout_s: float = 300.0,
) -> BrowserResult:
    """Open the page at ``url`` in headless Chromium, run ``steps`` (button ids) in order until
    one fails, and return what the browser reported. ``then=(other_url, steps)`` afterwards opens
    another page in the same browser (same cookies: "the user visits another site") and runs its
    steps; the fields and the screenshot are then that page's. Raises ``BrowserMissingError``
    without Chromium.

    Runs in a worker thread: Playwright's sync API refuses to run inside a notebook's event loop.
    """
    reason = chromium_missing()
    if reason:
        raise BrowserMissingError(reason)
    path = Path(screenshot) if screenshot else None
    visits = [(url, tuple(steps))] + ([(then[0], tuple(then[1]))] if then else [])
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    job = pool.submit(_run, visits, email, password, name, path)
    try:
        return job.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError:
        raise TimeoutError(f"Chromium did not finish the steps {[s for _, steps in visits for s in steps]} "
                           f"within {timeout_s:.0f} s (is the machine overloaded?)") from None
    finally:
        # Not waiting: after a timeout the worker ends on its own, at its next step's deadline.
        pool.shutdown(wait=False)


def _run(visits, email, password, name, path: Path | None) -> BrowserResult:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context()
            recorder = Recorder()
            for index, (url, steps) in enumerate(visits):
                page = context.new_page()
                if index:
                    recorder.console.append(f"note: the same browser now opens another site, {url}")
                recorder.listen(page)
                open_page(page, url)
                fill(page, email=email, password=password, name=name)
                for step in steps:
                    if run_step(page, step):
                        break  # like a learner: stop at the first step that fails, and look
            png = page.screenshot(path=str(path) if path else None, full_page=True)
            return BrowserResult(recorder.console, recorder.failed_requests, read_fields(page), png, path)
        finally:
            browser.close()
