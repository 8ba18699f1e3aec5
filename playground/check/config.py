"""What the checker is asked to grade: the target, its routes, the issuer, the output.

One ``CheckConfig`` comes from the command line, from a TOML file (``--config``, same names with
underscores: ``protected = "/api/me"``, ``[env]`` as a table) or from Python keyword arguments.
Every problem with it is a ``UsageError`` with one line that says what to change (exit code 2).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

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
        if self.api_url is not None and not str(self.api_url).startswith(("http://", "https://")):
            raise UsageError(f"--api-url must be an http(s) URL, not {self.api_url!r}")
        if self.frontend_origin is not None and not str(self.frontend_origin).startswith(("http://", "https://")):
            raise UsageError(f"--frontend-origin must be an origin such as http://localhost:5173, not {self.frontend_origin!r}")
        if not 0 <= self.auth_port <= 65535:
            raise UsageError(f"--auth-port must be a port number, not {self.auth_port}")
        if not 0 <= self.leeway <= 3600:
            raise UsageError(f"--leeway must be between 0 and 3600 seconds, not {self.leeway}")
        for name, value in self.env.items():
            if not isinstance(name, str) or not name or "=" in name or not isinstance(value, str):
                raise UsageError(f"--env takes NAME=VALUE with a non-empty NAME, not {name!r}={value!r}")
            check_placeholders(value)

    def with_overrides(self, **changes: Any) -> CheckConfig:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def check_placeholders(value: str) -> None:
    try:
        value.format_map({name: "" for name in PLACEHOLDERS})
    except KeyError as exc:
        raise UsageError(f"--env value {value!r} uses {{{exc.args[0]}}}; the placeholders are "
                         + ", ".join("{" + p + "}" for p in PLACEHOLDERS)) from None
    except (ValueError, IndexError):
        raise UsageError(f"--env value {value!r} has an unbalanced '{{' or '}}' (write {{{{ for a literal brace)") from None


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
        data = tomllib.loads(Path(path).read_text())
    except OSError as exc:
        raise UsageError(f"cannot read --config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path} is not valid TOML: {exc}") from None
    data = {key.replace("-", "_"): value for key, value in data.items()}
    known = {f.name for f in fields(CheckConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"--config {path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for name in ("allow", "only"):
        if name in data:
            data[name] = tuple(data[name])
    if "env" in data and not isinstance(data["env"], dict):
        raise UsageError(f"--config {path}: env must be a table ([env] NAME = \"VALUE\")")
    return data
