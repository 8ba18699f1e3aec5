"""HTTP load for the benchmarks: uvicorn apps in their own processes, driven by ``wrk``.

Every app under test runs the same way — its own uvicorn process on loopback, one worker,
uvloop + httptools, no access log — so the differences measured are the apps'. ``wrk`` (C) is
the load generator: it costs far less per request than any Python client, which matters on a
machine with two cores. Beside requests/s we read the server's CPU time from ``/proc/PID/stat``
before and after each run: CPU per request is much steadier than req/s when other work shares
the cores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from playground.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent


class LoadError(RuntimeError):
    """A load run that cannot be trusted: wrk missing, a server down, or any non-2xx response."""


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    cpu_us_per_request: float


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadError("wrk is not installed: apt-get install -y wrk (the benchmarks' load generator)")
    return path


def start_uvicorn(name: str, app: str, env: dict[str, str], *, timeout: float = 60.0,
                  ready_path: str = "/api/public") -> Server:
    """``app`` is a uvicorn factory spec (``module:function``) importable from the project root or
    ``benchmarks/``; ``env`` configures it (the apps read their settings from the environment)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", app, "--app-dir", str(BENCHMARKS),
               "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
               "--no-access-log", "--log-level", "warning"]
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ | env | {"PYTHONPATH": pythonpath},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(name, f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"{name} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(server.url + ready_path, timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop()
    raise LoadError(f"{name} did not answer within {timeout:.0f} s")


def _rotating_script(tokens: list[str]) -> str:
    """A wrk Lua script that sends each request with the next token of ``tokens``, round robin."""
    quoted = ",\n".join(f'  "{token}"' for token in tokens)
    return f"""tokens = {{
{quoted}
}}
i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", nil, {{["Authorization"] = "Bearer " .. tokens[i]}})
end
"""


def run_wrk(server: Server, path: str, *, seconds: float, tokens: list[str] = (), cookie: str | None = None,
            threads: int = 2, connections: int = 32) -> Load:
    """``wrk -t2 -c32`` for ``seconds`` against ``server`` + ``path``. No token: no header; one
    token: the same ``Authorization`` on every request; several: rotated per request."""
    # --timeout 10s: on two shared cores a request can stall past wrk's default 2 s; a stall that
    # long is still counted as an error and voids the run.
    command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    if cookie is not None:
        command += ["-H", f"Cookie: {cookie}"]
    with tempfile.TemporaryDirectory() as scratch:
        if len(tokens) == 1:
            command += ["-H", f"Authorization: Bearer {tokens[0]}"]
        elif tokens:
            script = Path(scratch) / "rotate.lua"
            script.write_text(_rotating_script(list(tokens)))
            command += ["-s", str(script)]
        before = server.cpu_seconds()
        result = subprocess.run([*command, server.url + path], capture_output=True, text=True)
        cpu = server.cpu_seconds() - before
    return parse_wrk(result.stdout + result.stderr, cpu, label=f"{server.name} {path}")


def parse_wrk(output: str, cpu_seconds: float, *, label: str) -> Load:
    """req/s and server CPU µs per request from wrk's report; any error makes the run void."""
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", output, flags=re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s*([\d.]+)", output, flags=re.MULTILINE)
    if total is None or rate is None:
        raise LoadError(f"{label}: unreadable wrk output:\n{output}")
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if failures:
        raise LoadError(f"{label}: {failures.group(1)} responses were not 2xx: a benchmark of failures is void")
    errors = re.search(r"Socket errors: (.*)", output)
    if errors and re.search(r"[1-9]", errors.group(1)):
        raise LoadError(f"{label}: socket errors ({errors.group(1)})")
    requests = int(total.group(1))
    if requests == 0:
        raise LoadError(f"{label}: no request completed")
    return Load(float(rate.group(1)), cpu_seconds / requests * 1e6)
