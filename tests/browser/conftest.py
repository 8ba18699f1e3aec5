"""Browser fixtures: one headless Debian Chromium per session, a fresh context (cookie jar) per test.

Every page of these tests lives on 127.0.0.1, and cookies are kept per host, not per port: a
context shared between tests would carry one test's session cookie into the next.
"""

from __future__ import annotations

import pytest

from playground.frontend import browser as pgbrowser


@pytest.fixture(autouse=True)
def _page_needs_build(request):
    # Every browser test opens the built page (``frontend_built`` lives in tests/conftest.py).
    if request.node.get_closest_marker("browser") is not None:
        request.getfixturevalue("frontend_built")


# Package scope, not session: while Playwright's sync API is alive it leaves an event loop
# marked as running in the main thread, and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = pgbrowser.launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


class PageRun:
    """One open playground page and what the browser reported while it ran."""

    def __init__(self, context, url: str) -> None:
        self.page = context.new_page()
        self.recorder = pgbrowser.Recorder.attach(self.page)
        pgbrowser.open_page(self.page, url)

    def sign_in(self, email: str, password: str) -> str:
        pgbrowser.fill(self.page, email=email, password=password)
        return self.step("sign-in")

    def step(self, name: str) -> str:
        """Click the step's button; return the error text the page shows ("" when it worked)."""
        return pgbrowser.run_step(self.page, name)

    def text(self, element_id: str) -> str:
        return self.page.inner_text(f"#{element_id}")

    @property
    def console(self) -> list[str]:
        return self.recorder.console


@pytest.fixture
def open_page(context):
    """``open_page(url) -> PageRun`` in this test's context (several pages share its cookies)."""
    return lambda url: PageRun(context, url)
