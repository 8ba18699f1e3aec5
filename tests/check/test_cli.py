"""``python -m playground check`` as a team's CI runs it: exit codes, one-line errors, JUnit, TOML."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from playground.check import CASE_IDS

HERE = Path(__file__).resolve().parent
ROUTES = ["--protected", "/api/me", "--owner", "/api/users/{user_id}/profile", "--admin", "/api/admin/stats",
          "--public", "/api/public", "--frontend-origin", "http://localhost:5173"]


def check(*args: str, cwd: Path = HERE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_a_careful_app_by_name_from_a_toml_config_passes_and_writes_one_testcase_per_case(tmp_path):
    config = tmp_path / "check.toml"
    config.write_text('app = "targets.careful:app"\nprotected = "/api/me"\nowner = "/api/users/{user_id}/profile"\n'
                      'admin = "/api/admin/stats"\npublic = "/api/public"\nfrontend-origin = "http://localhost:5173"\n'
                      '[env]\nBETTER_AUTH_URL = "{issuer}"\n')
    junit = tmp_path / "check.xml"
    result = check("--config", str(config), "--junit-xml", str(junit))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^PASS: \d+ passed, 0 failed", result.stdout, re.MULTILINE), result.stdout
    suite = ET.parse(junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == list(CASE_IDS)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names)
    assert suite.get("failures") == "0" and not list(suite.iter("failure"))


def test_a_weak_app_fails_with_exit_1_and_the_failing_case_in_junit(tmp_path):
    junit = tmp_path / "check.xml"
    result = check("--app", "targets.weak:app", "--env", "BETTER_AUTH_URL={issuer}",
                   "--env", "TARGET_WEAKNESS=alg_from_header", *ROUTES, "--junit-xml", str(junit))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ alg-none:" in result.stdout and "fix: pass algorithms=['EdDSA']" in result.stdout
    failed = {case.get("name") for case in ET.parse(junit).getroot().iter("testcase") if case.find("failure") is not None}
    assert failed == {"alg-none", "alg-confusion-hs256-public-key"}
    allowed = check("--app", "targets.weak:app", "--env", "BETTER_AUTH_URL={issuer}", "--env",
                    "TARGET_WEAKNESS=alg_from_header", *ROUTES, "--allow", "alg-none",
                    "--allow", "alg-confusion-hs256-public-key")
    assert allowed.returncode == 0, allowed.stdout


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
    (["--app", "targets.careful:app", "--env", "BETTER_AUTH_URL=http://127.0.0.1:9", "--protected", "/api/me"],
     "your app rejected a valid token"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--owner", "/api/users/me"], "must contain {user_id}"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--allow", "no-such-case"], "no such case"),
    (["--app", "targets.careful:app"], "--protected is required"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--env", "NO_EQUALS"], "--env takes NAME=VALUE"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--env", "X={issuer}{nope}"], "uses {nope}"),
    (["--api-url", "http://127.0.0.1:9", "--protected", "/api/me"], "--api-url needs --auth-port"),
    (["--app", "targets.apps:create_seeds_app", "--protected", "/api/me"], "it is an app factory, not an app: add --factory"),
    (["--app", "targets.exits:app", "--protected", "/api/me"], "importing targets.exits failed: SystemExit: 3"),
    (["--app", "a:b", "--api-url", "http://127.0.0.1:9", "--protected", "/api/me"], "give exactly one target"),
])
def test_bad_input_gets_one_clear_line_and_exit_2(args, message):
    result = check(*args)
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


def test_a_running_api_is_graded_by_url_against_the_issuer_at_auth_port():
    from playground.backend import BackendSettings, create_app
    from playground.servers import ServerThread, free_port

    auth_port = free_port()
    api = ServerThread(create_app(BackendSettings(better_auth_url=f"http://127.0.0.1:{auth_port}")), name="api").start()
    try:
        result = check("--api-url", api.url, "--auth-port", str(auth_port), "--protected", "/api/me",
                       "--owner", "/api/users/{user_id}/profile", "--admin", "/api/admin/stats")
    finally:
        api.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"against the embedded issuer at http://127.0.0.1:{auth_port}" in result.stdout


def test_an_app_factory_is_called_with_factory():
    result = check("--app", "targets.apps:create_app", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                   "--protected", "/api/me", "--only", "alg-none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ alg-none" in result.stdout and "✓ valid-token-accepted" in result.stdout


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
    result = check("--config", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--api-url", "http://[::1", "--auth-port", "3998", "--protected", "/api/me"], "--api-url must be an http(s) URL"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--junit-xml", "/nonexistent/dir/x.xml"],
     "is not a writable directory"),
    (["--app", "targets.careful:app", "--protected", "/api/me", "--env", "X={issuer[0]}"], "uses {issuer[0]}"),
])
def test_more_bad_input_fails_before_anything_starts(args, message):
    result = check(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr


def test_nothing_listening_at_api_url_is_said_plainly():
    from playground.servers import free_port

    result = check("--api-url", f"http://127.0.0.1:{free_port()}", "--auth-port", str(free_port()), "--protected", "/api/me")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nothing answers at http://127.0.0.1:" in result.stderr and "is the server running?" in result.stderr


def test_a_route_that_only_redirects_is_a_setup_problem_not_a_pass():
    result = check("--app", "targets.quirky:redirecting", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                   "--protected", "/api/me")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "answered 307, a redirect to http://127.0.0.1:" in result.stderr and "/api/me/" in result.stderr


def test_an_input_that_hangs_the_app_fails_its_case(tmp_path):
    junit = tmp_path / "check.xml"
    result = check("--app", "targets.quirky:hangs_on_large_tokens", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                   "--protected", "/api/me", "--only", "oversized-token", "--timeout", "2", "--junit-xml", str(junit))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ oversized-token" in result.stdout and "hung on a 60 KB token (no answer within" in result.stdout
    failure = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "oversized-token").find("failure")
    assert failure is not None and failure.get("type") == "server-error"


def test_an_apps_control_characters_reach_neither_the_terminal_nor_the_junit_xml(tmp_path):
    junit = tmp_path / "check.xml"
    result = check("--app", "targets.quirky:ansi_errors", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                   "--protected", "/me", "--junit-xml", str(junit))
    assert result.returncode == 2  # it refuses the valid token too
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    ET.parse(junit)  # well-formed
