"""Command line: ``python -m playground serve | doctor TOKEN | check ... | export-backend DIR``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # These commands own their argument parsing and their exit codes (see each one's --help).
    if argv[:1] == ["doctor"]:
        from playground.doctor import main as doctor_main

        return doctor_main(argv[1:])
    if argv[:1] == ["check"]:
        from playground.check.cli import main as check_main

        return check_main(argv[1:])
    if argv[:1] == ["export-backend"]:
        from playground.export_backend import main as export_main

        return export_main(argv[1:])

    # Imported here, not at the top: `doctor`, `check` and `export-backend` never start servers.
    from playground.auth_server import ISSUERS

    parser = argparse.ArgumentParser(prog="python -m playground",
                                     description="The Better Auth -> FastAPI playground.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the auth server and the backend until Ctrl-C")
    serve.add_argument("--issuer", choices=ISSUERS, default=None,
                       help="embedded (default, or $PLAYGROUND_ISSUER) or the real better-auth (Node)")
    serve.add_argument("--auth-port", type=int, default=0, help="auth server port (default: a free one)")
    serve.add_argument("--api-port", type=int, default=0, help="backend port (default: a free one)")
    serve.add_argument("--frontend-port", type=int, default=0, help="browser page port (default: a free one)")
    serve.add_argument("--deterministic", action="store_true",
                       help="frozen demo clock and fixed demo keys, as in the notebooks")
    commands.add_parser("doctor", help="explain why a token is accepted or rejected (see doctor --help)")
    commands.add_parser("check", help="grade a FastAPI backend against Better Auth's tokens (see check --help)")
    commands.add_parser("export-backend", help="write the reference backend as a standalone package (see --help)")
    args = parser.parse_args(argv)
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    from playground.issuer.teaching_routes import CONTROLS, describe
    from playground.runtime import start
    from playground.servers import PlaygroundStartError

    try:
        pg = start(args.issuer, deterministic=args.deterministic,
                   auth_port=args.auth_port, api_port=args.api_port, frontend_port=args.frontend_port)
    except PlaygroundStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(pg, flush=True)
    if pg.secret_generated:
        print("note: no BETTER_AUTH_SECRET in the environment, so a random one was generated "
              "for this run; sessions will not survive a restart.", flush=True)
    print("Demo users: ada@example.com (admin), grace@example.com; password: "
          + (pg.demo_password if pg.demo_password_generated else "$PLAYGROUND_DEMO_PASSWORD"),
          flush=True)
    if pg.controls is not None:
        # The controls mint any token: only whoever holds this run's secret may use them.
        print(f"Teaching controls: {pg.auth_url}/__playground/ (state, keys/rotate, tokens, clock/shift) "
              f"with the header 'Authorization: Bearer {pg.controls.token}' (valid for this run only)",
              flush=True)
        for control in CONTROLS:
            print(f"  {describe(control)}", flush=True)
        print(f"  (index: GET {pg.auth_url}/__playground/; POST bodies are Content-Type: application/json)",
              flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
