"""Apps that need services to start are graded where they run: a server the test starts itself
(uvicorn in its own process, as CI starts the app beside its database), then --api-url and
--auth-port, with the routes read from its OpenAPI document."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from cli_run import HERE, check_in_process

ONLY = [arg for case_id in ("no-credentials-every-method", "other-users-profile", "other-user-reads-resource",
                            "other-user-deletes-resource", "alg-none") for arg in ("--only", case_id)]


def test_a_server_started_elsewhere_is_graded_by_url_with_its_routes_discovered():
    with socket.socket() as held, socket.socket() as app_socket:
        # The issuer's port stays bound until the checker listens on it (see test_cli_grading).
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 0))
        auth_port = held.getsockname()[1]
        app_socket.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
        env = {**os.environ, "BETTER_AUTH_URL": f"http://127.0.0.1:{auth_port}", "PYTHONPATH": str(HERE)}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "targets.holes_routes:create_tasks_app",
             "--fd", str(app_socket.fileno()), "--log-level", "warning"],
            cwd=HERE, env=env, pass_fds=(app_socket.fileno(),), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            _wait_until_answering(url, server)
            result = check_in_process("--api-url", url, "--auth-port", str(auth_port), *ONLY)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checked {url} (--protected /api/me, --owner /api/users/{{user_id}}/profile: from /openapi.json)" \
        in result.stdout
    assert "✓ other-user-deletes-resource" in result.stdout and "✓ no-credentials-every-method" in result.stdout


def _wait_until_answering(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the app exited: {server.stdout.read().decode()}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the app did not answer within 60 s")
