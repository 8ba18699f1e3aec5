"""Run every case against a target and return a ``CheckReport``.

Order of events, as the issue of the checker promised its users: start the issuer (embedded, or
the real Better Auth); fill the ``--env`` placeholders with its URLs and secret and set them;
only then import and serve the app (or reach the running one at ``--api-url``); run the baseline
cases, and stop with a setup problem (exit 2) when the target does not trust the issuer; then run
every case that applies. Nothing leaves loopback except requests to an explicit ``--api-url``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx

from playground.auth_server import REAL
from playground.clock import Clock
from playground.servers import PlaygroundStartError

from .case import APP_DIED, NO_ANSWER, Case, Outcome, is_accepted, is_rejected, not_applicable
from .cases import CASE_IDS, CASES
from .cases_keys import COLD_START_CASE, cold_start
from .config import CheckConfig, UsageError, fill_placeholders
from .context import TLS, Context, TargetUnreachableError
from .credentials import issuer_options, jwks_placeholders
from .diagnosis import not_configured, service_hint, why_refused
from .discovery import choose_admin, choose_owner, choose_protected
from .gate import GatedAuthServer, start_gated_issuer
from .report import CaseResult, CheckReport
from .target import app_process, environment, log_tail, serve


class CaseCouldNotRun(Exception):
    """A case failed to build or send its requests (an issuer or checker problem, not a verdict)."""


class SetupProblem(UsageError):
    """The target cannot be graded as configured (exit 2); ``report`` holds what was seen."""

    def __init__(self, message: str, report: CheckReport, *, stopped: bool = False) -> None:
        super().__init__(message)
        self.report = report
        #: The run stopped here (a route is not there, the app stopped answering): no verdict of it counts.
        self.stopped = stopped

    @property
    def exit_code(self) -> int:
        """1 when a case that could run failed anyway, else 2."""
        return 1 if self.report.failures and not self.stopped else 2


def run(config: CheckConfig | None = None, /, *, issuer_server: GatedAuthServer | None = None,
        **settings: Any) -> CheckReport:
    """Grade a backend: ``run(app=my_app, protected="/api/me", owner="/api/users/{user_id}")``.

    Takes a ``CheckConfig`` or its fields as keywords. Returns the ``CheckReport`` (``.exit_code``,
    ``.failures``, ``print(report)``). Raises ``UsageError`` (``SetupProblem`` when the target
    does not trust the issuer or a route is missing: its ``report`` holds the cases that could
    run without a valid token), which the CLI turns into exit code 2, or 1 when one of those failed.

    ``app="module:attr"`` runs the app in a child process (see ``target.py``); an app object or
    ``app_factory`` runs in a thread of this process, with ``env`` set in ``os.environ`` meanwhile.

    ``issuer_server``: one ``start_issuer`` started, graded against and left running (a lesson that
    grades one app after another saves an issuer start and stop per run; each run still signs in
    afresh, and what a run changed in the issuer, a rotated key, stays changed).
    """
    config = _for_issuer(config or CheckConfig(**settings))
    for option, ids in (("--allow", config.allow), ("--only", config.only)):
        unknown = sorted(set(ids) - set(CASE_IDS))
        if unknown:
            raise UsageError(f"{option} {', '.join(unknown)}: no such case (see --list)")
    if config.api_url is not None and config.auth_port == 0:
        raise UsageError("--api-url needs --auth-port: the port of the issuer your running API trusts "
                         "(start it with BETTER_AUTH_URL=http://127.0.0.1:PORT)")
    issuer = issuer_server or start_issuer(config)
    # This run's own issuer, until handed to the app's server (or process) to be stopped with it.
    owned = [] if issuer_server is not None else [issuer]
    try:
        values = {"issuer": issuer.origin, "jwks": issuer.jwks_url, "secret": issuer.secret,
                  **jwks_placeholders(issuer, config.env)}
        env = fill_placeholders(config.env, values)
        if config.api_url is not None:
            return _graded(config, issuer, config.api_url)
        if isinstance(config.app, str):
            return _grade_in_child(config, issuer, env, owned)
        with environment(env):
            app = config.app_factory() if config.app_factory is not None else config.app
            app_errors: list[str] = []
            with serve(app, app_errors, timeout=config.start_timeout, stop_with=_handed_over(owned)) as url:
                return _graded(config, issuer, url, app_errors=lambda: app_errors)
    finally:
        for server in owned:
            server.stop()


def _handed_over(owned: list[GatedAuthServer]) -> GatedAuthServer | None:
    """The run's own issuer, taken out of ``owned``: the app's server (or process) stops it at its own
    end, however that comes, together with itself, so that the two shutdowns (~0.1 s each) overlap."""
    return owned.pop() if owned else None


def _for_issuer(config: CheckConfig) -> CheckConfig:
    if config.deterministic and config.issuer == REAL:
        return replace(config, deterministic=False)  # the real Better Auth draws its own ids
    return config


def start_issuer(config: CheckConfig | None = None, /, **settings: Any) -> GatedAuthServer:
    """The issuer ``run`` grades against, started as ``run`` starts it (the caller stops it)."""
    config = _for_issuer(config or CheckConfig(**settings))
    try:
        deterministic = {"deterministic": True, "clock": Clock.system()} if config.deterministic else {}
        # Behind the checker's gate (gate.py): the outage and amplification cases need it.
        return start_gated_issuer(config.issuer, port=config.auth_port, teaching_controls=True,
                                  options=issuer_options(config), host=config.issuer_host, **deterministic)
    except PlaygroundStartError as exc:
        raise UsageError(f"the {config.issuer} issuer did not start: {exc}") from None


def _grade_in_child(config: CheckConfig, issuer, env: dict[str, str], owned: list[GatedAuthServer]) -> CheckReport:
    log_path, temporary = config.app_log, config.app_log is None
    if temporary:
        handle, log_path = tempfile.mkstemp(prefix="playground-check-app-", suffix=".log")
        os.close(handle)
    keep_log = True
    try:
        with _explained(log_path), app_process(config.app, factory=config.factory, env=env,
                                               start_timeout=config.start_timeout, log_path=log_path,
                                               stop_with=_handed_over(owned)) as process:
            report = _graded(config, issuer, process.url, app_errors=process.app_errors, revive=process.revive,
                             app_log=log_path, log_tail=lambda: process.log_tail(20))
            keep_log = not report.passed or bool(report.app_errors)
            return report
    finally:
        if temporary and not keep_log:
            os.unlink(log_path)


@contextmanager
def _explained(log_path: str) -> Iterator[None]:
    """An app that could not start is explained by its log, when that names a missing service."""
    try:
        yield
    except SetupProblem:
        raise
    except UsageError as exc:
        raise UsageError(str(exc) + service_hint([], lambda: log_tail(log_path, 20))) from None


def _graded(config: CheckConfig, issuer, url: str, *, app_errors: Callable[[], list[str]] = list,
            revive: Callable[[], str | None] | None = None, app_log: str | None = None,
            log_tail: Callable[[], list[str]] | None = None) -> CheckReport:
    """``_grade``, with what the app logged attached to the report (or the setup problem's)."""
    try:
        report = _grade(config, issuer, url, revive)
    except SetupProblem as problem:
        problem.report.app_errors, problem.report.app_log = app_errors(), app_log
        if problem.report.app_errors:
            problem.args = (f"{problem.args[0]} The app's log: {problem.report.app_errors[0]}",)
        problem.args = (problem.args[0] + service_hint(problem.report.app_errors, log_tail),)
        problem.report.setup_problems[:] = [problem.args[0]]
        raise
    report.app_errors, report.app_log = app_errors(), app_log
    return report


def _grade(config: CheckConfig, issuer, url: str, revive: Callable[[], str | None] | None = None) -> CheckReport:
    report = CheckReport(config=config, issuer_label=issuer.label, issuer_url=issuer.origin,
                         target=config.api_url or (config.app if isinstance(config.app, str) else "the app"))
    with httpx.Client(base_url=url, timeout=config.timeout, follow_redirects=False, verify=TLS) as client:
        try:
            ctx = Context(issuer, client, protected=config.protected, owner=config.owner_route, admin=config.admin,
                          public=config.public, frontend_origin=config.frontend_origin, leeway=config.leeway,
                          external=config.api_url is not None, credential=config.credential,
                          owner_flow=config.owner_flow, discover=config.discover, cookie_cache=config.cookie_cache)
            ctx.revive = revive
            ctx.secret_shared = config.api_url is None and any("{secret}" in v for v in config.env.values())
        except httpx.HTTPError as exc:
            raise UsageError(f"signing in to the {issuer.label} at {issuer.origin} failed: {exc}") from None
        token_accepted = True
        try:
            if not config.only or COLD_START_CASE in config.only:
                # Before any valid token: the app has fetched no key yet.
                unrecovered = cold_start(ctx)
                if unrecovered is not None:
                    report.setup_problems.append(unrecovered)
            if ctx.protected is None:
                _discover_routes(ctx, config, report)
            for case in CASES:
                if config.only and case.id not in config.only and case.weight != "baseline":
                    continue
                result = _run_case(case, ctx, config, token_accepted)
                report.results.append(result)
                if result.outcome.passed or not result.outcome.applicable:
                    continue
                if result.outcome.server_error is None and _is_missing_route(case, result.outcome):
                    # Every other verdict would be about a route that is not there.
                    raise SetupProblem(_setup_message(case, result.outcome, ctx, config), report, stopped=True)
                if case.weight == "baseline":
                    token_accepted = token_accepted and case.id != "valid-token-accepted"
                    report.setup_problems.append(_setup_message(case, result.outcome, ctx, config))
        except TargetUnreachableError as exc:
            raise SetupProblem(str(exc), report, stopped=True) from None
        except CaseCouldNotRun as exc:
            raise SetupProblem(str(exc), report) from None
        finally:
            ctx.close()
    if report.setup_problems:
        raise SetupProblem(" ".join(report.setup_problems), report)
    report.complete = True
    return report


def _discover_routes(ctx: Context, config: CheckConfig, report: CheckReport) -> None:
    """No --protected: the app's OpenAPI document names its protected and owner routes."""
    ctx.set_protected(choose_protected(ctx))
    if ctx.protected is None:
        found = "no OpenAPI document" if ctx.routes.document is None else \
            "no protected GET route without parameters in its OpenAPI document"
        raise UsageError(f"give --protected (a route any signed-in user may call, e.g. --protected /api/me): "
                         f"the app publishes {found}")
    chosen = [f"--protected {ctx.protected_template}" if ctx.protected_method == "GET"
              else f"--protected '{ctx.protected_method} {ctx.protected_template}'"]
    if config.owner is None:
        ctx.owner = choose_owner(ctx)
        if ctx.owner is not None:
            chosen.append(f"--owner {ctx.owner}")
    report.target += f" ({', '.join(chosen)}: from {ctx.routes.source})"
    if config.admin is None:
        ctx.admin = choose_admin(ctx)
        if ctx.admin is not None:
            report.target += f" (--admin {ctx.admin}: ada, an admin, reaches it; grace does not)"


#: Cases whose verdict means something only once the app accepts a valid token: genuinely signed
#: tokens with one claim changed (refusing them proves nothing when every token is refused), and
#: those that expect a token to be served. They are not run when the baseline failed.
NEEDS_VALID_TOKEN_GROUPS = {"claims", "keys"}
NEEDS_VALID_TOKEN = {"own-profile-allowed", "admin-allowed-for-admin", "other-users-profile", "non-admin-denied",
                     "role-matching-like-better-auth", "role-list-accepted", "insufficient-scope-403",
                     "non-canonical-base64url",
                     "session-token-as-bearer", "other-users-resource-any-method",
                     # Refusing a forged session means nothing while the real one is refused too.
                     "session-token-forged-signature", "signed-out-session", "session-data-forged",
                     "session-data-expired"}


def _run_case(case: Case, ctx: Context, config: CheckConfig, token_accepted: bool = True) -> CaseResult:
    settings = {"owner": ctx.owner, "admin": ctx.admin, "public": config.public,
                "frontend": config.frontend_origin}
    if config.credential not in case.credentials:
        return CaseResult(case, not_applicable(f"not run: it grades --credential {' or '.join(case.credentials)}, "
                                               f"not {config.credential}"), allowed=False)
    missing = [need for need in case.needs if settings.get(need, "") is None]
    if missing:
        option = "--frontend-origin" if missing[0] == "frontend" else f"--{missing[0]}"
        return CaseResult(case, Outcome(True, [], f"not run: give {option} to check it", applicable=False),
                          allowed=False)
    if not token_accepted and (case.group in NEEDS_VALID_TOKEN_GROUPS or case.id in NEEDS_VALID_TOKEN):
        return CaseResult(case, not_applicable(NOT_JUDGED), allowed=False)
    try:
        outcome = case.run(ctx)
    except TargetUnreachableError:
        raise
    except Exception as exc:  # a case that cannot run is the checker's problem, never a verdict
        raise CaseCouldNotRun(f"case {case.id} could not run: {type(exc).__name__}: {exc}") from exc
    if not token_accepted and not outcome.passed and outcome.culprit is not None and is_rejected(outcome.culprit) \
            and not outcome.past_authentication:
        # It failed because something was refused: so is every valid token here; no verdict.
        outcome = not_applicable(NOT_JUDGED)
    return CaseResult(case, outcome, allowed=case.id in config.allow)


NOT_JUDGED = "not run: it needs the app to accept a valid token first (see the setup problem)"


def _is_missing_route(case: Case, outcome: Outcome) -> bool:
    """A success case answered 404, 405 or a redirect: the route is not where the settings say."""
    return case.id in ROUTE_OPTIONS and \
        any(e.status in (404, 405) or 300 <= e.status < 400 for e in outcome.exchanges)


ROUTE_OPTIONS = {"valid-token-accepted": "--protected", "public-route-open": "--public",
                 "own-profile-allowed": "--owner", "admin-allowed-for-admin": "--admin"}


def _setup_message(case: Case, outcome: Outcome, ctx: Context, config: CheckConfig) -> str:
    exchange = outcome.culprit or (outcome.exchanges[-1] if outcome.exchanges else None)
    option = ROUTE_OPTIONS.get(case.id, "")
    if exchange is not None and exchange.status == 405:
        allow = exchange.headers.get("allow")
        return (f"{exchange.method} {exchange.path} answered 405 Method Not Allowed"
                + (f" (it serves {allow})" if allow else "")
                + f": give {option} a route that answers {exchange.method}")
    if exchange is not None and exchange.status == 404:
        return f"route not found: {exchange.method} {exchange.path} answered 404; check {option}"
    if exchange is not None and 300 <= exchange.status < 400:
        location = exchange.headers.get("location", "?")
        return (f"{exchange.method} {exchange.path} answered {exchange.status}, a redirect to {location}: "
                f"give {option} the path that answers (a trailing slash?)")
    if case.id == "public-route-open":
        return (f"--public {config.public} answered {exchange.got if exchange else '?'} without credentials: "
                "is it public?")
    if case.id != "valid-token-accepted" or exchange is None:
        return f"{case.id}: {outcome.detail}"
    if is_accepted(exchange):  # it accepted a garbage credential too
        return (f"{exchange.method} {exchange.path} does not authenticate: it accepted {exchange.sent} as well as "
                f"a valid token; give --protected a route that verifies the credential")
    if exchange.status in (502, 503, 504):
        # Unavailable: typically its keys could not be fetched, from wherever it was told they are.
        return not_configured(ctx, config, exchange.got)
    if exchange.status == NO_ANSWER and not exchange.body.startswith(APP_DIED):
        return f"your app did not answer a valid token ({exchange.got}) on {exchange.path}."
    if exchange.status >= 500 or exchange.status == NO_ANSWER:
        return f"your app crashed on a valid token ({exchange.got}) on {exchange.path}."
    if exchange.status not in (401, 403):
        return (f"{exchange.path} answered {exchange.got} to a valid token (expected 2xx): check --protected "
                f"names a route any signed-in user may call")
    return why_refused(ctx, config, exchange)
