"""Benchmarks of the backend, printed as ratios measured side by side in one run.

    .venv/bin/python benchmarks/bench_backend.py [--seconds 3] [--issuer embedded|better-auth]

(a) per-token verification: the backend's full check (cache off), and a verified-token cache
    hit, against the floor — the bare Ed25519 verify in ``cryptography``. Goal: full <= 2x.
(b) requests/s of ``/api/me`` vs ``/api/public`` on one uvicorn worker. Goal: >= 80 %.
(c) local JWT verification vs session validation by calling Better Auth's get-session.

The auth server and the backends run as separate processes (uvicorn, one worker each) so the
load generator — a small keep-alive HTTP/1.1 loop on raw asyncio streams, far cheaper per request
than an HTTP client library — does not share their interpreter. The machine is noisy: compare the
ratios, not the absolute numbers, and only within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.backend import BackendSettings
from playground.backend.keys import JWKSKeySource
from playground.backend.verify import TokenVerifier
from playground.runtime import free_port


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


def backend(auth_url: str, **settings: str) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {"BETTER_AUTH_URL": auth_url} | {f"BACKEND_{k.upper()}": v for k, v in settings.items()}
    command = ["-m", "uvicorn", "--factory", "playground.backend.app:create_app_from_env",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = spawn(command, env)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/api/public", process)
    return url, process


async def load(url: str, path: str, headers: dict[str, str], seconds: float, connections: int = 32) -> float:
    """Requests per second of GET ``path`` over ``connections`` keep-alive connections.
    Every response must be a 200: a benchmark of failures would be meaningless."""
    host, port = url.removeprefix("http://").split(":")
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    count = 0
    stop_at = 0.0

    async def worker() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.monotonic() < stop_at:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"{path}: {head.splitlines()[0].decode()}")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                count += 1
        finally:
            writer.close()

    stop_at = time.monotonic() + min(1.0, seconds / 3)  # warm-up: connections, caches
    await asyncio.gather(*(worker() for _ in range(connections)))
    count = 0
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(*(worker() for _ in range(connections)))
    return count / (time.monotonic() - started)


async def per_token(auth_url: str, token: str, rounds: int = 2000) -> dict[str, float]:
    """Microseconds per check, best of 5 batches (the least disturbed by the noisy machine)."""
    import base64

    settings = BackendSettings(better_auth_url=auth_url, token_cache_size=0)
    source = JWKSKeySource.from_settings(settings)
    full = TokenVerifier.from_settings(settings, source)
    cached = TokenVerifier.from_settings(settings.model_copy(update={"token_cache_size": 100}), source)
    await full.verify(token)
    await cached.verify(token)
    key = (await source.get_key(full.key_source.keys and next(iter(source.keys)))).key
    signing_input, _, signature = token.rpartition(".")
    signature_bytes = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))

    async def best(check) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(rounds):
                await check()
            times.append((time.perf_counter() - started) / rounds * 1e6)
        return min(times)

    async def floor():
        key.verify(signature_bytes, signing_input.encode())

    results = {
        "cryptography Ed25519 verify (floor)": await best(floor),
        "backend verify, full check": await best(lambda: full.verify(token)),
        "backend verify, cache hit": await best(lambda: cached.verify(token)),
    }
    await source.aclose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="load duration per route")
    parser.add_argument("--issuer", choices=["embedded", "better-auth"], default="embedded")
    args = parser.parse_args(argv)

    secret, password = secrets.token_urlsafe(32), "bench-" + secrets.token_urlsafe(12)
    auth_port, spare_port = free_port(), free_port()
    processes = []
    try:
        auth = spawn(["-m", "playground", "serve", "--issuer", args.issuer, "--auth-port", str(auth_port),
                      "--api-port", str(spare_port)],
                     {"BETTER_AUTH_SECRET": secret, "PLAYGROUND_DEMO_PASSWORD": password})
        processes.append(auth)
        auth_url = f"http://127.0.0.1:{auth_port}"
        wait_for(auth_url + "/api/auth/ok", auth, timeout=60)
        with httpx.Client(base_url=auth_url + "/api/auth", timeout=10) as client:
            signed_in = client.post("/sign-in/email", json={"email": "ada@example.com", "password": password})
            signed_in.raise_for_status()
            token = client.get("/token").json()["token"]
            cookie = f"better-auth.session_token={client.cookies.get('better-auth.session_token')}"

        api_cached, p1 = backend(auth_url, session_cache_ttl="0")
        api_plain, p2 = backend(auth_url, token_cache_size="0", session_cache_ttl="0")
        processes += [p1, p2]

        micro = asyncio.run(per_token(auth_url, token))
        bearer = {"Authorization": f"Bearer {token}"}
        run = lambda url, path, headers: asyncio.run(load(url, path, headers, args.seconds))
        public = run(api_cached, "/api/public", {})
        me_cached = run(api_cached, "/api/me", bearer)
        me_plain = run(api_plain, "/api/me", bearer)
        public_plain = run(api_plain, "/api/public", {})
        session = run(api_plain, "/api/session/me", {"Cookie": cookie})
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)

    floor = micro["cryptography Ed25519 verify (floor)"]
    print(f"(a) per-token verification, EdDSA, token {len(token)} chars (µs per check, best of 5)")
    for name, value in micro.items():
        print(f"    {name:<40} {value:8.1f} µs  {value / floor:5.2f}x floor")
    print(f"\n(b) requests/s, one uvicorn worker, 32 keep-alive connections, {args.seconds:g} s each")
    rows = [("/api/public", public, public), ("/api/me, token cache on", me_cached, public),
            ("/api/public (second server)", public_plain, public_plain),
            ("/api/me, token cache off", me_plain, public_plain)]
    for name, value, base in rows:
        print(f"    {name:<40} {value:8.0f} req/s  {value / base:6.0%} of /api/public")
    print(f"\n(c) local JWT vs session validation via get-session ({args.issuer} issuer)")
    print(f"    {'/api/me, local JWT check (cache off)':<40} {me_plain:8.0f} req/s")
    print(f"    {'/api/session/me, get-session per request':<40} {session:8.0f} req/s  "
          f"{me_plain / session:5.1f}x slower")
    return 0


if __name__ == "__main__":
    sys.exit(main())
