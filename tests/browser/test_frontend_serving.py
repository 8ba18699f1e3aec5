"""The frontend's ASGI app and the browser helper's guard rails (no browser needed)."""

from __future__ import annotations

import httpx
import pytest

from playground import frontend
from playground.frontend import app as frontend_app
from playground.frontend import browser as pgbrowser
from playground.servers import ServerThread

needs_build = pytest.mark.usefixtures("frontend_built")


@needs_build
def test_serves_the_page_and_the_run_config():
    app = frontend.create_app("http://127.0.0.1:3000/", "http://127.0.0.1:8000")
    # A real server, not an in-process transport: the session's Playwright keeps an event loop
    # running in this thread, where asyncio.run() is refused.
    server = ServerThread(app, name="frontend").start()
    try:
        with httpx.Client(base_url=server.url) as client:
            config, page, bundle = [client.get(path) for path in ("/config.json", "/", "/main.js")]
    finally:
        server.stop()
    assert config.json() == {"authURL": "http://127.0.0.1:3000", "apiURL": "http://127.0.0.1:8000",
                             "credentials": "include"}
    assert config.headers["cache-control"] == "no-store"
    assert page.status_code == 200 and 'id="call-api"' in page.text
    assert bundle.status_code == 200 and "set-auth-jwt" in bundle.text


def test_missing_build_says_how_to_build(monkeypatch, tmp_path):
    monkeypatch.setattr(frontend_app, "DIST_DIR", tmp_path)
    with pytest.raises(frontend.FrontendNotBuiltError, match="npm ci --prefix playground/frontend"):
        frontend.create_app("http://127.0.0.1:3000", "http://127.0.0.1:8000")


@needs_build
def test_unknown_credentials_mode_is_refused():
    with pytest.raises(ValueError, match="credentials must be one of"):
        frontend.create_app("http://127.0.0.1:3000", "http://127.0.0.1:8000", credentials="always")


def test_without_chromium_the_helper_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(pgbrowser, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pgbrowser.BrowserMissingError, match="apt-get install -y chromium"):
        pgbrowser.run_in_browser("http://127.0.0.1:1", email="a@example.com", password="x")
