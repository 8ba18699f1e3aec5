"""The embedded runtime: servers in threads, one playground at a time, clear failures, the CLI."""

from __future__ import annotations

import ast
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import playground
from playground.servers import PlaygroundStartError, ServerThread, bind_loopback, free_port

PACKAGE = Path(playground.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return ({node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
            | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names})


@pytest.mark.parametrize("module", ["servers.py", "auth_server.py", "auth_cors.py", "better_auth/launcher.py",
                                    "lessons/cors_lab.py", "lessons/cors.py", "lessons/credentials.py"])
def test_only_the_playground_lives_in_runtime_and_nothing_below_it_imports_it(module):
    # Servers in threads, the auth-server factory and the Node launcher stand on their own: the
    # playground (runtime) is built from them, never the other way round.
    assert "playground.runtime" not in _imports(PACKAGE / module)


def _hello_app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("hello"))])


def test_server_thread_serves_and_stops():
    server = ServerThread(_hello_app(), name="hello").start()
    assert httpx.get(server.url).text == "hello"
    server.stop()
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=1)


def test_a_taken_port_fails_at_once_with_the_port_in_the_message():
    # Held by another playground that has not started serving yet: still taken (it listens).
    taken = bind_loopback()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PlaygroundStartError, match=f"127.0.0.1:{port}"):
            ServerThread(_hello_app(), port=port, name="hello")
    finally:
        taken.close()


def test_an_app_that_fails_on_startup_fails_start_instead_of_hanging():
    @contextlib.asynccontextmanager
    async def broken_lifespan(app):
        raise RuntimeError("database unreachable")
        yield  # pragma: no cover - makes this an async generator

    app = Starlette(lifespan=broken_lifespan)
    started = time.monotonic()
    with pytest.raises(PlaygroundStartError, match="did not start|stopped while starting"):
        ServerThread(app, name="broken").start(timeout=5)
    assert time.monotonic() - started < 5


@pytest.fixture
def pg():
    handle = playground.start("embedded")
    yield handle
    playground.stop()


def _sign_in(pg, email="grace@example.com") -> httpx.Response:
    return pg.auth.post("/api/auth/sign-in/email", json={"email": email, "password": pg.demo_password},
                        headers={"origin": pg.auth_url})


def test_start_twice_returns_the_running_playground(pg):
    assert playground.start("embedded") is pg
    assert pg.running


def test_start_with_other_arguments_replaces_the_running_playground(pg):
    other = playground.start("embedded", deterministic=False)
    try:
        assert other is not pg
        assert not pg.running
        assert other.running
    finally:
        playground.stop()


def test_round_trip_token_from_the_issuer_is_accepted_by_the_backend(pg):
    assert _sign_in(pg).status_code == 200
    token = pg.auth.get("/api/auth/token").json()["token"]
    me = pg.api.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == "grace@example.com"
    assert pg.api.get("/api/me").status_code == 401


def test_deterministic_playground_issues_identical_tokens_across_restarts():
    # The auth server's URL is inside every token (iss, aud): same port, same bytes.
    port = free_port()
    tokens = []
    for _ in range(2):
        pg = playground.start("embedded", auth_port=port)
        try:
            _sign_in(pg)
            tokens.append(pg.auth.get("/api/auth/token").json()["token"])
        finally:
            playground.stop()
    assert tokens[0] == tokens[1]


def test_advance_expires_tokens_for_the_backend(pg):
    _sign_in(pg)
    token = pg.auth.get("/api/auth/token").json()["token"]
    pg.advance(15 * 60 + 1)
    response = pg.api.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_repr_never_shows_the_secret_or_the_password(pg):
    text = repr(pg)
    assert pg.secret not in text and pg.demo_password not in text
    assert "issuer: embedded" in text


def test_cli_serve_answers_on_both_urls_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PLAYGROUND_ISSUER", None)
    process = subprocess.Popen([sys.executable, "-m", "playground", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        while not any("Ctrl-C" in line for line in lines):
            line = process.stdout.readline()
            assert line, f"serve exited early: {process.stderr.read()}"
            lines.append(line)
        output = "".join(lines)
        auth_url = re.search(r"auth server : (http://127\.0\.0\.1:\d+)", output).group(1)
        api_url = re.search(r"backend     : (http://127\.0\.0\.1:\d+)", output).group(1)
        password = re.search(r"password: (\S+)", output).group(1)
        with httpx.Client(base_url=auth_url) as auth:
            signed_in = auth.post("/api/auth/sign-in/email", headers={"origin": auth_url},
                                  json={"email": "ada@example.com", "password": password})
            assert signed_in.status_code == 200
            token = auth.get("/api/auth/token").json()["token"]
        assert httpx.get(f"{api_url}/api/me", headers={"authorization": f"Bearer {token}"}).json()["email"] \
            == "ada@example.com"
        assert httpx.get(f"{api_url}/api/me").status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("variable, value, words", [
    ("BETTER_AUTH_SECRET", "better-auth-secret-12345678901234567890", "Better Auth's public default"),
    ("BACKEND_ALGORITHMS", "HS256", "never with BETTER_AUTH_SECRET"),
])
def test_cli_serve_refuses_unsafe_settings_from_the_environment_in_one_line(variable, value, words):
    env = {**os.environ, variable: value}
    env.pop("PLAYGROUND_ISSUER", None)
    result = subprocess.run([sys.executable, "-m", "playground", "serve", "--auth-port", "0", "--api-port", "0"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: backend settings: ") and words in result.stderr, result.stderr


def test_teaching_controls_mint_rotate_and_shift(pg):
    token = pg.controls.mint_token("grace@example.com", claims={"aud": "https://elsewhere.example"})
    rejected = pg.api.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert rejected.status_code == 401 and "aud" in rejected.headers["www-authenticate"].lower()
    old_kids = {key["kid"] for key in pg.controls.state()["keys"]}
    new_kid = pg.controls.rotate_keys()
    assert new_kid not in old_kids
    before = pg.controls.state()["now"]
    assert pg.controls.shift_issuer_clock(60)["now"] == before + 60
    assert pg.issuer_clock.now() == before + 60


@pytest.mark.node
@pytest.mark.parametrize("issuer", ["embedded", "better-auth"])
def test_the_page_origin_is_trusted_by_the_auth_server_and_allowed_by_the_backend(issuer):
    pg = playground.start(issuer)
    try:
        _check_page_wiring(pg)
    finally:
        playground.stop()


def _check_page_wiring(pg):
    assert pg.frontend_url is not None, "the browser page is not built: `make setup` builds it"
    page = httpx.get(pg.frontend_url + "/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    preflight = pg.api.options("/api/me", headers={
        "origin": pg.frontend_url, "access-control-request-method": "GET",
        "access-control-request-headers": "authorization"})
    assert preflight.headers["access-control-allow-origin"] == pg.frontend_url
    signed_in = pg.auth.post("/api/auth/sign-in/email", headers={"origin": pg.frontend_url},
                             json={"email": "grace@example.com", "password": pg.demo_password})
    assert signed_in.status_code == 200
    assert signed_in.headers["access-control-allow-origin"] == pg.frontend_url
    assert "set-auth-jwt" in pg.auth.get(
        "/api/auth/get-session", headers={"origin": pg.frontend_url}
    ).headers["access-control-expose-headers"].lower()
