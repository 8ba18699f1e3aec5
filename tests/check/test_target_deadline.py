"""``--app module:attr`` runs in a child process: what the app does there (hang, exit, crash, at
import or on a request) never takes the checker down, and no signal is armed in the caller."""

from __future__ import annotations

import os
import signal

import pytest
from cli_run import check
from targets_common import ENV

from playground import check as checker
from playground.check.target import AppProcess, app_process


def _one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr, result.stderr
    return lines[0]


def test_an_import_that_hangs_is_stopped_at_the_start_timeout():
    result = check("--app", "targets.hangs:app", "--protected", "/api/me", "--start-timeout", "1")
    assert result.returncode == 2
    assert "importing targets.hangs did not finish within 1 s" in _one_error_line(result)


def test_os_exit_at_import_is_one_line_with_the_cause_and_the_logs_tail(tmp_path):
    log = tmp_path / "app.log"
    result = check("--app", "targets.crashes:app", "--env", "TARGET_CRASH=exit-at-import", "--protected", "/api/me",
                   "--app-log", str(log))
    assert result.returncode == 2
    line = _one_error_line(result)
    assert "the app's process exited with code 7 while importing targets.crashes" in line, line
    assert f"the app's log ({log}) ends: crashes.py: imported, about to build the app" in line, line


def test_a_segfault_at_import_is_named():
    result = check("--app", "targets.crashes:app", "--env", "TARGET_CRASH=segfault-at-import", "--protected", "/api/me")
    assert result.returncode == 2
    assert "the app's process was killed by SIGSEGV while importing targets.crashes" in _one_error_line(result)


def test_an_app_that_exits_on_a_request_fails_that_case_and_the_check_finishes(tmp_path):
    log = tmp_path / "app.log"
    result = check("--app", "targets.crashes:app", "--env", "BETTER_AUTH_URL={issuer}", "--env",
                   "TARGET_CRASH=exit-without-token", "--protected", "/api/me", "--only", "no-token",
                   "--only", "alg-none", "--app-log", str(log))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✗ no-token" in result.stdout and "what happened: crashed on no Authorization header (no answer: the app " \
           "crashed: the app's process exited with code 3 (started again))" in result.stdout, result.stdout
    assert "fix: the app's process died on this request" in result.stdout  # not the 5xx's advice
    # Started again on the same port: the next case is graded as usual.
    assert "✓ alg-none" in result.stdout and f"The app's output (its log, tracebacks): {log}" in result.stdout
    # The app's own output went to its log, never into the report.
    assert "crashes.py: imported" in log.read_text() and "crashes.py" not in result.stdout


def test_check_run_with_a_module_name_arms_no_signal_and_survives_the_apps_exit():
    # In-process this would end pytest itself: the app calls os._exit on a request without a token.
    before = signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)
    report = checker.run(app="targets.crashes:app", env={**ENV, "TARGET_CRASH": "exit-without-token"},
                         protected="/api/me", only=("no-token",))
    assert report.failed_ids() == {"no-token"}, str(report)
    assert report.result("no-token").outcome.server_error is not None
    assert (signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)) == before


def test_the_child_is_reaped_when_the_checker_is_interrupted(tmp_path):
    env = {"BETTER_AUTH_URL": "http://127.0.0.1:9"}
    with pytest.raises(KeyboardInterrupt):
        with app_process("targets.careful:app", factory=False, env=env, start_timeout=60,
                         log_path=str(tmp_path / "app.log")) as process:
            pid = process._process.pid
            raise KeyboardInterrupt
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: not even a zombie is left


def test_a_ready_sent_together_with_the_phase_before_it_is_read_at_once(tmp_path):
    # The child may write "phase ..." and "ready" in one go: a buffered read took both and left "ready"
    # where select() does not look, and the start waited out its timeout (seen once in a parallel run).
    process = AppProcess("targets.careful:app", factory=False, env={}, start_timeout=1,
                         log_path=str(tmp_path / "app.log"))
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, b"phase importing targets.careful\nphase starting it (its lifespan start-up)\nready\n")
        process._await_ready(read_fd)  # returns: it does not raise "did not finish within 1 s"
    finally:
        os.close(write_fd)
        process.close()
