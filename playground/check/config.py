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
PLACEHOLDERS = ("issuer", "jwks", "secret")


class UsageError(Exception):
    """The check cannot start as asked (exit code 2); the message says what to change."""


@dataclass(frozen=True)
class CheckConfig:
    protected: str
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

    def __post_init__(self) -> None:
        if sum(target is not None for target in (self.app, self.app_factory, self.api_url)) != 1:
            raise UsageError("give exactly one target: --app module:attr (imported here) or --api-url URL (already running)")
        for name in ("protected", "owner", "admin", "public"):
            route = getattr(self, name)
            if route is not None and (not isinstance(route, str) or not route.startswith("/")):
                raise UsageError(f"--{name} must be a path starting with '/', not {route!r}")
        if self.owner is not None and "{user_id}" not in self.owner:
            raise UsageError("--owner must contain {user_id}, e.g. '/api/users/{user_id}/profile'")
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
        if self.frontend_origin is not None and not str(self.frontend_origin).startswith(("http://", "https://")):
            raise UsageError(f"--frontend-origin must be an origin such as http://localhost:5173, not {self.frontend_origin!r}")
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
    "allow": list, "only": list, "strict": bool, "junit_xml": str,
}


def check_placeholders(value: str) -> None:
    try:
        fields_used = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(value)
                       if name is not None]
    except ValueError:
        raise UsageError(f"--env value {value!r} has an unbalanced '{{' or '}}' (write {{{{ for a literal brace)") from None
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
        raise UsageError(f"--config {path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(TOML_TYPES))}")
    for name, value in data.items():
        expected = TOML_TYPES[name]
        # bool is an int in Python: a port or a leeway of `true` is refused too.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
            raise UsageError(f"--config {path}: {name} must be a {names.replace('dict', 'table').replace('list', 'list of case ids')}, "
                             f"not {value!r}")
    for name in ("allow", "only"):
        if name in data:
            if not all(isinstance(item, str) for item in data[name]):
                raise UsageError(f"--config {path}: {name} must be a list of case ids (strings)")
            data[name] = tuple(data[name])
    return data
