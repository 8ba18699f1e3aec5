"""A real JupyterHub on 127.0.0.1 for the workshop test: configurable-http-proxy from npm
(tests/workshop/proxy), the dummy authenticator (one shared password) and the simple
local-process spawner (each participant's server a process of this user, home in a temp folder).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from playground.servers import free_port
from tests.workshop import processes

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROXY = ROOT / "tests" / "workshop" / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PROXY_HINT = "configurable-http-proxy is not installed: run `make setup` (npm ci --prefix tests/workshop/proxy)"
#: Generous deadlines: on 2 busy cores a server spawn has taken tens of seconds.
START_DEADLINE = 180.0
PORT_ATTEMPTS = 3

CONFIG = """
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{folder}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{folder}/home/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
# Jupyter Server refuses root unless told (CI machines run as root).
c.Spawner.args = {server_args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.environment = {environment!r}
c.JupyterHub.services = [{{"name": "workshop-test", "api_token": {api_token!r}}}]
c.JupyterHub.load_roles = [{{"name": "workshop-test", "services": ["workshop-test"],
                            "scopes": ["admin:users", "admin:servers", "admin:server_state", "list:users"]}}]
"""


class PortTaken(Exception):
    """The hub exited because one of the ports chosen for it was taken in the meantime."""


class Hub:
    def __init__(self, folder: Path, *, environment: dict[str, str]) -> None:
        self.folder = folder
        self.password = secrets.token_urlsafe(12)
        self.api_token = secrets.token_hex(32)
        # free_port() releases the port before the hub binds it: on a busy machine another process
        # (a kernel's ZMQ socket, another test's server) can take it meanwhile. Start again on new ports.
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                self._start(environment)
                return
            except PortTaken:
                if attempt == PORT_ATTEMPTS:
                    raise AssertionError(f"the hub found its ports taken {PORT_ATTEMPTS} times:\n"
                                         f"{self.log_tail()}") from None

    def _start(self, environment: dict[str, str]) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = self.folder / "jupyterhub_config.py"
        config.write_text(CONFIG.format(
            port=port, hub_port=free_port(), proxy_api_port=free_port(), proxy=str(PROXY), folder=self.folder,
            password=self.password, singleuser=str(BIN / "jupyterhub-singleuser"),
            server_args=["--allow-root"] if os.getuid() == 0 else [], environment=environment,
            api_token=self.api_token))
        self.log = (self.folder / "hub.log").open("w")
        self.process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=self.folder,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **environment}, start_new_session=True)
        self.api = httpx.Client(base_url=f"{self.url}/hub/api", timeout=60,
                                headers={"authorization": f"token {self.api_token}"})
        try:
            self._wait(lambda: self.api.get("/").status_code == 200, "the hub did not answer")
        except AssertionError:
            # A hub that did not come up leaves nothing behind: its proxy (a child in its session,
            # started before the hub binds its own port) would otherwise outlive the test.
            # Python says "Address already in use"; the proxy (Node) "EADDRINUSE: address already in use".
            port_taken = self.process.poll() is not None and "address already in use" in self.log_tail(200).lower()
            self.api.close()
            self.log.close()
            processes.stop(self.process, grace=10)
            self._stop_orphaned_proxy()
            if port_taken:
                raise PortTaken from None
            raise

    def _stop_orphaned_proxy(self) -> None:
        """JupyterHub starts its proxy in a session of its own and names it in its pid file: a hub
        that exited while starting leaves it running (one outlived a failed start here by an hour)."""
        try:
            proxy = psutil.Process(int((self.folder / "jupyterhub-proxy.pid").read_text()))
            if any("configurable-http-proxy" in part for part in proxy.cmdline()):  # not a reused pid
                proxy.kill()
                proxy.wait(timeout=10)
        except (FileNotFoundError, ValueError, psutil.NoSuchProcess):
            pass

    def start_servers(self, names: list[str]) -> None:
        """Create the users and start their servers through the REST API, all at once."""
        assert self.api.post("/users", json={"usernames": names}).status_code == 201
        for name in names:
            assert self.api.post(f"/users/{name}/server").status_code in (201, 202)
        for name in names:
            self._wait(lambda name=name: self.user(name)["servers"].get("", {}).get("ready"),
                       f"{name}'s server did not become ready")

    def user(self, name: str) -> dict:
        return self.api.get(f"/users/{name}").json()

    def server_pid(self, name: str) -> int:
        return self.user(name)["servers"][""]["state"]["pid"]

    def home(self, name: str) -> Path:
        return self.folder / "home" / name

    def stop(self) -> None:
        for user in self.api.get("/users").json():
            if user["servers"]:
                self.api.delete(f"/users/{user['name']}/server")
        self._wait(lambda: not any(u["servers"] for u in self.api.get("/users").json()), "servers did not stop",
                   fail=False)
        self.api.close()
        # The hub stops its proxy and any server still running; if it has not within 30 s, it is
        # killed with them (and their kernels).
        processes.stop(self.process)
        self.log.close()

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join((self.folder / "hub.log").read_text(errors="replace").splitlines()[-lines:])

    def _wait(self, ready, failure: str, *, fail: bool = True) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if ready():
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        if fail:
            raise AssertionError(f"{failure} within {START_DEADLINE:.0f} s:\n{self.log_tail()}")


def proxy_missing() -> str | None:
    return None if PROXY.exists() else PROXY_HINT


def node_path() -> str:
    """PATH for the hub and the participants' servers: this venv first, then Node and git."""
    node = shutil.which("node")
    parts = [str(BIN), *([str(Path(node).parent)] if node else []), os.environ.get("PATH", "")]
    return os.pathsep.join(parts)


def dump(value) -> str:
    return json.dumps(value, indent=1)
