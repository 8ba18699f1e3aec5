"""``python -m playground check`` given bad input: one clear line and exit code 2, never a traceback.

The command's ``main`` runs in this process (``check_in_process``); a taken port is also seen as a
shell sees it, from a subprocess."""

from __future__ import annotations

import socket

import pytest
from cli_run import check, check_in_process


def _taken_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


@pytest.mark.parametrize("args, message", [
    (["--app", "no_such_module:app", "--protected", "/api/me"], "importing no_such_module failed: ModuleNotFoundError"),
    (["--app", "targets.careful:nope", "--env", "BETTER_AUTH_URL={issuer}", "--protected", "/api/me"],
     "has no attribute 'nope'"),
    (["--app", "targets.careful:app", "--protected", "/api/me"], "KeyError: 'BETTER_AUTH_URL'"),
    (["--app", "targets.careful:app", "--env", "BETTER_AUTH_URL={issuer}", "--protected", "/api/nope"],
     "route not found: GET /api/nope answered 404; check --protected"),
    (["--app", "targets.careful:app", "--env", "BETTER_AUTH_URL={issuer}", "--protected", "/api/me",
      "--owner", "/api/nope/{user_id}"], "route not found: GET /api/nope/"),
    # One case is enough to reach the baseline (test_cli_diagnosis runs the cases that need no valid token).
    (["--app", "targets.careful:app", "--env", "BETTER_AUTH_URL=http://127.0.0.1:9", "--protected", "/api/me",
      "--only", "alg-none"], "your app rejected a valid token"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--owner", "/api/users/me"], "must contain {user_id}"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--allow", "no-such-case"], "no such case"),
    (["--app", "targets.careful:app", "--protected", "api/me"], "--protected must be a path starting with '/'"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--env", "NO_EQUALS"], "--env takes NAME=VALUE"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--env", "X={issuer}{nope}"], "uses {nope}"),
    (["--api-url", "http://127.0.0.1:9", "--protected", "/api/me"], "--api-url needs --auth-port"),
    (["--app", "targets.apps:create_seeds_app", "--protected", "/api/me"],
     "it is an app factory, not an app: add --factory"),
    (["--app", "targets.exits:app", "--protected", "/api/me"], "importing targets.exits failed: SystemExit: 3"),
    (["--app", "targets.hangs:app", "--protected", "/api/me", "--start-timeout", "1"],
     "--app targets.hangs:app: importing targets.hangs did not finish within 1 s"),
    (["--app", "targets.swallows_alarm:app", "--protected", "/api/me", "--start-timeout", "1"],
     "importing targets.swallows_alarm did not finish within 1 s"),
    # Long enough to import FastAPI in the app's process, not to wait forever.
    (["--app", "targets.quirky:hangs_when_built", "--factory", "--protected", "/api/me", "--start-timeout", "10"],
     "calling hangs_when_built() did not finish within 10 s"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--start-timeout", "0"],
     "--start-timeout must be between 0.5 and 3600 seconds"),
    (["--app", "a:b", "--api-url", "http://127.0.0.1:9", "--protected", "/api/me"], "give exactly one target"),
])
def test_bad_input_gets_one_clear_line_and_exit_2(args, message):
    result = check_in_process(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1 and message in result.stderr, result.stderr


def test_a_taken_auth_port_is_a_usage_error():
    with _taken_port() as sock:
        result = check("--app", "targets.careful:app", "--env", "BETTER_AUTH_URL={issuer}", "--protected", "/api/me",
                       "--auth-port", str(sock.getsockname()[1]))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot listen on 127.0.0.1:" in result.stderr, result.stderr


@pytest.mark.parametrize("toml, message", [
    ('app = 5\nprotected = "/api/me"\n', "app must be a str, not 5"),
    ('app = "targets.careful:app"\nprotected = "/api/me"\nauth_port = true\n', "auth_port must be a int"),
    ('app = "targets.careful:app"\nprotected = "/api/me"\nallow = "expired"\n', "allow must be a list of case ids"),
    ('app = "targets.careful:app"\nprotected = "/api/me"\njunit_xml = 5\n', "junit_xml must be a str"),
    ('app = "targets.careful:app"\nprotected = "/api/me"\ndeterministic = true\n', "unknown setting(s) deterministic"),
    ('app = "targets.careful:app"\nprotected = "/api/me"\nenv = "X"\n', "env must be a table"),
])
def test_a_toml_config_with_wrong_types_is_a_usage_error(tmp_path, toml, message):
    config = tmp_path / "check.toml"
    config.write_text(toml)
    result = check_in_process("--config", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--api-url", "http://[::1", "--auth-port", "3998", "--protected", "/api/me"], "--api-url must be an http(s) URL"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--junit-xml", "/nonexistent/dir/x.xml"],
     "is not a writable directory"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--env", "X={issuer[0]}"], "uses {issuer[0]}"),
])
def test_more_bad_input_fails_before_anything_starts(args, message):
    result = check_in_process(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr


def test_nothing_listening_at_api_url_is_said_plainly():
    from playground.servers import free_port

    # Bound but not listening: connections are refused, and no other test can take the port meanwhile.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        result = check_in_process("--api-url", f"http://127.0.0.1:{closed.getsockname()[1]}", "--auth-port",
                                  str(free_port()), "--protected", "/api/me")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nothing answers at http://127.0.0.1:" in result.stderr and "is the server running?" in result.stderr
