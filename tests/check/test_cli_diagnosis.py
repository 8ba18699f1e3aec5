"""When the app refuses every valid token, the check goes on: the cases that need no valid token
run and count (exit 1 if one fails), JUnit is written, and the setup problem names the real cause.

What the command says is read from its ``main`` run in this process (``check_in_process``); an app
whose process exits at start-up, and targets that send garbage or never answer, from a subprocess."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

from cli_run import ROUTES, check, check_in_process

from playground.check import CASES
from playground.servers import free_port

ONLY_REQUIRED = [arg for case in CASES if case.weight != "advisory" for arg in ("--only", case.id)]


def _setup_error(junit) -> str:
    setup = next(case for case in ET.parse(junit).getroot().iter("testcase") if case.get("name") == "setup")
    error = setup.find("error")
    assert error is not None
    return error.get("message")


def test_the_fastapi_tutorial_app_run_as_readme_says_is_told_it_verifies_hs256(tmp_path):
    junit = tmp_path / "check.xml"
    result = check_in_process("--app", "targets.newcomers:tutorial", "--env", "BETTER_AUTH_URL={issuer}",
                              "--protected", "/api/me", "--only", "no-token", "--only", "alg-none", "--only",
                              "expired", "--junit-xml", str(junit))
    assert result.returncode == 2, result.stdout + result.stderr
    cause = ("it verifies HS256 with a shared secret, and it accepted a token signed with 'your-secret-key', a "
             "placeholder that public repositories commit")
    assert cause in result.stderr and "Better Auth's jwt plugin signs EdDSA" in result.stderr
    assert "--env BETTER_AUTH_URL" not in result.stderr  # it was given it
    assert cause in _setup_error(junit)
    # The cases that need no valid token ran; those that do are said not to have run.
    assert "✓ no-token" in result.stdout and "✓ alg-none" in result.stdout
    assert "not run: it needs the app to accept a valid token first" in result.stdout


def test_the_tutorial_app_that_anyone_can_forge_tokens_for_fails_a_required_case():
    # It decodes without audience=: PyJWT refuses any token with an aud, so only forgeries without one get in.
    result = check_in_process("--app", "targets.newcomers:tutorial", "--env", "BETTER_AUTH_URL={issuer}",
                              "--protected", "/api/me", "--only", "weak-hmac-secret", "--only", "hs256-with-secret")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ weak-hmac-secret" in result.stdout and "✗ hs256-with-secret" in result.stdout
    assert "accepted HS256 signed with 'your-secret-key', without iss and aud" in result.stdout


def test_the_secrets_repositories_commit_include_the_templates_default():
    committed = "your-default-secret-key-change-in-production"
    result = check_in_process("--app", "targets.newcomers:tutorial", "--env", "BETTER_AUTH_URL={issuer}", "--env",
                              f"BETTER_AUTH_SECRET={committed}", "--protected", "/api/me", "--only",
                              "weak-hmac-secret")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"accepted HS256 signed with {committed!r}, without iss and aud" in result.stdout


def test_a_failed_baseline_still_fails_the_run_on_what_could_be_checked(tmp_path):
    # No secret: it crashes (500) on every HS256 token, which hs256-with-secret needs no valid token to see.
    junit = tmp_path / "check.xml"
    result = check_in_process("--app", "targets.newcomers:tutorial_without_default", "--env",
                              "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--only", "hs256-with-secret",
                              "--only", "alg-none", "--junit-xml", str(junit))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ hs256-with-secret" in result.stdout and "✓ alg-none" in result.stdout
    failed = {case.get("name") for case in ET.parse(junit).getroot().iter("testcase")
              if case.find("failure") is not None}
    assert "hs256-with-secret" in failed and "alg-none" not in failed
    assert "your app verifies HS256 with a shared secret" in _setup_error(junit)


def test_the_tutorial_app_without_a_default_secret_is_told_too():
    result = check_in_process("--app", "targets.newcomers:tutorial_without_default", "--env",
                              "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--only", "alg-none")
    assert "your app verifies HS256 with a shared secret (it answered an HS256 token '500" in result.stderr
    assert "It was not given a secret by the checker" in result.stderr


def test_a_pyjwkclient_app_without_audience_is_told_to_pass_it(tmp_path):
    junit = tmp_path / "check.xml"
    result = check_in_process("--app", "targets.newcomers:no_audience", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--only", "alg-none",
                              "--junit-xml", str(junit))
    assert result.returncode == 2, result.stdout + result.stderr
    cause = "but accepted the same token without aud: it calls jwt.decode without audience="
    assert cause in result.stderr and "Invalid audience" in result.stderr
    assert cause in _setup_error(junit)


def test_an_app_that_expects_localhost_is_told_the_spelling():
    port = free_port()
    result = check_in_process("--app", "targets.careful:app", "--env", f"BETTER_AUTH_URL=http://localhost:{port}",
                              "--auth-port", str(port), "--protected", "/api/me", "--only", "alg-none")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"accepted the same token with iss and aud http://localhost:{port}: it expects the issuer spelled " \
           "'localhost'" in result.stderr


def test_an_app_given_the_issuer_is_never_told_to_pass_it_again():
    result = check_in_process("--app", "targets.quirky:ansi_errors", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                              "--protected", "/me")
    assert result.returncode == 2
    assert "although it was given BETTER_AUTH_URL={issuer}" in result.stderr and "Pass --env" not in result.stderr


def test_a_database_missing_at_start_up_is_named(tmp_path):
    junit = tmp_path / "check.xml"
    result = check("--app", "targets.newcomers:needs_database", "--factory", "--protected", "/api/me",
                   "--junit-xml", str(junit))
    assert result.returncode == 2
    assert "the app's process exited with code 3 while starting it (its lifespan start-up)" in result.stderr
    assert "A service it needs looks down" in result.stderr
    assert "A service it needs looks down" in _setup_error(junit)  # JUnit on this exit path too


def test_a_flask_app_is_served_through_wsgi_and_passes_the_required_cases():
    result = check_in_process("--app", "targets.flask_app:app", "--env", "BETTER_AUTH_URL={issuer}", *ROUTES,
                              *ONLY_REQUIRED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ valid-token-accepted" in result.stdout and "✓ cors-foreign-origin-with-credentials" in result.stdout


def _bad_server(mode: str) -> tuple[socket.socket, str]:
    """A raw TCP server on loopback that answers every connection with ``mode``: garbage bytes, a
    reset, or a status line dripped a byte every 0.3 s (never done)."""
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def answer(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                if mode == "garbage":
                    conn.sendall(b"\x00\xffnot HTTP at all\r\n\r\n\x1b[31m")
                elif mode == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                else:
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                        conn.sendall(bytes([byte]))
                        time.sleep(0.3)
            except OSError:
                pass

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_target_that_sends_garbage_resets_or_drips_never_hangs_the_checker():
    for mode, message in (("garbage", "the app stopped answering"), ("reset", "the app stopped answering"),
                          ("drip", "did not answer a valid token (no answer within 1 s)")):
        server, url = _bad_server(mode)
        with server:
            result = check("--api-url", url, "--auth-port", str(free_port()), "--protected", "/api/me",
                           "--timeout", "1", "--only", "no-token")
        # (A server that hangs on a request without credentials has failed no-token: exit 1 then.)
        assert result.returncode in (1, 2) and (mode == "drip" or result.returncode == 2), (mode, result.stdout)
        assert message in result.stdout + result.stderr and "Traceback" not in result.stderr, (mode, result.stderr)
        assert "\x1b" not in result.stdout + result.stderr
