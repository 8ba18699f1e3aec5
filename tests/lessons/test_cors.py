"""The CORS lesson's helpers: real preflights against real loopback servers, and the browser model
(``browser_check``) giving Chromium's own words for the cases tests/browser pins in Chromium."""

from __future__ import annotations

import httpx
import pytest

from playground.lessons import cors_lab
from playground.lessons.cors import (
    bare_auth_server,
    browser_check,
    cors_headers,
    echo_app,
    preflight,
    unsafe_request_headers,
)
from playground.servers import ServerThread

PAGE = "http://localhost:5173"
EVIL = "https://evil.example"
PREFLIGHT_STATUS = ("Response to preflight request doesn't pass access control check: "
                    "It does not have HTTP ok status.")
NO_ACAO = "No 'Access-Control-Allow-Origin' header is present on the requested resource."


@pytest.fixture
def serve():
    servers = []

    def start(app) -> str:
        servers.append(ServerThread(app, name="cors-test").start())
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def test_starlette_defaults_allow_only_get_and_safelisted_headers(serve):
    url = serve(echo_app(allow_origins=[PAGE], allow_credentials=True)) + "/api/echo"
    answer = preflight(url, origin=PAGE, method="POST", headers=["authorization", "content-type"])
    assert (answer.status_code, answer.text) == (400, "Disallowed CORS method, headers")
    assert cors_headers(answer)["access-control-allow-methods"] == "GET"
    assert browser_check(answer, origin=PAGE, preflight_for=("POST", ["authorization"])) == PREFLIGHT_STATUS


def test_wildcard_with_credentials_reflects_any_origin(serve):
    url = serve(echo_app(allow_origins=["*"], allow_credentials=True)) + "/api/echo"
    answer = httpx.get(url, headers={"Origin": EVIL, "Cookie": "session=1"})
    assert answer.headers["access-control-allow-origin"] == EVIL
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert browser_check(answer, origin=EVIL) is None  # the browser hands the response to evil.example


def test_allow_headers_star_in_starlette_mirrors_the_request(serve):
    url = serve(echo_app(allow_origins=[PAGE], allow_credentials=True, allow_headers=["*"])) + "/api/echo"
    answer = preflight(url, origin=PAGE, headers=["authorization"])
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-headers"] == "authorization"
    assert browser_check(answer, origin=PAGE, preflight_for=("GET", ["authorization"])) is None


def test_explicit_configuration_passes_and_other_origins_fail(serve):
    app = echo_app(allow_origins=[PAGE], allow_credentials=True, allow_methods=["GET", "POST"],
                   allow_headers=["Authorization", "Content-Type"])
    url = serve(app) + "/api/echo"
    ok = preflight(url, origin=PAGE, method="POST", headers=["authorization", "content-type"])
    assert browser_check(ok, origin=PAGE, preflight_for=("POST", ["authorization", "content-type"])) is None
    other = preflight(url, origin=EVIL)
    assert (other.status_code, other.text) == (400, "Disallowed CORS origin")
    assert browser_check(other, origin=EVIL, preflight_for=("GET", ["authorization"])) == (
        "Response to preflight request doesn't pass access control check: " + NO_ACAO)


def _response(headers: dict[str, str], status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_browser_check_rules_from_the_fetch_standard():
    star = {"access-control-allow-origin": "*"}
    assert browser_check(_response(star), origin=PAGE, credentials=False) is None
    assert "must not be the wildcard '*'" in browser_check(_response(star), origin=PAGE)
    wrong = {"access-control-allow-origin": "http://other.example", "access-control-allow-credentials": "true"}
    assert "not equal to the supplied origin" in browser_check(_response(wrong), origin=PAGE)
    no_credentials = {"access-control-allow-origin": PAGE}
    assert "'Access-Control-Allow-Credentials' header in the response is ''" in browser_check(
        _response(no_credentials), origin=PAGE)
    # A literal "*" in Access-Control-Allow-Headers never covers Authorization (Fetch standard).
    literal = {"access-control-allow-origin": "*", "access-control-allow-headers": "*",
               "access-control-allow-methods": "*"}
    assert browser_check(_response(literal), origin=PAGE, credentials=False,
                         preflight_for=("PUT", ["x-custom"])) is None
    assert browser_check(_response(literal), origin=PAGE, credentials=False,
                         preflight_for=("GET", ["authorization"])) == (
        "Request header field authorization is not allowed by Access-Control-Allow-Headers in preflight response.")
    ok = {"access-control-allow-origin": PAGE, "access-control-allow-credentials": "true",
          "access-control-allow-methods": "GET"}
    assert browser_check(_response(ok), origin=PAGE, preflight_for=("DELETE", [])) == (
        "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.")
    assert "reads null for set-auth-jwt" in browser_check(_response(ok), origin=PAGE, read_header="set-auth-jwt")
    exposed = {**ok, "access-control-expose-headers": "set-auth-jwt"}
    assert browser_check(_response(exposed), origin=PAGE, read_header="set-auth-jwt") is None


@pytest.mark.usefixtures("frontend_built")  # the lab serves the built browser page
@pytest.mark.parametrize("fixed", [False, True], ids=["broken", "fixed"])
def test_lab_variants_match_what_chromium_says(fixed):
    # The broken answers are the lines tests/browser/test_browser_cors_lab.py asserts in Chromium.
    with cors_lab.start_lab("authorization-not-allowed", fixed=fixed) as lab:
        answer = preflight(lab.api_url + "/api/me", origin=lab.frontend_url)
        verdict = browser_check(answer, origin=lab.frontend_url, preflight_for=("GET", ["authorization"]))
        assert verdict == (None if fixed else PREFLIGHT_STATUS)
    with cors_lab.start_lab("error-without-cors", fixed=fixed) as lab, httpx.Client() as client:
        signed_in = client.post(lab.auth_url + "/api/auth/sign-in/email", headers={"Origin": lab.frontend_url},
                                json={"email": "ada@example.com", "password": lab.demo_password})
        assert signed_in.status_code == 200
        token = client.get(lab.auth_url + "/api/auth/token").json()["token"]
        crashed = client.get(lab.api_url + "/api/me",
                             headers={"Origin": lab.frontend_url, "Authorization": f"Bearer {token}"})
        assert crashed.status_code == 500
        assert browser_check(crashed, origin=lab.frontend_url) == (None if fixed else NO_ACAO)


def _no_cors(issuer: str) -> None:
    server = bare_auth_server(issuer)
    try:
        answer = preflight(server.url + "/api/auth/sign-in/email", origin=PAGE, method="POST", headers=["content-type"])
        assert answer.status_code == 404 and cors_headers(answer) == {}
        with httpx.Client(base_url=server.url) as client:
            assert client.post("/api/auth/sign-in/email", json={"email": "ada@example.com",
                               "password": server.demo_password}).status_code == 200
            session = client.get("/api/auth/get-session", headers={"Origin": PAGE})
        assert session.status_code == 200 and "access-control-allow-origin" not in session.headers
        # Better Auth exposes its own header (useless without an allowed origin).
        assert "set-auth-jwt" in session.headers["access-control-expose-headers"]
    finally:
        server.stop()


def test_better_auth_itself_sends_no_cors_embedded():
    _no_cors("embedded")


@pytest.mark.node
def test_better_auth_itself_sends_no_cors_real():
    _no_cors("better-auth")


@pytest.mark.usefixtures("frontend_built")
def test_the_lab_backend_is_the_reference_backend():
    # No second copy of the backend's wiring: the lab serves playground.backend.create_app itself.
    with cors_lab.start_lab("correct") as lab, httpx.Client(base_url=lab.api_url) as client:
        assert client.get("/openapi.json").json()["info"]["title"] == "Better Auth -> FastAPI backend"
        refused = client.get("/api/me", headers={"Origin": lab.frontend_url})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert browser_check(refused, origin=lab.frontend_url) is None  # the page can read why


@pytest.mark.usefixtures("frontend_built")
def test_the_planted_crash_comes_only_after_authentication():
    with cors_lab.start_lab("error-without-cors") as lab:
        anonymous = httpx.get(lab.api_url + "/api/me", headers={"Origin": lab.frontend_url})
    assert anonymous.status_code == 401  # the backend's own answer, not the crash
    assert lab.server_errors == []


def test_the_lab_refuses_unknown_variants_and_issuers_and_says_what_it_knows():
    with pytest.raises(KeyError, match="no CORS variant 'nope'; known: correct, "):
        cors_lab.start_lab("nope")
    with pytest.raises(ValueError, match="issuer must be one of"):
        cors_lab.start_lab("correct", issuer="auth0")
    with pytest.raises(ValueError, match="changes the auth server's CORS layer: run it with issuer='embedded'"):
        cors_lab.start_lab("wildcard-with-credentials", issuer="better-auth")


@pytest.mark.parametrize(("headers", "unsafe"), [
    ({"Range": "bytes=0-499"}, []),
    ({"Range": "bytes=500-"}, []),
    ({"Range": "bytes=-500"}, ["range"]),          # a suffix range has no start
    ({"Range": "bytes=0-1,4-5"}, ["range"]),       # more than one range
    ({"Range": "bytes=9-1"}, ["range"]),           # end before start
    ({"Content-Type": "application/json", "Authorization": "Bearer x"}, ["authorization", "content-type"]),
    ({"Content-Type": "text/plain;charset=utf-8", "Accept": "*/*"}, []),
    ({"Accept-Language": "en-GB", "Content-Language": "fr(x)"}, ["content-language"]),
    ({"Accept": "x" * 129}, ["accept"]),           # over 128 bytes
    ({"X-Debug": "1", "Range": "bytes=0-1"}, ["x-debug"]),
])
def test_unsafe_request_headers_follows_the_fetch_safelist(headers, unsafe):
    assert unsafe_request_headers(headers) == unsafe
