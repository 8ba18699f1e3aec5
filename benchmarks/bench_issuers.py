"""Throughput of the embedded issuer and the real Better Auth, measured side by side in one run.

    .venv/bin/python benchmarks/bench_issuers.py [--requests 300] [--sign-ins 30] [--rounds 5]

Both servers run on 127.0.0.1 with the same secret, demo users and default options, and are
driven by the same kind of httpx client, one request at a time. Reported: start-up time (until
``GET /api/auth/ok`` answers, and until a demo user can sign in) and requests per second for
sign-in, get-session (cookie) and token, the two issuers alternating for ``--rounds`` rounds;
then the medians of the embedded / real ratios taken within each round.
This machine is noisy: compare the ratios, not the absolute numbers.

Both start the way every caller starts them, ``start_auth_server``. The embedded issuer's modules
are imported before its clock starts, as in a kernel that has already started one (the import is
about 30 ms, once per process); the real server's time includes starting Node and its imports,
hashing the two demo users' passwords (which the embedded issuer does after it answers ``/ok``:
"until sign-in works" counts both) and the launcher's own readiness check.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import playground.issuer  # noqa: E402,F401  (imported here, not on the start-up clock: see above)
from playground.auth_server import EMBEDDED, REAL, AuthServer, start_auth_server  # noqa: E402
from playground.better_auth.launcher import installed_version, node_available  # noqa: E402

AUTH = "/api/auth"
EMAIL = "ada@example.com"


def start(kind: str, secret: str, password: str) -> tuple[AuthServer, float, float]:
    """Start one issuer the way every caller does; returns the server, the seconds until
    ``start_auth_server`` returned (it returns once ``GET /api/auth/ok`` answers), and the
    perf_counter() its clock started at."""
    started = time.perf_counter()
    server = start_auth_server(kind, secret=secret, demo_password=password)
    return server, time.perf_counter() - started, started


def first_sign_in(client: httpx.Client, url: str, password: str, started: float) -> float:
    client.post(f"{url}{AUTH}/sign-in/email", json={"email": EMAIL, "password": password}).raise_for_status()
    client.cookies.clear()
    return time.perf_counter() - started


def rate(call, count: int, rounds: int) -> float:
    """Requests per second, best of ``rounds`` runs of ``count`` sequential calls."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            call()
        best = max(best, count / (time.perf_counter() - started))
    return best


def measure(url: str, password: str, requests: int, sign_ins: int, rounds: int) -> dict[str, float]:
    with httpx.Client(base_url=url, headers={"origin": url}) as client, httpx.Client(base_url=url) as signer:
        def sign_in():
            # No cookie: every sign-in is a first sign-in. One client for all of them, because
            # building an httpx.Client (its TLS context) costs ~30 ms, a third of a sign-in.
            signer.cookies.clear()
            response = signer.post(f"{AUTH}/sign-in/email", json={"email": EMAIL, "password": password})
            assert response.status_code == 200, response.text

        client.post(f"{AUTH}/sign-in/email", json={"email": EMAIL, "password": password}).raise_for_status()

        def get_session():
            response = client.get(f"{AUTH}/get-session")
            assert response.status_code == 200 and response.headers.get("set-auth-jwt"), response.text

        def token():
            response = client.get(f"{AUTH}/token")
            assert response.status_code == 200, response.text

        for _ in range(20):  # warm up: first key pair, connection, caches
            token()
        return {
            "sign-in": rate(sign_in, sign_ins, rounds),
            "get-session": rate(get_session, requests, rounds),
            "token": rate(token, requests, rounds),
        }


def run(requests: int = 300, sign_ins: int = 30, rounds: int = 5) -> dict:
    """Start both issuers with the same secret and demo users, measure both, stop both.

    ``{"version", "startup": {"embedded"|"real": {"ok", "ready"}} (seconds),
    "throughput": {"embedded"|"real": {"sign-in", "get-session", "token"}} (req/s)}``."""
    reason = node_available()
    if reason:
        raise RuntimeError(f"cannot run the real Better Auth: {reason}")
    secret, password = secrets.token_urlsafe(32), "demo-" + secrets.token_urlsafe(12)

    # The client exists before any clock starts: its TLS context alone takes ~30 ms to build.
    with httpx.Client() as client:
        embedded, embedded_ok, embedded_t0 = start(EMBEDDED, secret, password)
        embedded_ready = first_sign_in(client, embedded.url, password, embedded_t0)
        real, real_ok, real_t0 = start(REAL, secret, password)
        real_ready = first_sign_in(client, real.url, password, real_t0)
    try:
        # The two alternate, one round each in turn, so a burst of load from elsewhere on the
        # machine hits both; ratios are taken within a round and the median kept.
        per_round = [{kind: measure(url, password, requests, sign_ins, 1)
                      for kind, url in (("embedded", embedded.url), ("real", real.url))}
                     for _ in range(rounds)]
    finally:
        embedded.stop()
        real.stop()
    names = ("sign-in", "get-session", "token")
    throughput = {kind: {name: statistics.median(r[kind][name] for r in per_round) for name in names}
                  for kind in ("embedded", "real")}
    return {
        "version": installed_version(),
        "startup": {"embedded": {"ok": embedded_ok, "ready": embedded_ready},
                    "real": {"ok": real_ok, "ready": real_ready}},
        "throughput": throughput,
        "ratio": {name: statistics.median(r["embedded"][name] / r["real"][name] for r in per_round) for name in names},
    }


def report(results: dict) -> str:
    startup, throughput = results["startup"], results["throughput"]
    lines = [f"embedded issuer vs better-auth {results['version']} (Node), one client, sequential requests", "",
             f"{'start-up':<22}{'embedded':>12}{'real':>12}{'ratio real/emb':>16}"]
    for label, key in [("until /ok answers", "ok"), ("until sign-in works", "ready")]:
        e, r = startup["embedded"][key], startup["real"][key]
        lines.append(f"{label:<22}{e * 1000:>10.0f}ms{r * 1000:>10.0f}ms{r / e:>15.1f}x")
    lines += ["", f"{'throughput (req/s)':<22}{'embedded':>12}{'real':>12}{'ratio emb/real':>16}"]
    for name in ("sign-in", "get-session", "token"):
        e, r = throughput["embedded"][name], throughput["real"][name]
        lines.append(f"{name:<22}{e:>12.0f}{r:>12.0f}{results['ratio'][name]:>15.2f}x")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="get-session and token requests per round")
    parser.add_argument("--sign-ins", type=int, default=30, help="sign-ins per round (scrypt makes them slow)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    try:
        results = run(args.requests, args.sign_ins, args.rounds)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
