"""The reference backend against its peers, measured side by side in one run.

    .venv/bin/python benchmarks/bench_backend.py [--seconds 2] [--rounds 5] [--issuer embedded|better-auth]

(a) per-token verification: the backend's full check (cache off) and a verified-token cache hit,
    against the floor — the bare Ed25519 verify in ``cryptography``. Goal: full check <= 2x floor.
(b) HTTP, one uvicorn worker per app, ``wrk -t2 -c32``: ``/api/public`` and ``/api/me`` with one
    reused token and with 100 rotating tokens, for the reference backend (verified-token cache on,
    and off), fastapi-better-auth-bridge's JWT mode and the FastAPI-docs style (``benchmarks/peers.py``);
    and two controls (``peers.controls_app``): a route whose only dependency does nothing, and
    ``/api/me`` with verification replaced by a constant user — how near ``/api/public`` any
    ``/api/me`` written the FastAPI way can come.
    Every configuration runs once per round, in turn, for ``--rounds`` rounds; ratios are taken
    within a round (same machine state) and the median across rounds is reported, with the
    server's CPU time per request beside req/s.
(c) local JWT verification vs session validation by calling Better Auth's get-session.

The machine is noisy: compare the ratios, not the absolute numbers, and only within one run.
``benchmarks/run_all.py`` (``make bench``) runs this and turns the result into the README's table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from http_load import Load, Server, require_wrk, run_wrk, start_uvicorn  # noqa: E402

from playground.auth_server import AuthServer, start_auth_server  # noqa: E402
from playground.backend import BackendSettings  # noqa: E402
from playground.backend.keys import JWKSKeySource  # noqa: E402
from playground.backend.verify import TokenVerifier  # noqa: E402

REFERENCE = "reference"
REFERENCE_NO_CACHE = "reference, cache off"
BRIDGE = "fastapi-better-auth-bridge 0.6.0 (JWT mode)"
DOCS_STYLE = "FastAPI-docs style (PyJWKClient)"
CONTROLS = "controls: reference + /api/noop and /api/fixed-user"
APPS = {
    REFERENCE: ("playground.backend.app:create_app_from_env", {"BACKEND_SESSION_CACHE_TTL": "0"}),
    REFERENCE_NO_CACHE: ("playground.backend.app:create_app_from_env",
                         {"BACKEND_TOKEN_CACHE_SIZE": "0", "BACKEND_SESSION_CACHE_TTL": "0"}),
    BRIDGE: ("peers:bridge_app", {}),
    DOCS_STYLE: ("peers:docs_style_app", {}),
    CONTROLS: ("peers:controls_app", {"BACKEND_SESSION_CACHE_TTL": "0"}),
}
PUBLIC, ONE_TOKEN, ROTATING = "/api/public", "/api/me, one token", "/api/me, 100 tokens"
NOOP = "/api/noop (one no-op Depends)"
FIXED_USER = "/api/fixed-user (no verification)"
SESSION = "/api/session/me (get-session)"
ROTATING_TOKENS = 100


@dataclass
class BackendResults:
    issuer: str
    token_chars: int
    per_token_us: dict[str, float]
    #: one dict per round: (app, load) -> Load
    rounds: list[dict[tuple[str, str], Load]] = field(default_factory=list)

    def median(self, app: str, load: str) -> Load:
        runs = [r[(app, load)] for r in self.rounds]
        return Load(statistics.median(x.requests_per_second for x in runs),
                    statistics.median(x.cpu_us_per_request for x in runs))

    def ratio(self, numerator: tuple[str, str], denominator: tuple[str, str]) -> tuple[float, float]:
        """Median over rounds of numerator/denominator: (by req/s, by server CPU per request)."""
        by_rate = [r[numerator].requests_per_second / r[denominator].requests_per_second for r in self.rounds]
        by_cpu = [r[denominator].cpu_us_per_request / r[numerator].cpu_us_per_request for r in self.rounds]
        return statistics.median(by_rate), statistics.median(by_cpu)


def sign_in_tokens(auth: AuthServer, count: int) -> tuple[str, list[str], str]:
    """Ada's token, ``count`` tokens of freshly signed-up users (distinct tokens: each has its own
    ``sub``), and Ada's session cookie for the get-session route."""
    with httpx.Client(base_url=auth.url + "/api/auth", timeout=30) as client:
        credentials = {"email": "ada@example.com", "password": auth.demo_password}
        client.post("/sign-in/email", json=credentials).raise_for_status()
        token = client.get("/token").json()["token"]
        cookie = f"better-auth.session_token={client.cookies.get('better-auth.session_token')}"
    tokens = []
    for number in range(count):
        with httpx.Client(base_url=auth.url + "/api/auth", timeout=30) as client:
            client.post("/sign-up/email", json={"email": f"bench-{number}@example.com", "name": f"Bench {number}",
                                                "password": auth.demo_password}).raise_for_status()
            tokens.append(client.get("/token").json()["token"])
    assert len(set(tokens)) == count, "rotating tokens must be distinct"
    return token, tokens, cookie


async def per_token(auth_url: str, token: str, batches: int = 8) -> dict[str, float]:
    """Microseconds per check, best of interleaved batches (the least disturbed by the machine)."""
    settings = BackendSettings(better_auth_url=auth_url, token_cache_size=0)
    source = JWKSKeySource.from_settings(settings)
    full = TokenVerifier.from_settings(settings, source)
    cached = TokenVerifier.from_settings(settings.model_copy(update={"token_cache_size": 100}), source)
    await full.verify(token)
    await cached.verify(token)
    header = jwt.get_unverified_header(token)
    key = (await source.get_key(header["kid"])).key
    signing_input, _, signature = token.rpartition(".")
    signature_bytes = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))

    async def floor():
        key.verify(signature_bytes, signing_input.encode())

    checks = {
        "floor": floor,
        "full": lambda: full.verify(token),
        "cache hit": lambda: cached.verify(token),
    }

    async def batch(check, rounds: int = 500) -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            await check()
        return (time.perf_counter() - started) / rounds * 1e6

    times: dict[str, list[float]] = {name: [] for name in checks}
    for _ in range(batches):
        for name, check in checks.items():
            times[name].append(await batch(check))
    await source.aclose()
    return {name: min(values) for name, values in times.items()}


def run(issuer: str = "embedded", seconds: float = 2.0, rounds: int = 5) -> BackendResults:
    require_wrk()
    auth = start_auth_server(issuer)
    servers: dict[str, Server] = {}
    try:
        token, tokens, cookie = sign_in_tokens(auth, ROTATING_TOKENS)
        results = BackendResults(issuer=auth.label, token_chars=len(token),
                                 per_token_us=asyncio.run(per_token(auth.url, token)))
        env = {"BETTER_AUTH_URL": auth.url, "BENCH_CONTROL_CLAIMS": json.dumps(
            # The control's constant user: the claims of a token this run just obtained.
            jwt.decode(token, options={"verify_signature": False}))}
        for name, (app, settings) in APPS.items():
            servers[name] = start_uvicorn(name, app, env | settings)
        plan = []
        for name in APPS:
            if name != REFERENCE_NO_CACHE:  # same /api/public as the reference: measured once
                plan.append((name, PUBLIC, PUBLIC, []))
            if name == CONTROLS:
                plan += [(name, NOOP, "/api/noop", []), (name, FIXED_USER, "/api/fixed-user", [token])]
            else:
                plan += [(name, ONE_TOKEN, "/api/me", [token]), (name, ROTATING, "/api/me", tokens)]
        for number in range(rounds):
            measured = {(name, label): run_wrk(servers[name], path, seconds=seconds, tokens=credentials)
                        for name, label, path, credentials in plan}
            # The session route takes the session cookie, not a bearer token.
            measured[(REFERENCE_NO_CACHE, SESSION)] = run_wrk(servers[REFERENCE_NO_CACHE], "/api/session/me",
                                                              seconds=seconds, cookie=cookie)
            results.rounds.append(measured)
            print(f"  round {number + 1}/{rounds} done", file=sys.stderr)
        return results
    finally:
        for server in servers.values():
            server.stop()
        auth.stop()


def report(results: BackendResults) -> str:
    micro = results.per_token_us
    lines = [f"issuer: {results.issuer}; token {results.token_chars} chars; {len(results.rounds)} rounds (medians)",
             "", "(a) per-token verification, EdDSA (µs per check, best of interleaved batches)"]
    for name, value in micro.items():
        lines.append(f"    {name:<12} {value:8.1f} µs  {value / micro['floor']:5.2f}x floor")
    lines += ["", "(b) one uvicorn worker per app, wrk -t2 -c32",
              f"    {'app':<46} {'load':<30} {'req/s':>7} {'CPU µs/req':>11}"]
    for app in APPS:
        for load in (PUBLIC, NOOP, FIXED_USER, ONE_TOKEN, ROTATING, SESSION):
            if (app, load) in results.rounds[0]:
                median = results.median(app, load)
                lines.append(f"    {app:<46} {load:<30} {median.requests_per_second:7.0f} "
                             f"{median.cpu_us_per_request:11.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="wrk duration per configuration and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--issuer", choices=["embedded", "better-auth"], default="embedded")
    args = parser.parse_args(argv)
    print(report(run(args.issuer, args.seconds, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
