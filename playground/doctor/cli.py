"""``python -m playground doctor``: the one place the doctor reads the environment and exits.

Exit status tells a script what happened, and a crash never passes for a verdict:
0 ACCEPTED, 1 REJECTED or NOT VERIFIED, 2 usage error, 3 internal error (a bug in the doctor,
reported on one line of stderr — not a verdict on the token). Output piped into ``head`` that
stops reading ends the program quietly (the Python documentation's SIGPIPE recipe: stdout is
pointed at /dev/null so the interpreter's final flush cannot fail again).
"""

from __future__ import annotations

import argparse
import os
import sys

from playground.backend.settings import SUPPORTED_ALGORITHMS

from .expected import ConfigurationError
from .findings import Verdict
from .run import diagnose

EXIT_ACCEPTED = 0
EXIT_NOT_ACCEPTED = 1
EXIT_USAGE = 2
EXIT_INTERNAL_ERROR = 3

EPILOG = """\
exit status:
  0  ACCEPTED: every check passed, with keys from the JWKS you configured
  1  REJECTED, or NOT VERIFIED (no JWKS URL, issuer or BETTER_AUTH_URL given; or the JWKS did not answer)
  2  usage error (unknown option, unusable URL or value)
  3  internal error: a bug in the doctor, not a verdict on the token

The doctor never fetches keys from the URL a token names: without --jwks-url, --issuer or
BETTER_AUTH_URL the signature is left unchecked and the verdict is NOT VERIFIED.

environment:
  BETTER_AUTH_URL  as in the backend: gives the issuer, audience and JWKS URL the options do not
  NAME             the variable named by --secret-env holds the secret (never put it in argv)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that, print clearly
        self.print_usage(sys.stderr)
        print(f"doctor: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m playground doctor", epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Explain why a Better Auth token is accepted or rejected by the backend's checks.")
    parser.add_argument("token", help="the token (JWT, session token or cookie value)")
    parser.add_argument("--jwks-url", help="default: {issuer}/api/auth/jwks, else <BETTER_AUTH_URL>/api/auth/jwks")
    parser.add_argument("--issuer", help="expected iss (default: origin of BETTER_AUTH_URL)")
    parser.add_argument("--audience", help="expected aud (default: origin of BETTER_AUTH_URL, else the issuer)")
    parser.add_argument("--leeway", type=float, default=0.0, help="clock-skew tolerance in seconds (default 0)")
    parser.add_argument("--algorithms", default="EdDSA", help=f"comma-separated, of {', '.join(SUPPORTED_ALGORITHMS)}")
    parser.add_argument("--secret-env", metavar="NAME",
                        help="name of the environment variable holding BETTER_AUTH_SECRET (e.g. BETTER_AUTH_SECRET)")
    return parser


def _usage_error(message: str) -> int:
    print(f"doctor: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _diagnose(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2): returned, not raised
        return int(exit_.code or 0)
    secret = None
    if args.secret_env:
        secret = os.environ.get(args.secret_env)
        if not secret:
            return _usage_error(f"environment variable {args.secret_env} is not set")
    algorithms = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    try:
        diagnosis = diagnose(args.token, jwks_url=args.jwks_url, issuer=args.issuer, audience=args.audience,
                             base_url=os.environ.get("BETTER_AUTH_URL") or None, leeway=args.leeway,
                             secret=secret, algorithms=algorithms)
    except ConfigurationError as exc:
        return _usage_error(str(exc))
    _print_report(str(diagnosis))
    return EXIT_ACCEPTED if diagnosis.verdict is Verdict.ACCEPTED else EXIT_NOT_ACCEPTED


def _print_report(text: str) -> None:
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _discard_stdout()


def _discard_stdout() -> None:
    # The reader closed the pipe (`| head`): nothing more can be said to it. Later writes,
    # including the interpreter's flush at exit, go to /dev/null instead of failing again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    """CLI entry: prints the diagnosis; returns the exit status (see ``EPILOG``)."""
    try:
        code = _diagnose(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # --help's text is still buffered: a closed pipe must show here, not at exit
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_NOT_ACCEPTED
    except Exception as exc:  # a bug: must never look like a verdict on the token (exit 1)
        print(f"doctor: internal error (a bug in the doctor, not a verdict on the token): "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR
    return code
