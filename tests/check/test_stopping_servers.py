"""A check run starts and stops several servers (issuer, gate, app); they are stopped together and
without waiting for uvicorn's next tick, but as cleanly as uvicorn stops them: a request in flight
is answered, the app's lifespan shutdown runs, and every thread ends."""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from playground.check.engine import start_issuer
from playground.servers import ServerThread, stop_all


def _slow_app(events: list[str], started: threading.Event) -> Starlette:
    async def slow(request):
        started.set()
        await asyncio.sleep(0.3)
        return PlainTextResponse("answered")

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    return Starlette(routes=[Route("/slow", slow)], lifespan=lifespan)


def test_a_stop_answers_the_request_in_flight_and_runs_the_lifespan_shutdown():
    events: list[str] = []
    started = threading.Event()
    slow, idle = ServerThread(_slow_app(events, started)).start(), ServerThread(_slow_app(events, threading.Event()))
    idle.start()
    answers: list[httpx.Response] = []
    client = threading.Thread(target=lambda: answers.append(httpx.get(f"{slow.url}/slow", timeout=10)))
    client.start()
    assert started.wait(10)
    stop_all([slow, idle])
    client.join(10)
    assert [a.text for a in answers] == ["answered"]
    assert events == ["startup", "startup", "shutdown", "shutdown"]
    assert not slow.running and not idle.running


def test_the_checkers_issuer_and_its_gate_stop_together():
    issuer = start_issuer(app="unused:app")  # the target is not started by start_issuer
    gate = issuer.gate
    assert issuer.running and httpx.get(issuer.jwks_url, timeout=10).status_code == 200
    issuer.stop()
    assert not issuer.running and not gate._server.running
