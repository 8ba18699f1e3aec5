"""``python -m playground check``: the command line of the checker (exit 0 / 1 / 2)."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape

from .cases import CASE_IDS
from .config import CheckConfig, UsageError, load_toml, parse_env
from .engine import SetupProblem, run
from .report import CheckReport, write_setup_junit

EPILOG = """\
exit codes: 0 every required case passed; 1 a case failed (also when the app does not trust
the playground issuer: the cases that need no valid token still run); 2 a usage or setup problem
and nothing failed (the app does not import, a route is not found, the app does not trust the
playground issuer, a port is taken).

--app module:attr runs in a child process (its output goes to --app-log); WSGI apps (Flask,
Django) are served through a2wsgi.

--env values may use {issuer} (the issuer's origin: also iss and aud), {jwks} (its JWKS URL),
{secret} (its BETTER_AUTH_SECRET), {jwks_json} (its public key set) and {jwks_file} (a file
holding it). Example:

  python -m playground check --app myapp.main:app --env BETTER_AUTH_URL={issuer} \\
      --protected /api/me --owner '/api/users/{user_id}/profile' --admin /api/admin/stats

Without --protected, the routes come from the app's OpenAPI document (/openapi.json,
/schema/openapi.json, /api/openapi.json): every method of every protected route is graded,
paths holding a user id are owner routes, and POST /x next to GET /x/{id} is an ownership
flow. An ownership flow by hand:

  --owner 'POST /api/tasks -> /api/tasks/{id}'

creates a task as ada (with the smallest body its schema allows), takes "id" from the JSON
answer, then grace's GET, PUT, PATCH and DELETE of /api/tasks/<id> must be refused.
"""

STYLES = {"✓": "green", "✗": "bold red", "!": "yellow", "~": "cyan", "-": "dim"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m playground check", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Grade a FastAPI backend against Better Auth's real tokens.")
    target = parser.add_argument_group("target (one of)")
    target.add_argument("--app", help="module:attr of an ASGI app, imported here after --env is set")
    target.add_argument("--factory", action="store_true", default=None,
                        help="--app names a function that returns the app (as uvicorn --factory)")
    target.add_argument("--api-url", help="a running server (it must trust the issuer at --auth-port)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set before the app is imported; repeatable")
    routes = parser.add_argument_group("routes")
    routes.add_argument("--protected", help="a route any signed-in user may call (default: from the app's OpenAPI); "
                                            "'POST /api/chat' for a route that is only a write")
    routes.add_argument("--owner", help="a route only the user {user_id} may call, e.g. /api/users/{user_id}; "
                                        "or a flow: 'POST /api/tasks -> /api/tasks/{id}'")
    routes.add_argument("--admin", help="a route only users whose role is admin may call")
    routes.add_argument("--public", help="a route that needs no login")
    routes.add_argument("--frontend-origin", help="the browser page's origin: turns on the CORS cases")
    routes.add_argument("--no-discover", dest="discover", action="store_false", default=None,
                        help="do not read the app's OpenAPI document: only the routes given here")
    credential = parser.add_argument_group("credential and issuer")
    credential.add_argument("--credential", choices=("jwt", "cookie", "bearer-session"),
                            help="what the app authenticates with: jwt (default; Authorization: Bearer <JWT>), "
                                 "cookie (Better Auth's session cookies), bearer-session (the session token as Bearer)")
    credential.add_argument("--cookie-cache", choices=("compact", "jwt", "jwe"),
                            help="the session cookie cache strategy of your Better Auth (default jwt)")
    credential.add_argument("--jwt-issuer", help="the jwt plugin's jwt.issuer, when your app expects its own iss")
    credential.add_argument("--jwt-audience", help="the jwt plugin's jwt.audience, when your app expects its own aud")
    credential.add_argument("--issuer-host", choices=("127.0.0.1", "localhost"),
                            help="the host in the issuer's URL ({issuer}); localhost for apps that insist on it")
    parser.add_argument("--issuer", choices=("embedded", "better-auth"),
                        help="embedded (default, or $PLAYGROUND_ISSUER) or the real Better Auth (Node)")
    parser.add_argument("--auth-port", type=int, help="the issuer's port (default: a free one)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for one answer; longer is a hang (default 15)")
    parser.add_argument("--start-timeout", type=float,
                        help="seconds the --app may take to import, and to start serving (default 60)")
    parser.add_argument("--leeway", type=float, help="the clock-skew tolerance your app is configured with (s)")
    parser.add_argument("--allow", action="append", default=[], metavar="CASE",
                        help="record a known, accepted weakness (repeatable)")
    parser.add_argument("--only", action="append", default=[], metavar="CASE",
                        help="run only this case (and the baseline); repeatable")
    parser.add_argument("--strict", action="store_true", default=None, help="advisory cases set the exit code too")
    parser.add_argument("--junit-xml", metavar="PATH", help="one testcase per case, for CI")
    parser.add_argument("--app-log", metavar="PATH",
                        help="the --app's own output goes here (default: a temporary file, named on failure)")
    parser.add_argument("--config", metavar="FILE.toml", help="the same settings from a TOML file")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    # soft_wrap: one case, one line, however narrow the terminal or CI log.
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        from .cases import CASES

        for case in CASES:
            console.print(f"{case.id:40} {case.weight:9} {escape(case.title)}")
        return 0
    config = None
    try:
        config = _config(args)
        report = run(config)
    except KeyboardInterrupt:
        errors.print("interrupted: the issuer and the app were stopped")
        return 130
    except SetupProblem as problem:
        # The cases that could run are reported (and fail the run) even so.
        _print(console, problem.report)
        if config is not None and config.junit_xml:
            problem.report.write_junit(config.junit_xml)
        errors.print(f"error: {escape(str(problem))}", style="bold red")
        return problem.exit_code
    except UsageError as exc:
        if config is not None and config.junit_xml:
            write_setup_junit(config.junit_xml, str(exc))
        errors.print(f"error: {escape(str(exc))}", style="bold red")
        return 2
    _print(console, report)
    if config.junit_xml:
        report.write_junit(config.junit_xml)
    return report.exit_code


def _config(args: argparse.Namespace) -> CheckConfig:
    settings = load_toml(args.config) if args.config else {}
    overrides = {
        "app": args.app, "factory": args.factory, "api_url": args.api_url,
        "protected": args.protected, "owner": args.owner, "admin": args.admin, "public": args.public,
        "frontend_origin": args.frontend_origin,
        "issuer": args.issuer, "auth_port": args.auth_port, "leeway": args.leeway, "timeout": args.timeout,
        "start_timeout": args.start_timeout, "strict": args.strict,
        "junit_xml": args.junit_xml, "app_log": args.app_log, "discover": args.discover,
        "credential": args.credential, "cookie_cache": args.cookie_cache, "jwt_issuer": args.jwt_issuer,
        "jwt_audience": args.jwt_audience, "issuer_host": args.issuer_host,
    }
    settings.update({key: value for key, value in overrides.items() if value is not None})
    if args.env:
        settings["env"] = {**settings.get("env", {}), **parse_env(args.env)}
    if args.allow:
        settings["allow"] = tuple(settings.get("allow", ())) + tuple(args.allow)
    if args.only:
        settings["only"] = tuple(settings.get("only", ())) + tuple(args.only)
    if not settings.get("protected") and settings.get("discover") is False:
        raise UsageError("--no-discover needs --protected: a route any signed-in user may call, "
                         "e.g. --protected /api/me")
    for option in ("allow", "only"):
        unknown = sorted(set(settings.get(option, ())) - set(CASE_IDS))
        if unknown:
            raise UsageError(f"--{option} {', '.join(unknown)}: no such case (see --list)")
    try:
        return CheckConfig(**settings)
    except TypeError as exc:
        raise UsageError(f"bad settings: {exc}") from None


def _print(console: Console, report: CheckReport) -> None:
    for line in report.lines():
        mark = line.strip()[:1]
        is_case_line = line.startswith("  ") and not line.startswith("      ")
        console.print(escape(line), style=STYLES.get(mark) if is_case_line else None)
    sys.stdout.flush()
