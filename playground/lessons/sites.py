"""Site is not origin: which other pages get the user's ``SameSite=Lax`` session cookie, per Chromium.

An *origin* is scheme + host + port; a *site* is scheme + registrable domain (RFC 6265bis,
"same-site"): ``http://127.0.0.1:3000`` and ``http://127.0.0.1:4000`` are two origins of one site,
while ``http://localhost:4000`` is another site although it reaches the same machine. Better Auth's
session cookie is ``SameSite=Lax``: the browser sends it on requests from pages of the same site
only (and on top-level navigations). So a misconfigured CORS layer on the auth server leaks the
user's JWT to a cross-*origin* page of the same site, but not to a truly cross-*site* page.

``visit_other_pages(lab, origins)`` shows it in Debian's Chromium: it signs the demo user in on the
lab's page, then opens the same page on each of ``origins`` in the same browser (same cookies, "the
user visits another page") and presses "get token" there.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from playground.frontend.browser import (
    BrowserMissingError,
    Recorder,
    chromium_missing,
    fill,
    launch,
    open_page,
    read_fields,
    run_step,
)
from playground.lessons.cors_lab import Lab


@dataclass(frozen=True)
class PageVisit:
    """What one page got when it asked the auth server for a JWT (``authClient.token()``)."""

    origin: str
    jwt: str  # the JWT the page could read, or "" when it got none
    error: str  # the error the page shows, or ""
    console_errors: tuple[str, ...]  # what Chromium printed as errors while this page ran

    @property
    def read_the_jwt(self) -> bool:
        return bool(self.jwt)


def same_origin_on_other_host(url: str, host: str) -> str:
    """``url``'s origin with its host replaced: ``http://127.0.0.1:4000`` -> ``http://localhost:4000``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{host}:{parts.port}"


def visit_other_pages(lab: Lab, origins: Sequence[str], *, email: str = "ada@example.com",
                      timeout_s: float = 60.0) -> list[PageVisit]:
    """Sign ``email`` in on ``lab.frontend_url`` in headless Chromium, then, in the same browser,
    open the lab's page on each of ``origins`` (each must serve it: the lab's other-site server
    answers on any host name of 127.0.0.1) and ask the auth server for a JWT from there.

    Raises ``BrowserMissingError`` (saying how to install Chromium) without the browser. Runs in a
    worker thread: Playwright's sync API refuses to run inside a notebook's event loop.
    """
    reason = chromium_missing()
    if reason:
        raise BrowserMissingError(reason)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_visit, lab, list(origins), email).result(timeout=timeout_s)


def _visit(lab: Lab, origins: list[str], email: str) -> list[PageVisit]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context()
            page = context.new_page()
            open_page(page, lab.frontend_url)
            fill(page, email=email, password=lab.demo_password)
            signed_in_error = run_step(page, "sign-in")
            if signed_in_error:
                raise RuntimeError(f"the lab's page could not sign in: {signed_in_error}")
            visits = []
            for origin in origins:
                other = context.new_page()
                recorder = Recorder.attach(other)
                open_page(other, origin)
                run_step(other, "get-token")
                fields = read_fields(other)
                token = fields["token"].strip()  # the page shows a dash until it has a JWT
                visits.append(PageVisit(origin, token if token.count(".") == 2 else "", fields["error"].strip(),
                                        tuple(recorder.errors())))
            return visits
        finally:
            browser.close()


__all__ = ["PageVisit", "same_origin_on_other_host", "visit_other_pages"]
