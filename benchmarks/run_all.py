"""Every benchmark in one run, and the README's table regenerated from it (``make bench``).

    .venv/bin/python benchmarks/run_all.py [--issuer embedded|better-auth] [--seconds 2] [--rounds 5] [--no-write]

Runs ``bench_backend`` (the reference backend, its verified-token cache on and off, against
fastapi-better-auth-bridge's JWT mode and the FastAPI-docs style, under ``wrk``) and
``bench_issuers`` (the embedded issuer against the real better-auth from npm), prints each
one's report, then the table — one row per measure, with the issuer it used, its goal and
whether this run met it — and writes that table into README.md between its markers.

Goals are judged on medians of per-round ratios of the server's CPU time per request, which
other work on this shared machine disturbs far less than requests/s (shown beside them). The exit
status is 1 when any goal was missed (the table still says which), 2 when a benchmark could not
run (Node, wrk): then the README is left as it was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCHMARKS))

import bench_backend  # noqa: E402
import bench_issuers  # noqa: E402
from bench_backend import (  # noqa: E402
    APPS,
    BRIDGE,
    CONTROLS,
    DOCS_STYLE,
    FIXED_USER,
    NOOP,
    ONE_TOKEN,
    PUBLIC,
    REFERENCE,
    REFERENCE_NO_CACHE,
    ROTATING,
    SESSION,
    BackendResults,
)
from http_load import LoadError  # noqa: E402
from readme_table import Row, render, update_readme  # noqa: E402

PEERS = {BRIDGE: "fastapi-better-auth-bridge (JWT mode)", DOCS_STYLE: "FastAPI-docs style"}
#: The goals the project set itself (issue #11 §5); a row without one is context.
FULL_CHECK_MAX = 2.0
ME_OVER_PUBLIC_MIN = 0.85
OVER_PEER_MIN = 2.0
OVER_PEER_NO_CACHE_MIN = 1.2
ISSUER_THROUGHPUT_MIN = 1.0
EMBEDDED_STARTUP_MAX_S = 0.1


def _speed(by_cpu: float, by_rate: float) -> str:
    return f"{by_cpu:.2f}× by CPU/request ({by_rate:.2f}× by req/s)"


def backend_rows(results: BackendResults) -> list[Row]:
    """Speed ratios (higher: the first one is faster); goals are judged on server CPU per request,
    which other work on the machine disturbs far less than req/s (both are shown)."""
    issuer = results.issuer
    micro = results.per_token_us
    full = micro["full"] / micro["floor"]
    rows = [Row("backend's full token check ÷ the bare Ed25519 verify in `cryptography`", issuer,
                f"{full:.2f}× ({micro['full']:.0f} vs {micro['floor']:.0f} µs)", f"≤ {FULL_CHECK_MAX:g}×",
                full <= FULL_CHECK_MAX)]
    for app, label, goal in ((REFERENCE, "`/api/me` vs `/api/public` (verified-token cache on)", ME_OVER_PUBLIC_MIN),
                             (REFERENCE_NO_CACHE, "`/api/me` vs `/api/public` (verified-token cache off)", None)):
        by_rate, by_cpu = results.ratio((app, ONE_TOKEN), (REFERENCE, PUBLIC))
        rows.append(Row(label + ", one token", issuer, _speed(by_cpu, by_rate),
                        f"≥ {goal:g}×" if goal else "", by_cpu >= goal if goal else None))
    for load, label in ((NOOP, "a route whose only dependency does nothing"),
                        (FIXED_USER, "`/api/me` with verification replaced by a constant user")):
        by_rate, by_cpu = results.ratio((CONTROLS, load), (CONTROLS, PUBLIC))
        rows.append(Row(f"control: {label} vs `/api/public` (how near any `/api/me` written the FastAPI way can come)",
                        issuer, _speed(by_cpu, by_rate)))
    for peer, name in PEERS.items():
        for app, goal in ((REFERENCE, OVER_PEER_MIN), (REFERENCE_NO_CACHE, OVER_PEER_NO_CACHE_MIN)):
            by_rate, by_cpu = results.ratio((app, ONE_TOKEN), (peer, ONE_TOKEN))
            ours, theirs = results.median(app, ONE_TOKEN), results.median(peer, ONE_TOKEN)
            cache = "cache on" if app == REFERENCE else "cache off"
            rows.append(Row(f"`/api/me`, one token: reference ({cache}) vs {name}", issuer,
                            f"{_speed(by_cpu, by_rate)}: {ours.cpu_us_per_request:.0f} vs "
                            f"{theirs.cpu_us_per_request:.0f} µs, {ours.requests_per_second:.0f} vs "
                            f"{theirs.requests_per_second:.0f} req/s",
                            f"≥ {goal:g}×", by_cpu >= goal))
    rotating = []
    for peer, name in PEERS.items():
        by_rate, by_cpu = results.ratio((REFERENCE, ROTATING), (peer, ROTATING))
        rotating.append(f"{by_cpu:.2f}× vs {name} ({by_rate:.2f}× by req/s)")
    rows.append(Row("`/api/me`, 100 rotating tokens: reference (cache on) vs each peer, by CPU/request", issuer,
                    "; ".join(rotating)))
    peers_ratio = []
    for peer, name in PEERS.items():
        by_rate, by_cpu = results.ratio((peer, ONE_TOKEN), (peer, PUBLIC))
        public = results.median(peer, PUBLIC).cpu_us_per_request
        peers_ratio.append(f"{name} {by_cpu:.2f}× ({by_rate:.2f}× by req/s; `/api/public` {public:.0f} µs)")
    reference_public = results.median(REFERENCE, PUBLIC).cpu_us_per_request
    rows.append(Row("each peer's own `/api/me` vs its `/api/public`, one token, by CPU/request "
                    f"(the reference's `/api/public`: {reference_public:.0f} µs, CORS included)", issuer,
                    "; ".join(peers_ratio)))
    by_rate, by_cpu = results.ratio((REFERENCE_NO_CACHE, ONE_TOKEN), (REFERENCE_NO_CACHE, SESSION))
    rows.append(Row("local JWT check vs session validation via get-session per request (no caches)", issuer,
                    f"{by_rate:.1f}× by req/s "
                    f"({by_cpu:.1f}× by backend CPU/request, the issuer's own work not counted)"))
    return rows


def issuer_rows(results: dict) -> list[Row]:
    issuer = f"embedded vs better-auth {results['version']}"
    rows = [Row(f"{name} throughput: embedded ÷ real", issuer,
                f"{results['ratio'][name]:.2f}× ({results['throughput']['embedded'][name]:.3g} vs "
                f"{results['throughput']['real'][name]:.3g} req/s)",
                f"≥ {ISSUER_THROUGHPUT_MIN:g}×", results["ratio"][name] >= ISSUER_THROUGHPUT_MIN)
            for name in ("sign-in", "get-session", "token")]
    embedded, real = results["startup"]["embedded"]["ok"], results["startup"]["real"]["ok"]
    rows.append(Row("start-up until `/api/auth/ok`: embedded (modules already imported) vs real (a new Node process)",
                    issuer, f"{embedded:.2f} s vs {real:.2f} s",
                    f"embedded < {EMBEDDED_STARTUP_MAX_S:g} s", embedded < EMBEDDED_STARTUP_MAX_S))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issuer", choices=["embedded", "better-auth"], default="embedded",
                        help="the auth server the backend benchmarks use")
    parser.add_argument("--seconds", type=float, default=2.0, help="wrk duration per configuration and round")
    parser.add_argument("--rounds", type=int, default=5, help="alternations; goals use the median (at least 5)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave README.md alone")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)

    try:
        print(f"backend and peers ({len(APPS)} apps, {args.rounds} rounds) ...", file=sys.stderr)
        backend = bench_backend.run(args.issuer, args.seconds, args.rounds)
        print(bench_backend.report(backend), end="\n\n")
        print("embedded issuer vs the real Better Auth ...", file=sys.stderr)
        issuers = bench_issuers.run(rounds=args.rounds)
        print(bench_issuers.report(issuers), end="\n\n")
    except (LoadError, RuntimeError) as error:
        print(f"make bench: a benchmark could not run, README.md left as it was: {error}", file=sys.stderr)
        return 2

    rows = backend_rows(backend) + issuer_rows(issuers)
    table = render(rows)
    print(table)
    if not args.no_write:
        args.readme.write_text(update_readme(args.readme.read_text(), table))
        print(f"\nwrote the table into {args.readme.name}", file=sys.stderr)
    missed = [row.measure for row in rows if row.met is False]
    if missed:
        print(f"{len(missed)} goal(s) not met: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
