"""The whole learner flow in Chromium, against the embedded issuer and the real Better Auth:
sign up / sign in with the real better-auth client, both JWTs, GET /api/me on the FastAPI backend
(another origin, ``Authorization: Bearer``), sign out. The backend is playground.backend itself."""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from playground.auth_server import start_auth_server
from playground.backend import BackendSettings
from playground.backend import create_app as create_backend
from playground.frontend import create_app as create_frontend
from playground.servers import ServerThread, bind_loopback

pytestmark = pytest.mark.browser


class Stack:
    """Auth server, backend and page on three loopback origins, wired as the runtime does."""

    def __init__(self, issuer: str) -> None:
        front_sock = bind_loopback(0, "frontend")
        self.frontend_url = f"http://127.0.0.1:{front_sock.getsockname()[1]}"
        self.servers = []
        try:
            self.auth = start_auth_server(issuer, trusted_origins=[self.frontend_url],
                                          cors_origins=[self.frontend_url])
            self.servers.append(self.auth)
            settings = BackendSettings(better_auth_url=self.auth.url, cors_origins=[self.frontend_url])
            self.servers.append(ServerThread(create_backend(settings), name="backend").start())
            self.api_url = self.servers[-1].url
            page = create_frontend(self.auth.url, self.api_url)
            self.servers.append(ServerThread(page, sock=front_sock, name="frontend").start())
        except BaseException:
            self.stop()
            front_sock.close()
            raise

    @property
    def demo_password(self) -> str:
        return self.auth.demo_password

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()


@pytest.fixture(scope="module", params=["embedded", pytest.param("better-auth", marks=pytest.mark.node)])
def stack(request):
    stack = Stack(request.param)
    yield stack
    stack.stop()


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_sign_up_both_jwts_call_api_sign_out(stack, open_page):
    run = open_page(stack.frontend_url)
    email = f"learner-{secrets.token_hex(4)}@example.com"
    run.page.fill("#name", "Browser Learner")
    run.page.fill("#email", email)
    run.page.fill("#password", secrets.token_urlsafe(12))

    assert run.step("sign-up") == ""
    assert run.text("status") == f"signed in as {email}"

    assert run.step("get-token") == ""
    token_jwt = run.text("token")
    assert run.step("get-session") == ""
    header_jwt = run.text("header-jwt")
    for jwt in (token_jwt, header_jwt):
        assert claims(jwt)["email"] == email
        assert claims(jwt)["iss"] == claims(jwt)["aud"] == stack.auth.url

    assert run.step("call-api") == ""
    status_line, body = run.text("api-result").split("\n", 1)
    assert status_line == "200 OK"
    assert json.loads(body)["id"] == claims(header_jwt)["sub"]
    assert json.loads(body)["email"] == email

    assert run.step("sign-out") == ""
    assert run.text("status") == "signed out"
    # The session is gone at the auth server; the page now sees no session at all.
    assert run.step("get-session") == "get-session: no session (the session cookie was not sent)"
    assert [line for line in run.console if line.startswith("error: Access to fetch")] == []


def test_demo_user_reaches_the_api_with_its_role(stack, open_page):
    run = open_page(stack.frontend_url)
    assert run.sign_in("ada@example.com", stack.demo_password) == ""
    assert run.step("get-token") == ""
    assert run.step("call-api") == ""
    user = json.loads(run.text("api-result").split("\n", 1)[1])
    assert (user["email"], user["role"]) == ("ada@example.com", "admin")


def test_wrong_password_shows_better_auths_error(stack, open_page):
    run = open_page(stack.frontend_url)
    error = run.sign_in("ada@example.com", "not-the-password")
    assert error == "sign-in: 401 Unauthorized: Invalid email or password"
