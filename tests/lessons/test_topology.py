"""Lesson 05b's helpers and the facts it teaches, against the embedded issuer and the real
better-auth: the ``__Secure-`` cookie name behind an https base URL, what a double-encoded
session cookie does to Better Auth and to the reference backend, and the server-side call."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from playground.auth_server import start_auth_server
from playground.backend import BackendSettings, create_app
from playground.lessons.topology import call_api_on_behalf, set_cookies
from playground.servers import ServerThread

ISSUERS = ["embedded", pytest.param("better-auth", marks=pytest.mark.node)]
SESSION = "better-auth.session_token"


def _response(*set_cookie: str) -> httpx.Response:
    return httpx.Response(200, headers=[("set-cookie", value) for value in set_cookie])


def test_set_cookies_reads_names_values_and_attributes():
    cookies = set_cookies(_response("a=x%3D; Max-Age=60; Path=/; HttpOnly; SameSite=Lax", "b=; Max-Age=0"))
    assert cookies["a"].value == "x%3D"
    assert cookies["a"].attributes == {"max-age": "60", "path": "/", "httponly": True, "samesite": "Lax"}
    assert cookies["b"].value == "" and cookies["b"].attributes == {"max-age": "0"}


def test_set_cookies_refuses_what_is_not_a_cookie():
    with pytest.raises(ValueError, match="not a Set-Cookie"):
        set_cookies(_response("no-equals-sign"))


def sign_in(server, origin: str) -> httpx.Response:
    response = httpx.post(f"{server.url}/api/auth/sign-in/email", headers={"origin": origin}, timeout=10.0,
                          json={"email": "grace@example.com", "password": server.demo_password})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("kind", ISSUERS)
def test_an_https_base_url_renames_the_session_cookie(kind):
    with start_auth_server(kind, base_url="https://auth.example.com") as server:
        cookies = set_cookies(sign_in(server, "https://auth.example.com"))
    assert SESSION not in cookies
    secure = cookies[f"__Secure-{SESSION}"]
    assert secure.attributes["secure"] is True and secure.attributes["samesite"] == "Lax"
    assert "domain" not in secure.attributes  # host-only: never sent to a sibling subdomain


@pytest.fixture(scope="module", params=ISSUERS)
def issuer_and_backend(request):
    with start_auth_server(request.param) as server:
        backend = ServerThread(create_app(BackendSettings(better_auth_url=server.url,
                                                          better_auth_secret=server.secret))).start()
        try:
            yield server, backend
        finally:
            backend.stop()


def test_a_double_encoded_cookie_signs_the_user_out_silently_and_the_backend_says_why(issuer_and_backend):
    server, backend = issuer_and_backend
    once = set_cookies(sign_in(server, server.url))[SESSION].value
    assert "%3D" in once  # the base64 signature's padding, percent-encoded by Better Auth
    twice = quote(once, safe="")

    def get_session(value):
        return httpx.get(f"{server.url}/api/auth/get-session", headers={"cookie": f"{SESSION}={value}"})

    assert get_session(once).json()["user"]["email"] == "grace@example.com"
    silently_out = get_session(twice)
    assert silently_out.status_code == 200 and silently_out.json() is None
    refused = httpx.get(f"{backend.url}/api/session/me", headers={"cookie": f"{SESSION}={twice}"})
    assert refused.status_code == 401 and refused.json()["reason"] == "malformed"
    assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_the_server_side_call_sends_the_cookie_only_to_better_auth(issuer_and_backend):
    server, backend = issuer_and_backend
    cookie = f"{SESSION}={set_cookies(sign_in(server, server.url))[SESSION].value}"
    call = call_api_on_behalf(cookie, auth_url=server.url, api_url=backend.url)
    assert call.api_response.status_code == 200 and call.api_response.json()["email"] == "grace@example.com"
    assert call.token_response.request.headers["cookie"] == cookie
    assert "cookie" not in call.api_response.request.headers
    assert call.api_response.request.headers["authorization"].startswith("Bearer eyJ")


def test_the_server_side_call_stops_when_better_auth_refuses_the_cookie(issuer_and_backend):
    server, backend = issuer_and_backend
    call = call_api_on_behalf(f"{SESSION}=forged.cookie", auth_url=server.url, api_url=backend.url)
    assert call.token_response.status_code == 401 and call.api_response is None
