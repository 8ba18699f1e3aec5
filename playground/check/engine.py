"""Run every case against a target and return a ``CheckReport``.

Order of events, as the issue of the checker promised its users: start the issuer (embedded, or
the real Better Auth); fill the ``--env`` placeholders with its URLs and secret and set them;
only then import and serve the app (or reach the running one at ``--api-url``); run the baseline
cases, and stop with a setup problem (exit 2) when the target does not trust the issuer; then run
every case that applies. Nothing leaves loopback except requests to an explicit ``--api-url``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from playground.auth_server import REAL
from playground.clock import Clock
from playground.servers import PlaygroundStartError

from .case import NO_ANSWER, Case, Outcome
from .cases import CASE_IDS, CASES, ISSUER_OPTIONS
from .config import CheckConfig, UsageError, fill_placeholders
from .context import Context, TargetUnreachableError
from .gate import start_gated_issuer
from .report import CaseResult, CheckReport
from .target import environment, import_app, serve


class CaseCouldNotRun(Exception):
    """A case failed to build or send its requests (an issuer or checker problem, not a verdict)."""


class SetupProblem(UsageError):
    """The target cannot be graded as configured (exit 2); ``report`` holds what was seen."""

    def __init__(self, message: str, report: CheckReport) -> None:
        super().__init__(message)
        self.report = report


def run(config: CheckConfig | None = None, /, **settings: Any) -> CheckReport:
    """Grade a backend: ``run(app=my_app, protected="/api/me", owner="/api/users/{user_id}")``.

    Takes a ``CheckConfig`` or its fields as keywords. Returns the ``CheckReport`` (``.exit_code``,
    ``.failures``, ``print(report)``). Raises ``UsageError`` (``SetupProblem`` when the target
    does not trust the issuer or a route is missing), which the CLI turns into exit code 2.
    """
    config = config or CheckConfig(**settings)
    if config.deterministic and config.issuer == REAL:
        config = replace(config, deterministic=False)  # the real Better Auth draws its own ids
    for option, ids in (("--allow", config.allow), ("--only", config.only)):
        unknown = sorted(set(ids) - set(CASE_IDS))
        if unknown:
            raise UsageError(f"{option} {', '.join(unknown)}: no such case (see --list)")
    if config.api_url is not None and config.auth_port == 0:
        raise UsageError("--api-url needs --auth-port: the port of the issuer your running API trusts "
                         "(start it with BETTER_AUTH_URL=http://127.0.0.1:PORT)")
    try:
        deterministic = {"deterministic": True, "clock": Clock.system()} if config.deterministic else {}
        # Behind the checker's gate (gate.py): the outage and amplification cases need it.
        issuer = start_gated_issuer(config.issuer, port=config.auth_port, teaching_controls=True,
                                    options=ISSUER_OPTIONS, **deterministic)
    except PlaygroundStartError as exc:
        raise UsageError(f"the {config.issuer} issuer did not start: {exc}") from None
    try:
        values = {"issuer": issuer.origin, "jwks": issuer.jwks_url, "secret": issuer.secret}
        with environment(fill_placeholders(config.env, values)):
            if config.api_url is not None:
                return _grade(config, issuer, config.api_url)
            if config.app_factory is not None:
                app = config.app_factory()
            else:
                app = (import_app(config.app, factory=config.factory, timeout=config.start_timeout)
                       if isinstance(config.app, str) else config.app)
            app_errors: list[str] = []
            with serve(app, app_errors, timeout=config.start_timeout) as url:
                try:
                    report = _grade(config, issuer, url)
                except SetupProblem as problem:
                    problem.report.app_errors = app_errors
                    if app_errors:
                        problem.args = (f"{problem.args[0]} The app's log: {app_errors[0]}",)
                    raise
                report.app_errors = app_errors
                return report
    finally:
        issuer.stop()


def _grade(config: CheckConfig, issuer, url: str) -> CheckReport:
    report = CheckReport(config=config, issuer_label=issuer.label, issuer_url=issuer.origin,
                         target=config.api_url or (config.app if isinstance(config.app, str) else "the app"))
    with httpx.Client(base_url=url, timeout=config.timeout, follow_redirects=False) as client:
        try:
            ctx = Context(issuer, client, protected=config.protected, owner=config.owner, admin=config.admin,
                          public=config.public, frontend_origin=config.frontend_origin, leeway=config.leeway,
                          external=config.api_url is not None)
            ctx.secret_shared = config.api_url is None and any("{secret}" in v for v in config.env.values())
        except httpx.HTTPError as exc:
            raise UsageError(f"signing in to the {issuer.label} at {issuer.origin} failed: {exc}") from None
        try:
            for case in CASES:
                if config.only and case.id not in config.only and case.weight != "baseline":
                    continue
                result = _run_case(case, ctx, config)
                report.results.append(result)
                if case.weight == "baseline" and not result.outcome.passed:
                    raise SetupProblem(_setup_message(case, result.outcome, ctx, config), report)
                if result.outcome.server_error is None and not result.outcome.passed and \
                        _is_missing_route(case, result.outcome):
                    raise SetupProblem(_setup_message(case, result.outcome, ctx, config), report)
        except TargetUnreachableError as exc:
            raise SetupProblem(str(exc), report) from None
        except CaseCouldNotRun as exc:
            raise SetupProblem(str(exc), report) from None
    report.complete = True
    return report


def _run_case(case: Case, ctx: Context, config: CheckConfig) -> CaseResult:
    settings = {"owner": config.owner, "admin": config.admin, "public": config.public,
                "frontend": config.frontend_origin}
    missing = [need for need in case.needs if settings[need] is None]
    if missing:
        option = "--frontend-origin" if missing[0] == "frontend" else f"--{missing[0]}"
        return CaseResult(case, Outcome(True, [], f"not run: give {option} to check it", applicable=False),
                          allowed=False)
    try:
        outcome = case.run(ctx)
    except TargetUnreachableError:
        raise
    except Exception as exc:  # a case that cannot run is the checker's problem, never a verdict
        raise CaseCouldNotRun(f"case {case.id} could not run: {type(exc).__name__}: {exc}") from exc
    return CaseResult(case, outcome, allowed=case.id in config.allow)


def _is_missing_route(case: Case, outcome: Outcome) -> bool:
    """A baseline-like success case answered 404 or a redirect: the route is not where the settings say."""
    return case.id in ("own-profile-allowed", "admin-allowed-for-admin") and \
        any(e.status in (404, 405) or 300 <= e.status < 400 for e in outcome.exchanges)


ROUTE_OPTIONS = {"valid-token-accepted": "--protected", "public-route-open": "--public",
                 "own-profile-allowed": "--owner", "admin-allowed-for-admin": "--admin"}


def _setup_message(case: Case, outcome: Outcome, ctx: Context, config: CheckConfig) -> str:
    exchange = outcome.culprit or (outcome.exchanges[-1] if outcome.exchanges else None)
    option = ROUTE_OPTIONS.get(case.id, "")
    if exchange is not None and exchange.status in (404, 405):
        return f"route not found: {exchange.method} {exchange.path} answered {exchange.status}; check {option}"
    if exchange is not None and 300 <= exchange.status < 400:
        location = exchange.headers.get("location", "?")
        return (f"{exchange.method} {exchange.path} answered {exchange.status}, a redirect to {location}: "
                f"give {option} the path that answers (a trailing slash?)")
    if case.id == "public-route-open":
        return f"--public {config.public} answered {exchange.got if exchange else '?'} without credentials: is it public?"
    if case.id != "valid-token-accepted":
        return f"{case.id}: {outcome.detail}"
    if exchange is not None and exchange.status in (500, NO_ANSWER):
        return f"your app crashed on a valid token ({exchange.got}) on {config.protected}."
    if exchange is not None and 400 <= exchange.status < 500 and exchange.status not in (401, 403):
        return (f"{config.protected} answered {exchange.got} to a valid token (expected 2xx): check --protected "
                f"names a route any signed-in user may call")
    if config.api_url is not None:
        message = (f"your app rejected a valid token ({exchange.got if exchange else '?'}): a running server must "
                   f"be started with BETTER_AUTH_URL={ctx.issuer.origin} (the issuer at --auth-port); if it was "
                   f"running during an earlier check, restart it: it may hold that run's keys.")
    else:
        message = (f"your app rejected a valid token ({exchange.got if exchange else '?'}): is it configured with "
                   f"BETTER_AUTH_URL={ctx.issuer.origin}? Pass --env BETTER_AUTH_URL={{issuer}} (placeholders: "
                   f"{{issuer}} = {ctx.issuer.origin}, {{jwks}} = {ctx.issuer.jwks_url}, {{secret}}).")
    # The tutorial error: HS256 with BETTER_AUTH_SECRET, with or without iss/aud checks.
    for drop in ((), ("iss", "aud")):
        hs256 = ctx.send(config.protected, token=ctx.mint(algorithm="HS256", drop=drop),
                         describe="an HS256 token signed with BETTER_AUTH_SECRET")
        if 200 <= hs256.status < 300:
            return (f"your app rejected a valid token ({exchange.got if exchange else '?'}) but accepted an HS256 "
                    "token signed with BETTER_AUTH_SECRET: it verifies the tutorial way, but Better Auth's jwt "
                    "plugin signs with the EdDSA keys at /api/auth/jwks. Verify with those (see lesson 03).")
    return message
