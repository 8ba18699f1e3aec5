"""The request headers that make Chromium preflight are the ones ``unsafe_request_headers`` (the
lesson's model of the Fetch standard) names: a single-range ``Range`` is safelisted, other ranges
are not, and neither is ``Authorization``."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from playground.lessons.cors import unsafe_request_headers
from playground.servers import ServerThread

pytestmark = pytest.mark.browser

CASES = [
    {"Range": "bytes=0-499"},
    {"Range": "bytes=500-"},
    {"Range": "bytes=-500"},
    {"Range": "bytes=0-1,4-5"},
    {"Accept-Language": "en-GB"},
    {"Content-Type": "text/plain;charset=utf-8"},
    {"Content-Type": "application/json"},
    {"Authorization": "Bearer not-a-jwt"},
]


@pytest.fixture(scope="module")
def servers():
    seen: list[tuple[str, str | None]] = []

    async def probe(request):
        return PlainTextResponse("ok")

    page = ServerThread(Starlette(routes=[Route("/", lambda request: HTMLResponse("<p>page</p>"))]),
                        name="page", lifespan="off").start()
    api = CORSMiddleware(Starlette(routes=[Route("/probe", probe)]), allow_origins=[page.url],
                         allow_headers=["*"], allow_methods=["GET"])

    async def recording(scope, receive, send):  # outside CORS: sees every preflight
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            seen.append((scope["method"], (headers.get(b"access-control-request-headers") or b"").decode() or None))
        await api(scope, receive, send)

    api_server = ServerThread(recording, name="api", lifespan="off").start()
    yield page, api_server, seen
    api_server.stop()
    page.stop()


@pytest.mark.parametrize("headers", CASES, ids=lambda h: "-".join(f"{k}={v}" for k, v in h.items()))
def test_chromium_preflights_exactly_the_unsafe_headers(servers, context, headers):
    page_server, api, seen = servers
    page = context.new_page()
    page.goto(page_server.url + "/")
    seen.clear()
    status = page.evaluate("async ([url, headers]) => (await fetch(url, {headers})).status",
                           [api.url + "/probe", headers])
    assert status == 200
    preflights = [requested for method, requested in seen if method == "OPTIONS"]
    expected = unsafe_request_headers(headers)
    assert preflights == ([",".join(expected)] if expected else [])
