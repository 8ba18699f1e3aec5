"""What the checker is asked to grade: the target, its routes, the issuer, the output.

One ``CheckConfig`` comes from the command line, from a TOML file (``--config``, same names with
underscores: ``protected = "/api/me"``, ``[env]`` as a table) or from Python keyword arguments.
Every problem with it is a ``UsageError`` with one line that says what to change (exit code 2).
"""

from __future__ import annotations

import os
import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from playground.auth_server import ISSUERS

#: The placeholders an ``--env`` value may use, filled in once the issuer runs.
PLACEHOLDERS = ("issuer", "jwks", "secret", "jwks_file", "jwks_json")


class UsageError(Exception):
    """The check cannot start as asked (exit code 2); the message says what to change."""


@dataclass(frozen=True)
class CheckConfig:
    #: The route any signed-in user may call; None: taken from the app's OpenAPI document.
    protected: str | None = None
    app: Any = None  # "module:attr", or an ASGI app object (Python API)
    #: Python API: a function that builds the app, called once ``env`` is set (apps read it when built).
    app_factory: Callable[[], Any] | None = None
    #: With ``app = "module:attr"``: call ``attr()`` to build the app (uvicorn's ``--factory``).
    factory: bool = False
    api_url: str | None = None
    owner: str | None = None
    admin: str | None = None
    public: str | None = None
    frontend_origin: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    #: ``embedded`` (default, or $PLAYGROUND_ISSUER, as for ``serve``) or ``better-auth`` (Node).
    issuer: str = field(default_factory=lambda: os.environ.get("PLAYGROUND_ISSUER", "embedded"))
    auth_port: int = 0
    leeway: float = 0.0
    #: Seconds to wait for the app's answer to one request; longer is a hang, a failure of the case.
    timeout: float = 15.0
    #: Seconds the app may take to be imported (and built, with ``factory``), and again to start
    #: serving; longer is a setup problem (exit 2) instead of a checker that never returns.
    start_timeout: float = 60.0
    allow: tuple[str, ...] = ()
    #: Run only these cases (the baseline ones always run): a quick re-check while fixing one thing.
    only: tuple[str, ...] = ()
    #: Embedded issuer only: seeded ids and the playground's demo keys (on the real clock), so a
    #: lesson printing a report prints the same one every run.
    deterministic: bool = False
    strict: bool = False
    junit_xml: str | None = None
    #: ``jwt`` (Authorization: Bearer <access token>), ``cookie`` (the session cookies) or
    #: ``bearer-session`` (the session token as Bearer): the credential the app authenticates with.
    credential: str = "jwt"
    #: The issuer's ``session.cookieCache.strategy`` (how ``better-auth.session_data`` is encoded).
    cookie_cache: str = "jwt"
    #: Read the app's OpenAPI document for its methods, protected routes, owner routes and flows.
    discover: bool = True
    #: The jwt plugin's ``jwt.issuer`` / ``jwt.audience`` when the app pins its own ``iss`` / ``aud``.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    #: The host in the issuer's URL (``{issuer}``): ``localhost`` for apps that insist on it.
    issuer_host: str = "127.0.0.1"
    #: ``--app module:attr`` only: where the app's own output (stdout, stderr, tracebacks) goes;
    #: by default a temporary file, named in the report when something failed.
    app_log: str | None = None

    @property
    def owner_flow(self) -> str | None:
        """``--owner 'POST /api/tasks -> /api/tasks/{id}'``: a resource one user creates."""
        return self.owner if isinstance(self.owner, str) and "->" in self.owner else None

    @property
    def owner_route(self) -> str | None:
        """``--owner /api/users/{user_id}/...``: a route of one user."""
        return None if self.owner_flow else self.owner

    def __post_init__(self) -> None:
        if sum(target is not None for target in (self.app, self.app_factory, self.api_url)) != 1:
            raise UsageError("give exactly one target: --app module:attr (imported here) "
                             "or --api-url URL (already running)")
        from .discovery import parse_flow

        owner_flow = isinstance(self.owner, str) and "->" in self.owner
        for name in ("protected", "owner", "admin", "public"):
            route = getattr(self, name)
            if name == "owner" and owner_flow:
                continue
            if name == "protected" and isinstance(route, str):
                from .context import split_route

                route = split_route(route)[1]
            if route is not None and (not isinstance(route, str) or not route.startswith("/")):
                raise UsageError(f"--{name} must be a path starting with '/', not {route!r}")
        if owner_flow and parse_flow(self.owner) is None:
            raise UsageError(f"--owner flow {self.owner!r}: write 'POST /api/tasks -> /api/tasks/{{id}}' (create, then "
                             "the item path with one {name} taken from the creation's JSON answer)")
        if self.owner is not None and not owner_flow and "{user_id}" not in self.owner:
            raise UsageError("--owner must contain {user_id}, e.g. '/api/users/{user_id}/profile', or be a flow: "
                             "'POST /api/tasks -> /api/tasks/{id}'")
        from .context import CREDENTIALS
        from .credentials import COOKIE_CACHE_STRATEGIES

        if self.credential not in CREDENTIALS:
            raise UsageError(f"--credential must be one of {', '.join(CREDENTIALS)}, not {self.credential!r}")
        if self.cookie_cache not in COOKIE_CACHE_STRATEGIES:
            raise UsageError(f"--cookie-cache must be one of {', '.join(COOKIE_CACHE_STRATEGIES)}, "
                             f"not {self.cookie_cache!r}")
        for name in ("jwt_issuer", "jwt_audience"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise UsageError(f"--{name.replace('_', '-')} must be a non-empty string, not {value!r}")
        if not isinstance(self.issuer_host, str) or self.issuer_host not in ("127.0.0.1", "localhost"):
            raise UsageError(f"--issuer-host must be 127.0.0.1 or localhost (the issuer listens on loopback only), "
                             f"not {self.issuer_host!r}")
        if self.issuer not in ISSUERS:
            raise UsageError(f"--issuer must be one of {', '.join(ISSUERS)}, not {self.issuer!r}")
        if self.api_url is not None and not _is_http_url(self.api_url):
            raise UsageError(f"--api-url must be an http(s) URL such as http://127.0.0.1:8000, not {self.api_url!r}")
        if self.junit_xml is not None:
            if not isinstance(self.junit_xml, str) or not self.junit_xml:
                raise UsageError(f"--junit-xml must be a file path, not {self.junit_xml!r}")
            folder = Path(self.junit_xml).resolve().parent
            if not folder.is_dir() or not os.access(folder, os.W_OK):
                raise UsageError(f"--junit-xml {self.junit_xml}: {folder} is not a writable directory")
        if self.app_log is not None:
            if not isinstance(self.app_log, str) or not self.app_log:
                raise UsageError(f"--app-log must be a file path, not {self.app_log!r}")
            folder = Path(self.app_log).resolve().parent
            if not folder.is_dir() or not os.access(folder, os.W_OK):
                raise UsageError(f"--app-log {self.app_log}: {folder} is not a writable directory")
        if self.frontend_origin is not None and not str(self.frontend_origin).startswith(("http://", "https://")):
            raise UsageError("--frontend-origin must be an origin such as http://localhost:5173, "
                             f"not {self.frontend_origin!r}")
        if not 0 <= self.auth_port <= 65535:
            raise UsageError(f"--auth-port must be a port number, not {self.auth_port}")
        if not 0.5 <= self.timeout <= 600:
            raise UsageError(f"--timeout must be between 0.5 and 600 seconds, not {self.timeout}")
        if not 0.5 <= self.start_timeout <= 3600:
            raise UsageError(f"--start-timeout must be between 0.5 and 3600 seconds, not {self.start_timeout}")
        if not 0 <= self.leeway <= 3600:
            raise UsageError(f"--leeway must be between 0 and 3600 seconds, not {self.leeway}")
        for name, value in self.env.items():
            if not isinstance(name, str) or not name or "=" in name or not isinstance(value, str):
                raise UsageError(f"--env takes NAME=VALUE with a non-empty NAME, not {name!r}={value!r}")
            check_placeholders(value)


def _is_http_url(value: object) -> bool:
    try:
        url = httpx.URL(str(value))
    except httpx.InvalidURL:
        return False
    return isinstance(value, str) and url.scheme in ("http", "https") and bool(url.host)


#: The type each setting must have when it comes from a TOML file.
TOML_TYPES: dict[str, type | tuple[type, ...]] = {
    "protected": str, "app": str, "factory": bool, "api_url": str, "owner": str, "admin": str, "public": str,
    "frontend_origin": str, "env": dict, "issuer": str, "auth_port": int, "leeway": (int, float),
    "timeout": (int, float), "start_timeout": (int, float),
    "allow": list, "only": list, "strict": bool, "junit_xml": str, "credential": str, "cookie_cache": str,
    "discover": bool, "jwt_issuer": str, "jwt_audience": str, "issuer_host": str, "app_log": str,
}


def check_placeholders(value: str) -> None:
    try:
        fields_used = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(value)
                       if name is not None]
    except ValueError:
        raise UsageError(f"--env value {value!r} has an unbalanced '{{' or '}}' "
                         "(write {{ for a literal brace)") from None
    for name, spec, conversion in fields_used:
        if name not in PLACEHOLDERS or spec or conversion:
            raise UsageError(f"--env value {value!r} uses {{{name}}}; the placeholders are "
                             + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + " (write {{ for a literal brace)")


def fill_placeholders(env: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    return {name: value.format_map(values) for name, value in env.items()}


def parse_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--env takes NAME=VALUE, not {pair!r}")
        env[name] = value
    return env


def load_toml(path: str | Path) -> dict[str, Any]:
    """The settings of a TOML file, keyed like ``CheckConfig``'s fields."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read --config {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--config {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path} is not valid TOML: {exc}") from None
    data = {key.replace("-", "_"): value for key, value in data.items()}
    unknown = sorted(set(data) - set(TOML_TYPES))
    if unknown:
        raise UsageError(f"--config {path}: unknown setting(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(TOML_TYPES))}")
    for name, value in data.items():
        expected = TOML_TYPES[name]
        # bool is an int in Python: a port or a leeway of `true` is refused too.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
            kind = names.replace("dict", "table").replace("list", "list of case ids")
            raise UsageError(f"--config {path}: {name} must be a {kind}, not {value!r}")
    for name in ("allow", "only"):
        if name in data:
            if not all(isinstance(item, str) for item in data[name]):
                raise UsageError(f"--config {path}: {name} must be a list of case ids (strings)")
            data[name] = tuple(data[name])
    return data
