"""The CORS mistakes the CORS and troubleshooting lessons teach, each a real, runnable setup.

Three origins take part: the page (``playground.frontend``), the auth server and the FastAPI
backend. A ``Setup`` says how each is configured as far as the browser cares; a ``Variant`` is a
named mistake: its broken ``Setup``, the fixed one, a one-line description, what the browser
shows, and the fix. ``start_lab(name)`` runs the three servers (plus a page on a fourth origin,
"another site", for the wildcard lesson) so a lesson or a test can open the page in Chromium.

    with start_lab("authorization-not-allowed") as lab:
        run_in_browser(lab.frontend_url, email="ada@example.com", password=lab.demo_password)

Every server is the real one: the auth server comes from ``playground.auth_server`` (its CORS
layer, ``playground.auth_cors``, with the variant's overrides) and the backend is
``playground.backend.create_app``. The backend always gets CORS right, so the lab gives it no
origins and puts the variant's Starlette ``CORSMiddleware`` and ``ServerErrorMiddleware`` around
it, in the order the variant says (``backend_app``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playground.auth_server import EMBEDDED, REAL, IssuerKind, start_auth_server
from playground.backend import BackendSettings
from playground.backend import create_app as create_backend
from playground.backend.app import cors_options as backend_cors_options
from playground.frontend import create_app as create_frontend
from playground.frontend.browser import BrowserMissingError, BrowserResult, chromium_missing, run_in_browser
from playground.lessons.checks import Verdict, verdict
from playground.servers import KeepErrors, ServerThread, bind_loopback, stop_all


@dataclass(frozen=True)
class Setup:
    """How the three servers treat the browser. The defaults are the correct configuration."""

    #: Request headers the backend's CORS allows (``Authorization`` must be named explicitly).
    api_allow_headers: tuple[str, ...] = ("Authorization", "Content-Type")
    #: CORS wraps the whole backend, outside the 500 handler, so errors keep their CORS headers.
    api_cors_outermost: bool = True
    #: ``GET /api/me`` hits an unhandled exception after authenticating (a planted bug).
    api_crashes: bool = False
    #: Options that replace the auth server's correct CORS options (``auth_cors_options``).
    auth_cors_overrides: dict[str, Any] = field(default_factory=dict)
    #: The page's origin is in the auth server's ``trustedOrigins``.
    auth_trusts_frontend: bool = True
    #: The ``credentials`` mode of the page's calls to the auth server (Better Auth: "include").
    frontend_credentials: str = "include"


@dataclass(frozen=True)
class Variant:
    name: str
    side: str  # which server is misconfigured: "backend", "auth server" or "frontend"
    description: str  # what is wrong, in one line
    symptom: str  # what the browser shows
    fix: str  # what to change, in one line
    broken: Setup
    fixed: Setup


CORRECT = Setup()

VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant(
        name="correct",
        side="all",
        description="Exact origins, credentials allowed, Authorization allowed, set-auth-jwt exposed, CORS outermost.",
        symptom="Every step works: sign-in, both JWTs, GET /api/me 200, sign-out.",
        fix="Nothing to fix.",
        broken=CORRECT,
        fixed=CORRECT,
    ),
    Variant(
        name="authorization-not-allowed",
        side="backend",
        description="The backend's CORSMiddleware allows only Content-Type, so the preflight for "
                    "'Authorization: Bearer' fails (400 'Disallowed CORS headers').",
        symptom="GET /api/me: 'TypeError: Failed to fetch'; console: \"Response to preflight request doesn't "
                "pass access control check: It does not have HTTP ok status.\"",
        fix="allow_headers=['Authorization', 'Content-Type'] (name Authorization explicitly).",
        broken=Setup(api_allow_headers=("Content-Type",)),
        fixed=CORRECT,
    ),
    Variant(
        name="wildcard-with-credentials",
        side="auth server",
        description="The auth server's CORS has allow_origins=['*'] with allow_credentials=True: Starlette "
                    "then echoes ANY Origin back with credentials allowed.",
        symptom="Nothing breaks for your page, and that is the problem: a page on any other origin of the "
                "same site calls /api/auth/token with the user's cookie and reads a valid JWT.",
        fix="allow_origins=[<the page's exact origin>]: other origins get 'No Access-Control-Allow-Origin "
            "header' and 'TypeError: Failed to fetch'.",
        broken=Setup(auth_cors_overrides={"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]}),
        fixed=CORRECT,
    ),
    Variant(
        name="jwt-header-not-exposed",
        side="auth server",
        description="The auth server's CORS layer sends its own Access-Control-Expose-Headers (Content-Length "
                    "only, as in a copied snippet), replacing the set-auth-jwt that Better Auth's jwt plugin exposed.",
        symptom="getSession() succeeds, the network panel shows the set-auth-jwt header, but "
                "response.headers.get('set-auth-jwt') is null in page code. No console error.",
        fix="expose_headers=['set-auth-jwt', 'set-auth-token'] (or let Better Auth's own header through).",
        broken=Setup(auth_cors_overrides={"expose_headers": ["Content-Length"]}),
        fixed=CORRECT,
    ),
    Variant(
        name="error-without-cors",
        side="backend",
        description="CORSMiddleware is added with app.add_middleware, inside Starlette's error handler, so an "
                    "unhandled exception's 500 leaves without CORS headers.",
        symptom="GET /api/me: 'TypeError: Failed to fetch'; console: \"No 'Access-Control-Allow-Origin' header "
                "is present\" -- a CORS error that hides a crash (the server log has the traceback).",
        fix="Wrap the whole app in CORSMiddleware (outermost), as playground.backend does: the browser then "
            "shows the real '500 Internal Server Error'. Then fix the crash.",
        broken=Setup(api_crashes=True, api_cors_outermost=False),
        fixed=Setup(api_crashes=True),
    ),
    Variant(
        name="untrusted-origin",
        side="auth server",
        description="The page's origin is not in Better Auth's trustedOrigins (its CSRF check, separate from CORS).",
        symptom="Sign-in: '403 Forbidden: Invalid origin' (the CORS headers are fine, so the page can read it).",
        fix="Add the page's origin to trustedOrigins (or BETTER_AUTH_TRUSTED_ORIGINS).",
        broken=Setup(auth_trusts_frontend=False),
        fixed=CORRECT,
    ),
    Variant(
        name="missing-credentials-include",
        side="frontend",
        description="The page calls the auth server with credentials: 'same-origin' instead of 'include', so the "
                    "browser drops the session cookie on cross-origin calls (it neither stores nor sends it).",
        symptom="Sign-in says success, then authClient.token(): '401 Unauthorized' (and getSession() is null).",
        fix="credentials: 'include' on every call to the auth server (Better Auth's client does this by default).",
        broken=Setup(frontend_credentials="same-origin"),
        fixed=CORRECT,
    ),
)}


def get(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"no CORS variant {name!r}; known: {', '.join(VARIANTS)}") from None


def backend_app(setup: Setup, *, auth_url: str, frontend_origin: str, clock=None,
                errors: list[str] | None = None) -> ASGIApp:
    """``playground.backend.create_app`` wrapped as ``setup`` says: the backend's own CORS options
    with the variant's ``allow_headers``, outside or inside the 500 handler, and the planted crash.

    Unhandled exceptions are appended to ``errors`` (the server log a learner would read)."""
    errors = [] if errors is None else errors
    # No origins for the backend's own CORS layer: the lab's layer below is the one that decides.
    app: ASGIApp = create_backend(BackendSettings(better_auth_url=auth_url), clock)
    if setup.api_crashes:
        app = _CrashAfterAuthentication(app, path="/api/me")
    cors = {**backend_cors_options(BackendSettings(better_auth_url=auth_url, cors_origins=[frontend_origin])),
            "allow_headers": list(setup.api_allow_headers)}
    if setup.api_cors_outermost:
        # Outside the 500 handler: the 500 it sends passes through CORS on its way out.
        app = CORSMiddleware(ServerErrorMiddleware(app), **cors)
    else:
        # What ``app.add_middleware(CORSMiddleware, ...)`` builds: user middleware sits *inside*
        # Starlette's ServerErrorMiddleware, so the 500 leaves without CORS headers.
        app = ServerErrorMiddleware(CORSMiddleware(app, **cors))
    return KeepErrors(app, errors)


class _CrashAfterAuthentication:
    """The planted bug: a request the backend authenticated (200) for ``path`` then fails with an
    unhandled exception, as a route whose profile store is down would."""

    def __init__(self, app: ASGIApp, *, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, hold)
        if messages and messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200:
            raise RuntimeError("planted bug: the profile store is down")  # unhandled on purpose: a 500
        for message in messages:  # not authenticated: the backend's answer (401) goes out unchanged
            await send(message)


def trusted_origins(setup: Setup, frontend_origin: str) -> list[str]:
    return [frontend_origin] if setup.auth_trusts_frontend else []


@dataclass
class Lab:
    """The running servers of one variant (broken or fixed). Stop it, or use it as a context manager."""

    variant: Variant
    setup: Setup
    frontend_url: str
    other_site_url: str  # the same page on an origin nobody allows: "another site"
    auth_url: str
    api_url: str
    demo_password: str = field(repr=False)
    #: Unhandled exceptions of the backend: what its log would show (the 500 behind a CORS error).
    server_errors: list[str] = field(default_factory=list)
    _servers: list = field(default_factory=list, repr=False)

    def stop(self) -> None:
        stop_all(self._servers)
        self._servers.clear()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_lab(name: str, *, fixed: bool = False, issuer: IssuerKind = EMBEDDED,
              demo_password: str | None = None) -> Lab:
    """Run variant ``name`` (its fixed setup with ``fixed=True``) on fresh loopback ports.

    On the system clock, never a frozen one: the browser judges cookie expiry by its own clock.

    ``issuer="better-auth"`` runs the real Better Auth (Node), whose CORS layer is the correct one
    in server.mjs: variants that change the auth server's CORS options need the embedded issuer.
    """
    variant = get(name)
    setup = variant.fixed if fixed else variant.broken
    if issuer == REAL and setup.auth_cors_overrides:
        raise ValueError(f"{name!r} changes the auth server's CORS layer: run it with issuer='embedded'")
    front_sock, other_sock = bind_loopback(0, "frontend"), bind_loopback(0, "other site")
    frontend_origin = _url(front_sock)
    servers: list = []
    errors: list[str] = []
    try:
        auth = start_auth_server(issuer, demo_password=demo_password,
                                 trusted_origins=trusted_origins(setup, frontend_origin),
                                 cors_origins=[frontend_origin], cors_overrides=setup.auth_cors_overrides)
        servers.append(auth)
        api = ServerThread(backend_app(setup, auth_url=auth.url, frontend_origin=frontend_origin, errors=errors),
                           name="lab backend")
        servers.append(api.start())
        for sock, label in ((front_sock, "frontend"), (other_sock, "other site")):
            page = create_frontend(auth.url, api.url, credentials=setup.frontend_credentials)
            servers.append(ServerThread(page, sock=sock, name=label).start())
    except BaseException:
        for server in reversed(servers):
            server.stop()
        front_sock.close()
        other_sock.close()
        raise
    return Lab(variant, setup, frontend_origin, _url(other_sock), auth.url, api.url, auth.demo_password, errors,
               servers)


#: What a lesson runs in the browser: sign in, both JWTs, the API call.
DEMO_STEPS = ("sign-in", "get-token", "get-session", "call-api")


def demo(name: str, *, fixed: bool = False, issuer: IssuerKind = EMBEDDED, screenshot=None) -> BrowserResult:
    """Run variant ``name`` in headless Chromium as a learner would; return the ``BrowserResult``
    (console lines, failed requests, page fields, screenshot). For "wildcard-with-credentials" the
    user then visits another site, whose page asks the auth server for a JWT. Raises
    ``playground.frontend.browser.BrowserMissingError`` (saying how to install Chromium) without it.
    """
    if chromium_missing():  # before starting any server
        raise BrowserMissingError(chromium_missing())
    with start_lab(name, fixed=fixed, issuer=issuer) as lab:
        then = (lab.other_site_url, ("get-token",)) if name == "wildcard-with-credentials" else None
        return run_in_browser(lab.frontend_url, email="ada@example.com", password=lab.demo_password,
                              steps=DEMO_STEPS, then=then, screenshot=screenshot)


def _url(sock) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


# Lesson 05a's exercises: the learner passes what they found; each check says right, or hints.
def check_untrusted_origin(token_status: int, sign_out_status: int, page_can_read_both: bool) -> Verdict:
    """Exercise 1: on the broken ``untrusted-origin`` lab, with a session made without ``Origin``,
    the page's ``GET /api/auth/token`` and ``POST /api/auth/sign-out``: their statuses, and whether
    ``browser_check`` lets the page read both answers."""
    if (token_status, sign_out_status) != (200, 403):
        return verdict("exercise 1", False, why="", hint=(
            "sign in with httpx without an Origin header (the check then does not run), then send both "
            "requests with Origin = lab.frontend_url: which methods does Better Auth's origin check "
            "look at (lesson 05 §6)?"))
    return verdict("exercise 1", page_can_read_both,
                   why="trustedOrigins guards only state-changing requests: the page from an untrusted "
                       "origin still gets a JWT with a GET, while its sign-out is refused; and the auth "
                       "server's CORS layer allows that origin, so the page reads both (a 403 that is "
                       "not a CORS error)",
                   hint="the auth server's CORS layer is right in this variant: what does browser_check "
                        "say about each answer's headers?")


def check_diagnosis(variant_name: str) -> Verdict:
    """Exercise 2: the variant whose page signs in fine, then gets 401 from get-token."""
    if variant_name not in VARIANTS:
        return verdict("exercise 2", False, why="", hint=f"name one of: {', '.join(VARIANTS)}")
    return verdict("exercise 2", variant_name == "missing-credentials-include",
                   why="the sign-in answer was readable, but the browser never stored its cookie: the "
                       "page's calls lack credentials: 'include'",
                   hint="sign-in succeeded, so CORS and trustedOrigins let it through; which mistake "
                        "makes the next call arrive without the session cookie? Run demo(name) to see")


__all__ = ["CORRECT", "DEMO_STEPS", "VARIANTS", "Lab", "Setup", "Variant", "backend_app", "check_diagnosis",
           "check_untrusted_origin", "demo", "get", "start_lab", "trusted_origins"]
