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
