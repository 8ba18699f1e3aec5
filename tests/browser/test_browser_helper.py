"""``run_in_browser``, the lessons' helper: the browser's own console lines and a real screenshot."""

from __future__ import annotations

import pytest

from playground.frontend.browser import run_in_browser
from playground.lessons import cors_lab

pytestmark = pytest.mark.browser


def test_run_in_browser_stops_at_the_first_failure_and_keeps_a_screenshot(tmp_path):
    with cors_lab.start_lab("authorization-not-allowed") as lab:
        result = run_in_browser(lab.frontend_url, email="ada@example.com", password=lab.demo_password,
                                steps=("sign-in", "get-token", "call-api", "sign-out"),
                                screenshot=tmp_path / "page.png")
    assert result.error == "call-api: TypeError: Failed to fetch"
    assert any("has been blocked by CORS policy" in line for line in result.console)
    assert not any("[sign-out]" in line for line in result.console)  # it stopped at call-api
    assert result.failed_requests == [f"GET {lab.api_url}/api/me: net::ERR_FAILED"]
    assert result.screenshot_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.screenshot.read_bytes() == result.screenshot_png
    assert "Error on the page: call-api: TypeError: Failed to fetch" in str(result)


def test_demo_of_the_wildcard_shows_another_site_reading_the_users_jwt():
    result = cors_lab.demo("wildcard-with-credentials")
    assert any(line.startswith("note: the same browser now opens another site") for line in result.console)
    assert result.console[-1] == "log: [get-token] got a JWT from /api/auth/token"  # on the other site
    assert '"email": "ada@example.com"' in result.fields["claims"]
