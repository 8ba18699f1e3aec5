"""In Chromium, a page on another origin opens the backend's WebSocket the two ways lesson 11
teaches: a ticket bought with ``Authorization: Bearer`` (a CORS request), and the ``bearer``
subprotocol. ``new WebSocket`` itself has no way to send ``Authorization``."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute

from playground.auth_server import start_auth_server
from playground.backend import BackendSettings, create_app
from playground.lessons.websockets import add_websocket_routes
from playground.servers import ServerThread

pytestmark = pytest.mark.browser

WHOAMI = """async ([url, protocols]) => await new Promise((resolve, reject) => {
    const socket = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
    socket.onopen = () => socket.send("whoami");
    socket.onmessage = (event) => { resolve({protocol: socket.protocol, me: JSON.parse(event.data)}); socket.close(); };
    socket.onerror = () => resolve({error: "the WebSocket failed"});
})"""


@pytest.fixture(scope="module")
def setup():
    page = ServerThread(Starlette(routes=[Route("/", lambda request: HTMLResponse("<p>page</p>"))]),
                        name="page", lifespan="off").start()
    with start_auth_server() as issuer:
        app = create_app(BackendSettings(better_auth_url=issuer.url, cors_origins=[page.url]))
        add_websocket_routes(app)
        backend = ServerThread(app, name="websocket backend").start()
        with httpx.Client(base_url=issuer.url, timeout=10) as client:
            client.post("/api/auth/sign-in/email", headers={"origin": issuer.url},
                        json={"email": "grace@example.com", "password": issuer.demo_password}).raise_for_status()
            token = client.get("/api/auth/token").json()["token"]
        yield page, backend, token
        backend.stop()
    page.stop()


def test_chromium_opens_the_socket_with_the_bearer_subprotocol(setup, context):
    page_server, backend, token = setup
    page = context.new_page()
    page.goto(page_server.url + "/")
    ws = backend.url.replace("http://", "ws://")
    opened = page.evaluate(WHOAMI, [f"{ws}/ws/subprotocol", ["bearer", token]])
    assert opened == {"protocol": "bearer", "me": {"sub": opened["me"]["sub"], "email": "grace@example.com"}}
    assert page.evaluate(WHOAMI, [f"{ws}/ws/subprotocol", None]) == {"error": "the WebSocket failed"}


def test_chromium_buys_a_ticket_over_cors_and_opens_the_socket_once(setup, context):
    page_server, backend, token = setup
    page = context.new_page()
    page.goto(page_server.url + "/")
    ticket = page.evaluate("""async ([url, token]) => (await (await fetch(url, {method: "POST",
        headers: {Authorization: `Bearer ${token}`}})).json()).ticket""", [backend.url + "/api/ws/ticket", token])
    ws = backend.url.replace("http://", "ws://")
    opened = page.evaluate(WHOAMI, [f"{ws}/ws/ticket?ticket={ticket}", None])
    assert opened["me"]["email"] == "grace@example.com" and opened["protocol"] == ""
    assert page.evaluate(WHOAMI, [f"{ws}/ws/ticket?ticket={ticket}", None]) == {"error": "the WebSocket failed"}


def test_chromium_fails_the_socket_when_the_server_selects_no_offered_subprotocol(context):
    # Why /ws/subprotocol answers with Sec-WebSocket-Protocol: bearer (and never the token).
    async def accept_without_subprotocol(websocket):
        await websocket.accept()
        await websocket.send_text("hello")

    app = Starlette(routes=[Route("/", lambda request: HTMLResponse("<p>page</p>")),
                            WebSocketRoute("/ws", accept_without_subprotocol)])
    server = ServerThread(app, name="no subprotocol", lifespan="off").start()
    try:
        page = context.new_page()
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(server.url + "/")
        ws = server.url.replace("http://", "ws://") + "/ws"
        assert page.evaluate(WHOAMI, [ws, ["bearer", "x.y.z"]]) == {"error": "the WebSocket failed"}
        assert any("Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received" in line
                   for line in console)
    finally:
        server.stop()
