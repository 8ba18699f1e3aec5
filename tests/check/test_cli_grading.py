"""``python -m playground check`` as a team's CI runs it: whole runs, exit codes 0 and 1, JUnit, TOML.

A passing and a failing run are subprocesses, their exit status as a CI job sees it, and so is an app
that hangs; the others call the command's ``main`` in this process (``check_in_process``)."""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET

from cli_run import ROUTES, check, check_in_process
from targets_common import WAITING

from playground.check import CASE_IDS, CASES

#: The required cases as --only options (the advisory ones include a key rotation that waits, and
#: the WAITING ones an outage or a token's expiry).
ONLY_REQUIRED = [arg for case in CASES if case.weight != "advisory" and case.id not in WAITING
                 for arg in ("--only", case.id)]


def test_a_careful_app_by_name_from_a_toml_config_passes_and_writes_one_testcase_per_case(tmp_path):
    config = tmp_path / "check.toml"
    config.write_text('app = "targets.careful:app"\nprotected = "/api/me"\nowner = "/api/users/{user_id}/profile"\n'
                      'admin = "/api/admin/stats"\npublic = "/api/public"\nfrontend-origin = "http://localhost:5173"\n'
                      # Its child starts in 0.4 s on an idle machine (no network, lock or input at import
                      # or start-up), but once took over the default 60 s in a parallel run on 2 busy
                      # cores: most likely its "ready" left unseen in a buffered read of the status pipe
                      # (fixed; test_target_deadline.py). pytest's 120 s per test stays the ceiling.
                      'start-timeout = 100\n'
                      '[env]\nBETTER_AUTH_URL = "{issuer}"\n')
    junit = tmp_path / "check.xml"
    result = check("--config", str(config), "--junit-xml", str(junit))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^PASS: \d+ passed, 0 failed", result.stdout, re.MULTILINE), result.stdout
    suites = {suite.get("name"): suite for suite in ET.parse(junit).getroot().iter("testsuite")}
    # The advisory cases in a suite of their own, so that dashboards show their failures too.
    assert set(suites) == {"playground-check", "playground-check.advisory"}
    names = {name: [case.get("name") for case in suite.iter("testcase")] for name, suite in suites.items()}
    assert names["playground-check"] == [case.id for case in CASES if case.weight != "advisory"]
    assert names["playground-check.advisory"] == [case.id for case in CASES if case.weight == "advisory"]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in CASE_IDS)
    main, advisory = suites["playground-check"], suites["playground-check.advisory"]
    assert main.get("failures") == "0" and not list(main.iter("failure"))
    # What a careful PyJWT app lets through (missing-sub, key-rotated-out, ...) shows there as failures.
    advised = {case.get("name") for case in advisory.iter("testcase") if case.find("failure") is not None}
    assert {"missing-sub", "key-rotated-out"} <= advised and advisory.get("failures") == str(len(advised))
    assert re.search(rf"^PASS: .*, {len(advised)} advisory", result.stdout, re.MULTILINE), result.stdout
    # Every case that sent requests keeps them.
    alg_none = next(case for case in suites["playground-check"].iter("testcase") if case.get("name") == "alg-none")
    requests = alg_none.find("system-out").text
    assert "GET /api/me with an unsigned token minted by the issuer (alg none) -> 401" in requests


def test_a_weak_app_fails_with_exit_1_and_the_failing_case_in_junit(tmp_path):
    junit = tmp_path / "check.xml"
    result = check("--app", "targets.weak:app", "--env", "BETTER_AUTH_URL={issuer}",
                   "--env", "TARGET_WEAKNESS=alg_from_header", *ROUTES, *ONLY_REQUIRED, "--junit-xml", str(junit))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ alg-none:" in result.stdout and "fix: pass algorithms=['EdDSA']" in result.stdout
    cases = ET.parse(junit).getroot().iter("testcase")
    failed = {case.get("name") for case in cases if case.find("failure") is not None}
    # (It downloads the JWKS for every token, so a flood of made-up kids is a flood of fetches too.)
    assert failed == {"alg-none", "alg-confusion-hs256-public-key", "jwks-fetch-amplification"}
    # Allowed, the run passes: graded on the failed cases alone (the others passed above, allowed or not).
    only_failed = [arg for case in sorted(failed) for arg in ("--only", case)]
    allowed = check_in_process("--app", "targets.weak:app", "--env", "BETTER_AUTH_URL={issuer}", "--env",
                               "TARGET_WEAKNESS=alg_from_header", *ROUTES, *only_failed, "--allow", "alg-none",
                               "--allow", "alg-confusion-hs256-public-key", "--allow", "jwks-fetch-amplification")
    assert allowed.returncode == 0, allowed.stdout
    assert re.search(r"^PASS: \d+ passed, 0 failed, 3 allowed", allowed.stdout, re.MULTILINE), allowed.stdout


def test_a_running_api_is_graded_by_url_against_the_issuer_at_auth_port():
    from playground.backend import BackendSettings, create_app
    from playground.servers import ServerThread

    # The port stays bound (not listening) until the checker listens on it, so no socket of a
    # parallel test can take it in between; with SO_REUSEADDR on both sides, Linux lets the
    # checker's listening socket share it with this idle one.
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 0))
        auth_port = held.getsockname()[1]
        settings = BackendSettings(better_auth_url=f"http://127.0.0.1:{auth_port}")
        api = ServerThread(create_app(settings), name="api").start()
        try:
            result = check_in_process("--api-url", api.url, "--auth-port", str(auth_port), "--protected", "/api/me",
                                      "--owner", "/api/users/{user_id}/profile", "--admin", "/api/admin/stats",
                                      *ONLY_REQUIRED)
        finally:
            api.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"against the embedded issuer at http://127.0.0.1:{auth_port}" in result.stdout


def test_an_app_factory_is_called_with_factory():
    result = check_in_process("--app", "targets.apps:create_app", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                              "--protected", "/api/me", "--only", "alg-none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ alg-none" in result.stdout and "✓ valid-token-accepted" in result.stdout


def test_an_app_is_imported_in_the_main_thread_where_signal_handlers_work():
    # The --start-timeout deadline must not move the import off the main thread.
    result = check_in_process("--app", "targets.main_thread:app", "--env", "BETTER_AUTH_URL={issuer}", "--protected",
                              "/api/me", "--only", "alg-none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ alg-none" in result.stdout


def test_a_route_that_only_redirects_is_a_setup_problem_not_a_pass():
    result = check_in_process("--app", "targets.quirky:redirecting", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                              "--protected", "/api/me")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "answered 307, a redirect to http://127.0.0.1:" in result.stderr and "/api/me/" in result.stderr


def test_an_input_that_hangs_the_app_fails_its_case(tmp_path):
    junit = tmp_path / "check.xml"
    result = check("--app", "targets.quirky:hangs_on_large_tokens", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                   "--protected", "/api/me", "--only", "oversized-token", "--timeout", "2", "--junit-xml", str(junit))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ oversized-token" in result.stdout and "hung on a 60 KB token (no answer within" in result.stdout
    assert "fix: a request that gets no answer is a hang" in result.stdout  # not the 5xx's advice
    assert "a 500 is a crash" not in result.stdout
    case = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "oversized-token")
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "server-error"


def test_an_apps_control_characters_reach_neither_the_terminal_nor_the_junit_xml(tmp_path):
    junit = tmp_path / "check.xml"
    result = check_in_process("--app", "targets.quirky:ansi_errors", "--factory", "--env", "BETTER_AUTH_URL={issuer}",
                              "--protected", "/me", "--junit-xml", str(junit))
    assert result.returncode == 2  # it refuses the valid token too
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    ET.parse(junit)  # well-formed
