"""Everything that shapes the embedded issuer, in one explicit object.

``IssuerConfig`` holds typed fields. ``IssuerConfig.from_options`` reads the JSON-able subset of
Better Auth's own option tree (documented in README.md) so that the conformance suite can drive
this server and the real Better Auth from one dict. Function-valued Better Auth options
(``definePayload``, ``jwt.sign``) are named presets from ``presets.py``.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playground.clock import Clock
from playground.issuer import presets

#: Better Auth's built-in fallback secret (``better-auth/dist/utils/constants.mjs``). The real
#: server uses it silently outside production; we reproduce that, but loudly.
DEFAULT_SECRET = "better-auth-secret-12345678901234567890"

ALGORITHMS = ("EdDSA", "ES256", "ES512", "PS256", "RS256")
CACHE_STRATEGIES = ("compact", "jwt", "jwe")
DEMO_USERS_FILE = Path(__file__).resolve().parent.parent / "better_auth" / "demo-users.json"


class DefaultSecretWarning(UserWarning):
    """No secret was configured, so Better Auth's public default secret is in use."""


class ShortSecretWarning(UserWarning):
    """The secret is shorter than the 32 characters Better Auth asks for (it warns, too)."""


def resolve_secret(environ: Mapping[str, str] | None = None, option: str | None = None) -> str:
    """``options.secret || BETTER_AUTH_SECRET || AUTH_SECRET``, else the public default secret.

    Better Auth falls back to a fixed, published secret without a word in development (and
    refuses in production); anyone can forge session cookies with it, so we warn.
    """
    environ = os.environ if environ is None else environ
    secret = option or environ.get("BETTER_AUTH_SECRET") or environ.get("AUTH_SECRET") or ""
    if secret:
        return secret
    if environ.get("NODE_ENV") == "production":
        raise ValueError("You are using the default secret. Please set `BETTER_AUTH_SECRET`.")
    warnings.warn(
        f"No BETTER_AUTH_SECRET set: using Better Auth's public default secret {DEFAULT_SECRET!r}. "
        "Anyone can forge session cookies signed with it. Set BETTER_AUTH_SECRET.",
        DefaultSecretWarning,
        stacklevel=2,
    )
    return DEFAULT_SECRET


def resolve_base_url(environ: Mapping[str, str] | None = None) -> str | None:
    """Better Auth's ``getBaseURL`` env lookup; ``None`` means "take it from each request's Host"."""
    environ = os.environ if environ is None else environ
    for name in ("BETTER_AUTH_URL", "NEXT_PUBLIC_BETTER_AUTH_URL", "PUBLIC_BETTER_AUTH_URL",
                 "NUXT_PUBLIC_BETTER_AUTH_URL", "NUXT_PUBLIC_AUTH_URL"):
        if environ.get(name):
            return environ[name]
    base = environ.get("BASE_URL")
    return base if base and base != "/" else None


def resolve_trusted_origins(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``BETTER_AUTH_TRUSTED_ORIGINS``: comma-separated, added to ``trustedOrigins``."""
    environ = os.environ if environ is None else environ
    return tuple(o.strip() for o in environ.get("BETTER_AUTH_TRUSTED_ORIGINS", "").split(",") if o.strip())


@dataclass(frozen=True)
class CookieCache:
    """``session.cookieCache``: a signed/encrypted copy of the session in ``session_data``."""

    strategy: str = "compact"
    max_age: int = 300

    def __post_init__(self) -> None:
        if self.strategy not in CACHE_STRATEGIES:
            raise ValueError(f"cookieCache.strategy must be one of {CACHE_STRATEGIES}, not {self.strategy!r}")


@dataclass(frozen=True)
class IssuerConfig:
    """One embedded Better Auth server. Field names follow Better Auth's options (README.md).

    ``base_url=None`` reproduces Better Auth without ``BETTER_AUTH_URL``: each request's Host
    header becomes ``iss``/``aud`` and the trusted origin.
    """

    base_url: str | None = None
    secret: str = field(default="", repr=False)
    clock: Clock = field(default_factory=Clock.system)
    #: Demo-only: a fixed key pair derived from a public label and seeded ids/tokens/salts.
    deterministic: bool = False
    #: Password of the seeded demo users; ``None`` seeds no users.
    demo_password: str | None = field(default=None, repr=False)
    #: Routes ``/__playground/...`` and ``app.state.controls``; never on unless asked for.
    teaching_controls: bool = False
    #: The per-run secret those routes demand (``Authorization: Bearer``); random unless given.
    controls_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    trusted_origins: tuple[str, ...] = ()
    # advanced
    use_secure_cookies: bool = False
    cookie_prefix: str = "better-auth"
    # session
    session_expires_in: int = 604800  # 7 days, Better Auth's default
    session_update_age: int = 86400  # 1 day
    cookie_cache: CookieCache | None = None
    # jwt plugin
    alg: str = "EdDSA"
    expiration_time: str | int = "15m"
    jwt_issuer: str | None = None
    jwt_audience: str | tuple[str, ...] | None = None
    define_payload: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    rotation_interval: int | None = None
    grace_period: int = 2592000  # 30 days
    remote_url: str | None = None
    #: Better Auth's ``jwt.sign``: receives the finished claims, returns the token.
    custom_sign: Callable[[dict[str, Any]], str] | None = field(default=None, repr=False)
    disable_setting_jwt_header: bool = False
    session_cookie_cache: bool = False
    # bearer plugin
    require_signature: bool = False
    # storage: None = in memory; a path = SQLite file that survives restarts
    database: str | Path | None = None
    demo_users_file: Path = DEMO_USERS_FILE
    min_password_length: int = 8
    max_password_length: int = 128

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("IssuerConfig needs a secret: pass resolve_secret() or a generated one")
        if len(self.secret) < 32:
            # Better Auth's own words (context/create-context.mjs): it warns and starts anyway.
            warnings.warn("your BETTER_AUTH_SECRET should be at least 32 characters long for adequate "
                          "security. Generate one with `openssl rand -base64 32`.", ShortSecretWarning,
                          stacklevel=3)
        if self.alg not in ALGORITHMS:
            raise ValueError(f"alg must be one of {ALGORITHMS}, not {self.alg!r}")
        # The real plugin throws these at start-up.
        if self.custom_sign is not None and not self.remote_url:
            raise ValueError("options.jwks.remoteUrl must be set when using options.jwt.sign")
        if self.session_cookie_cache:
            if self.cookie_cache is None or self.cookie_cache.strategy != "jwt":
                raise ValueError('`jwt({ sessionCookieCache: true })` requires `session.cookieCache.strategy = "jwt"`.')
            if self.custom_sign is not None:
                raise ValueError("`jwt({ sessionCookieCache: true })` does not support `jwt.sign`.")
        if isinstance(self.jwt_audience, list):
            object.__setattr__(self, "jwt_audience", tuple(self.jwt_audience))

    @property
    def origin(self) -> str | None:
        """The base URL normalised to its origin, as Better Auth stores ``options.baseURL``."""
        if not self.base_url:
            return None
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        return self.use_secure_cookies or (self.base_url or "").startswith("https://")

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, Any],
        *,
        base_url: str | None,
        secret: str,
        clock: Clock | None = None,
        deterministic: bool = False,
        demo_password: str | None = None,
        teaching_controls: bool = False,
        controls_token: str | None = None,
        database: str | Path | None = None,
    ) -> IssuerConfig:
        """Build a config from the JSON option tree shared with the real Better Auth server."""
        unknown = set(options) - {"trustedOrigins", "session", "advanced", "plugins"}
        if unknown:
            raise ValueError(f"unsupported Better Auth options: {sorted(unknown)}")
        session = options.get("session", {})
        advanced = options.get("advanced", {})
        plugins = options.get("plugins", {})
        jwt_plugin = plugins.get("jwt", {})
        jwks = jwt_plugin.get("jwks", {})
        jwt_opts = jwt_plugin.get("jwt", {})
        cache = session.get("cookieCache", {})
        if jwks.get("remoteUrl") and "alg" not in jwks.get("keyPairConfig", {}):
            raise ValueError("options.jwks.keyPairConfig.alg must be specified when options.jwks.remoteUrl is used")
        kwargs: dict[str, Any] = {
            "base_url": base_url,
            "secret": secret,
            "clock": clock or Clock.system(),
            "deterministic": deterministic,
            "demo_password": demo_password,
            "teaching_controls": teaching_controls,
            **({"controls_token": controls_token} if controls_token else {}),
            "database": database,
            "trusted_origins": tuple(options.get("trustedOrigins", ())),
            "use_secure_cookies": bool(advanced.get("useSecureCookies", False)),
            "cookie_prefix": advanced.get("cookiePrefix", "better-auth"),
            "alg": jwks.get("keyPairConfig", {}).get("alg", "EdDSA"),
            "rotation_interval": jwks.get("rotationInterval"),
            "grace_period": jwks.get("gracePeriod", 2592000),
            "remote_url": jwks.get("remoteUrl"),
            "expiration_time": jwt_opts.get("expirationTime", "15m"),
            "jwt_issuer": jwt_opts.get("issuer"),
            "jwt_audience": jwt_opts.get("audience"),
            "disable_setting_jwt_header": bool(jwt_plugin.get("disableSettingJwtHeader", False)),
            "session_cookie_cache": bool(jwt_plugin.get("sessionCookieCache", False)),
            "require_signature": bool(plugins.get("bearer", {}).get("requireSignature", False)),
        }
        if cache.get("enabled"):
            kwargs["cookie_cache"] = CookieCache(cache.get("strategy", "compact"), cache.get("maxAge", 300))
        if "definePayload" in jwt_opts:
            kwargs["define_payload"] = presets.define_payload(jwt_opts["definePayload"])
        if "sign" in jwt_plugin:
            kwargs["custom_sign"] = presets.sign(jwt_plugin["sign"], secret)
        return cls(**kwargs)
