"""The Python launcher of the real Better Auth: start, stop, and clear errors when it cannot run."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

from playground.better_auth import launcher
from playground.better_auth.launcher import (
    DIR_VARIABLE,
    PROJECT_DIR,
    RealBetterAuth,
    RealBetterAuthError,
    installed_version,
    node_available,
    project_dir,
)

PINNED = "1.7.29"


def require_node() -> None:
    """Skip without Node, except in CI (``PLAYGROUND_REQUIRE_ALL=1``), where that is a failure."""
    reason = node_available()
    if reason and os.environ.get("PLAYGROUND_REQUIRE_ALL") == "1":
        pytest.fail(f"PLAYGROUND_REQUIRE_ALL=1 but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)


def make(**kwargs) -> RealBetterAuth:
    return RealBetterAuth(secret=secrets.token_urlsafe(32), demo_password="demo-" + secrets.token_urlsafe(8), **kwargs)


def test_package_json_and_lockfile_pin_better_auth_exactly():
    package = json.loads((PROJECT_DIR / "package.json").read_text())
    lock = json.loads((PROJECT_DIR / "package-lock.json").read_text())
    assert package["dependencies"]["better-auth"] == PINNED
    assert lock["packages"][""]["dependencies"]["better-auth"] == PINNED
    assert lock["packages"]["node_modules/better-auth"]["version"] == PINNED
    assert lock["packages"]["node_modules/better-auth"]["integrity"].startswith("sha512-")
    # Everything server.mjs and the presets import directly is a declared dependency.
    assert lock["packages"][""]["dependencies"]["jose"] == lock["packages"]["node_modules/jose"]["version"]


@pytest.mark.node
def test_installed_version_is_the_pinned_one():
    require_node()
    # The project the launcher runs: this folder, or the release `make conformance-latest` installed.
    pinned = json.loads((project_dir() / "package.json").read_text())["dependencies"]["better-auth"]
    assert installed_version() == pinned
    if DIR_VARIABLE not in os.environ:
        assert pinned == PINNED


def test_missing_node_is_reported_with_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no node anywhere
    reason = node_available()
    assert reason is not None and "node is not on PATH" in reason and "npm ci --prefix playground/better_auth" in reason
    started = time.monotonic()
    with pytest.raises(RealBetterAuthError, match="node is not on PATH"):
        make().start()
    assert time.monotonic() - started < 1.0, "a missing node must fail at once, not after the start timeout"


def test_old_node_is_reported(monkeypatch, tmp_path):
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\necho v18.19.0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "too old" in node_available()


def test_missing_node_modules_is_reported_with_the_command_to_run(monkeypatch, tmp_path):
    fake = tmp_path / "node"  # a Node recent enough, so that the node_modules check is reached
    fake.write_text("#!/bin/sh\necho v20.0.0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(DIR_VARIABLE, raising=False)
    monkeypatch.setattr(launcher, "PROJECT_DIR", tmp_path)
    reason = node_available()
    assert reason is not None and "npm ci --prefix playground/better_auth" in reason and "make test" in reason
    with pytest.raises(RealBetterAuthError, match="npm ci"):
        make().start()


@pytest.mark.node
def test_start_stop_and_context_manager(monkeypatch):
    require_node()
    # A parent's Better Auth settings must not leak into the managed server.
    monkeypatch.setenv("BETTER_AUTH_URL", "http://leaked.example")
    monkeypatch.setenv("PLAYGROUND_BA_OPTIONS", '{"nonsense": true}')
    server = make()
    assert server.url == f"http://127.0.0.1:{server.port}" and not server.running
    with server:
        assert server.running
        assert os.getpgid(server.pid) == server.pid, "the server must lead its own process group"
        assert httpx.get(f"{server.url}/api/auth/ok").json() == {"ok": True}
        client = httpx.Client(base_url=server.url)
        client.post("/api/auth/sign-in/email", json={"email": "ada@example.com", "password": server.demo_password})
        token = client.get("/api/auth/token").json()["token"]
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        assert claims["iss"] == server.url and claims["role"] == "admin"
        assert '"listening"' in server.logs()
        pid = server.pid
    assert not server.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/api/auth/ok", timeout=1.0)


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for whichever init adopted it to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_server_exits_when_its_launcher_dies_without_stopping_it():
    require_node()
    # A launcher killed outright (SIGKILL: no atexit, no finally) cannot stop its server.
    launcher_script = (
        "import secrets, sys\n"
        "from playground.better_auth.launcher import RealBetterAuth\n"
        "server = RealBetterAuth(secret=secrets.token_urlsafe(32)).start()\n"
        "print(server.pid, server.url, flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", launcher_script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        pid, url = parent.stdout.readline().split()
        assert httpx.get(f"{url}/api/auth/ok").json() == {"ok": True}
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(int(pid)):
        time.sleep(0.1)
    if _alive(int(pid)):
        os.kill(int(pid), 9)
        pytest.fail("the orphaned Better Auth server was still running 10 s after its launcher died")


def test_a_server_whose_launcher_is_already_gone_exits_before_it_listens():
    require_node()
    # The launcher may die while Node is still loading: the check runs before anything else.
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that existed and no longer does (reaped)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("BETTER_AUTH_", "PLAYGROUND_"))
    }
    environment |= {"BETTER_AUTH_SECRET": secrets.token_urlsafe(32), "PORT": "0",
                    "PLAYGROUND_LAUNCHER_PID": str(gone.pid)}
    result = subprocess.run(["node", "server.mjs"], cwd=project_dir(), env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "listening" not in result.stdout, result.stdout + result.stderr


def test_a_node_wrapper_that_runs_node_as_its_child_does_not_stop_the_server(monkeypatch, tmp_path):
    require_node()
    # Version managers' shims (Volta's) run node as a child: our parent is then the shim, not us.
    wrapper = tmp_path / "node"
    wrapper.write_text(f'#!/bin/sh\n"{shutil.which("node")}" "$@"\n')  # no exec: node is its child
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with make() as server:
        time.sleep(1.5)  # three rounds of the orphan check
        assert server.running and httpx.get(f"{server.url}/api/auth/ok").json() == {"ok": True}


@pytest.mark.node
@pytest.mark.parametrize(
    "options, message",
    [
        ({"nonsense": True}, 'unsupported option "nonsense"'),
        ({"plugins": {"jwt": {"jwt": {"definePayload": "no-such-preset"}}}}, "unknown definePayload preset"),
        # Better Auth's own start-up check, surfaced as is.
        (
            {"plugins": {"jwt": {"sign": "hs256-secret"}}},
            "options.jwks.remoteUrl must be set when using options.jwt.sign",
        ),
    ],
)
def test_a_server_that_exits_while_starting_is_reported_at_once(options, message):
    require_node()
    started = time.monotonic()
    with pytest.raises(RealBetterAuthError, match="exited with code") as raised:
        make(options=options).start(timeout=30)
    assert message in str(raised.value)
    assert time.monotonic() - started < 10


@pytest.mark.node
def test_a_busy_port_is_reported():
    require_node()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(RealBetterAuthError, match="cannot listen on port .* in use"):
            make(port=busy.getsockname()[1]).start(timeout=30)


def test_secret_is_required():
    with pytest.raises(ValueError, match="secret"):
        RealBetterAuth(secret="")


@pytest.mark.node
def test_an_auto_picked_port_taken_by_someone_else_is_replaced(monkeypatch):
    """free_port() can race with another process: the launcher must not talk to that stranger."""
    require_node()
    from playground.servers import free_port

    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        taken = stranger.getsockname()[1]
        choices = iter([taken])
        monkeypatch.setattr(launcher, "free_port", lambda: next(choices, None) or free_port())
        with make() as server:
            assert server.port != taken
            assert httpx.get(f"{server.url}/api/auth/ok").json() == {"ok": True}


FAKE_SERVER = """
import { createServer } from "node:http";
const server = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(req.url === "/api/auth/ok" ? { ok: true } : { cwd: process.cwd() }));
});
server.listen(Number(process.env.PORT), "127.0.0.1", () =>
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${server.address().port}` })));
"""


def test_another_better_auth_dir_is_run_when_named(monkeypatch, tmp_path):
    """``PLAYGROUND_BETTER_AUTH_DIR`` (what ``make conformance-latest`` sets) points the launcher at
    another copy of the Node project: its version is reported and its server.mjs is the one run."""
    require_node()
    other = tmp_path / "latest"
    (other / "node_modules" / "better-auth").mkdir(parents=True)
    (other / "node_modules" / "better-auth" / "package.json").write_text('{"version": "9.9.9"}')
    (other / "server.mjs").write_text(FAKE_SERVER)
    monkeypatch.setenv(DIR_VARIABLE, str(other))
    assert project_dir() == other.resolve() and installed_version() == "9.9.9" and node_available() is None
    with make() as server:
        assert httpx.get(f"{server.url}/where").json() == {"cwd": str(other.resolve())}
    monkeypatch.setenv(DIR_VARIABLE, str(tmp_path / "missing"))
    assert str(tmp_path / "missing" / "node_modules") in node_available()
    monkeypatch.delenv(DIR_VARIABLE)
    assert project_dir() == PROJECT_DIR
