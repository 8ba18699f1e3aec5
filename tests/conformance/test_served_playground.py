"""``python -m playground serve`` grants nothing to strangers: the teaching controls of the served
auth server (embedded or real) answer only to the per-run token that ``serve`` prints, and only
on the server's own loopback name — not to a cross-site page, nor after DNS rebinding."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from playground.better_auth.launcher import node_available

TOKEN_LINE = re.compile(r"Teaching controls: (http://127\.0\.0\.1:\d+)/__playground/ .*'Authorization: Bearer ([^']+)'")


def serve(issuer: str):
    """Start ``serve`` in its own process group; return (process, auth URL, token) once it printed them."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BETTER_AUTH_", "PLAYGROUND_ISSUER"))}
    process = subprocess.Popen([sys.executable, "-m", "playground", "serve", "--issuer", issuer],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment,
                               start_new_session=True)
    printed, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
        match = TOKEN_LINE.search(line)
        if match:
            return process, match.group(1), match.group(2)
    stop(process)
    raise AssertionError("serve never printed its teaching-controls token:\n" + "".join(printed))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # by PID: serve stops its servers and exits
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    process.stdout.close()


@pytest.mark.parametrize("issuer", ["embedded", pytest.param("better-auth", marks=pytest.mark.node)])
def test_serve_prints_a_token_and_the_controls_refuse_strangers(issuer):
    reason = node_available() if issuer == "better-auth" else None
    if reason and os.environ.get("PLAYGROUND_REQUIRE_ALL") == "1":
        pytest.fail(f"PLAYGROUND_REQUIRE_ALL=1 but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)
    process, auth_url, token = serve(issuer)
    try:
        port = auth_url.rsplit(":", 1)[1]
        mint = f"{auth_url}/__playground/tokens"
        body = b'{"claims": {"role": "admin"}}'
        owner = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        strangers = {
            "no token": {"content-type": "application/json"},
            "cross-site form post": {"content-type": "text/plain", "origin": "http://attacker.example"},
            "cross-site page with a stolen token": {**owner, "origin": "http://attacker.example"},
            "DNS rebinding": {**owner, "host": f"attacker.example:{port}"},
            "wrong token": {**owner, "authorization": "Bearer " + token[::-1]},
        }
        with httpx.Client(timeout=30) as client:
            for who, headers in strangers.items():
                response = client.post(mint, content=body, headers=headers)
                assert response.status_code in (401, 403, 415), (who, response.status_code, response.text)
                assert "token" not in response.json(), who
            answer = client.post(mint, content=body, headers=owner)
            assert answer.status_code == 200 and answer.json()["token"].count(".") == 2
    finally:
        stop(process)
    assert process.returncode == 0
