"""Reports a team can act on: crashes grouped by cause, consequences marked, 429 never a verdict,
and JUnit that keeps each case's requests (read from the command's ``main`` run in this process)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cli_run import check_in_process

FORGERIES = ["--only", "alg-none", "--only", "tampered-payload", "--only", "stripped-signature",
             "--only", "no-server-errors"]


def test_crashes_are_grouped_by_cause_and_their_consequences_marked(tmp_path):
    junit = tmp_path / "check.xml"
    result = check_in_process("--app", "targets.quirky:crashes_on_bad_tokens", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", *FORGERIES, "--junit-xml",
                              str(junit))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    # One bug: shown once, with the cases it failed; never "accepted".
    assert "Crashes, by cause" in out and "#1 GET /api/me -> 500 Internal Server Error: 3 cases " \
                                         "(alg-none, tampered-payload, stripped-signature)" in out, out
    failed_lines = [line for line in out.splitlines() if line.startswith(("  ✗", "      crashed", "      what"))]
    assert any("crashed on" in line for line in failed_lines) and not any("accepted" in line for line in failed_lines)
    assert "✗ no-server-errors" in out
    assert "a consequence of: alg-none, tampered-payload, stripped-signature" in out, out
    # The app's exception, counted, from its process's log of unhandled exceptions.
    assert "GET /api/me: RuntimeError: token verification failed (" in out
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    assert cases["alg-none"].find("failure").get("type") == "server-error"
    assert "GET /api/me with alg 'none' with the issuer's kid, no signature -> 500" in \
        cases["alg-none"].find("system-out").text


def test_a_429_is_not_judged_never_refused_nor_passed(tmp_path):
    junit = tmp_path / "check.xml"
    result = check_in_process("--app", "targets.quirky:rate_limits_anonymous", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--only", "no-token", "--only",
                              "alg-none", "--junit-xml", str(junit))
    # Nothing failed, but a required case got no verdict: the run is not a pass.
    assert result.returncode == 2, result.stdout + result.stderr
    assert "? no-token" in result.stdout and "not judged: the app answered 429" in result.stdout
    assert "✓ alg-none" in result.stdout and "INCOMPLETE: 2 passed, 0 failed, 1 not judged" in result.stdout
    no_token = next(case for case in ET.parse(junit).getroot().iter("testcase") if case.get("name") == "no-token")
    assert no_token.find("skipped").get("message").startswith("not judged")
    # Retried once after its Retry-After: both requests are kept.
    assert no_token.find("system-out").text.count("-> 429") == 1  # the retry's answer is the one recorded
