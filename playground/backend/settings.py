"""Backend configuration, read from the environment (or passed explicitly), validated at construction.

Security rule: everything the verifier trusts — where keys come from, which issuer and audience
are expected, which algorithms are allowed — comes from here and never from a token. A
misconfiguration fails *here*, at startup, with a message naming the environment variable,
instead of as a confusing 401 (or, worse, an acceptance) at request time.

Derived defaults follow Better Auth: its jwt plugin sets ``iss`` and ``aud`` to the *origin* of
its base URL (scheme://host[:port], no path, no trailing slash) and serves the key set at
``<base>/api/auth/jwks``. So ``BETTER_AUTH_URL`` alone is enough configuration for the usual setup.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Algorithms Better Auth's jwt plugin can sign with (``jwks.keyPairConfig.alg``). All asymmetric:
#: the plugin never signs access tokens with the shared secret.
SUPPORTED_ALGORITHMS = ("EdDSA", "ES256", "ES512", "PS256", "RS256")

#: Better Auth's default base path for its routes.
DEFAULT_AUTH_PATH = "/api/auth"

#: What Better Auth signs with when no secret is set (``better-auth/dist/utils/constants.mjs``,
#: 1.7): in development only (production refuses to start), and public, so anyone can sign with it.
BETTER_AUTH_DEFAULT_SECRET = "better-auth-secret-12345678901234567890"


def origin_of(url: str) -> str:
    """The origin of ``url`` the way a browser (and Better Auth's ``new URL(...).origin``) writes it."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    default_port = {"http": 80, "https": 443}[scheme]
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    return f"{scheme}://{host}{port}"


def _split_list(value: object) -> object:
    # Environment variables hold text: accept a JSON list or a comma-separated list.
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


class BackendSettings(BaseSettings):
    """Configuration of the FastAPI backend. Keyword arguments override environment variables.

    Environment names: ``BETTER_AUTH_URL`` and ``BETTER_AUTH_SECRET`` (shared with Better Auth
    itself), everything else ``BACKEND_<FIELD>`` (e.g. ``BACKEND_AUDIENCE``).
    """

    # hide_input_in_errors: a validation error must not print BETTER_AUTH_SECRET into a log.
    model_config = SettingsConfigDict(
        env_prefix="BACKEND_", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    better_auth_url: str = Field(
        validation_alias=AliasChoices("better_auth_url", "BETTER_AUTH_URL"),
        description="Better Auth's base URL, exactly as Better Auth itself is configured.",
    )
    better_auth_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("better_auth_secret", "BETTER_AUTH_SECRET"),
        description="Only for the secret-based paths (session cookie HMAC, HS256 cookie cache). "
        "Never used to verify the jwt plugin's access tokens.",
    )
    jwks_url: str | None = Field(default=None, description="Derived: <auth base>/jwks.")
    issuer: str | None = Field(default=None, description="Expected iss. Derived: origin of BETTER_AUTH_URL.")
    audience: str | None = Field(default=None, description="Expected aud. Derived: origin of BETTER_AUTH_URL.")
    algorithms: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["EdDSA"])
    leeway_seconds: float = Field(default=0.0, ge=0, le=300, description="Clock-skew tolerance for exp/nbf/iat.")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_max_age: int = Field(default=600, ge=0, le=86400, description="Preflight cache lifetime (s).")
    jwks_cache_ttl: float = Field(default=300.0, gt=0, description="How long a fetched key set is fresh (s).")
    jwks_max_stale: float | None = Field(
        default=None,
        gt=0,
        description="While the JWKS cannot be fetched, keep verifying with the last key set for at most this "
        "many seconds after it was fetched; then 503 until a fetch succeeds. Derived: 2 x jwks_cache_ttl, "
        "the bound Better Auth's own verifier keeps (1.7.27+). A key rotated out meanwhile stays trusted "
        "until then.",
    )
    jwks_min_refetch_interval: float = Field(
        default=5.0, ge=0, description="At most one JWKS fetch per this many seconds (unknown-kid storms)."
    )
    http_timeout: float = Field(
        default=3.0, gt=0, le=60, description="Deadline for each whole call to Better Auth (s)."
    )
    max_token_bytes: int = Field(default=8192, ge=512, le=65536, description="Longer tokens are rejected unread.")
    token_cache_size: int = Field(default=10_000, ge=0, description="Verified-token cache entries (0: off).")
    session_cache_ttl: float = Field(default=10.0, ge=0, le=300, description="get-session result cache (s).")
    session_cookie_prefix: str = Field(default="better-auth", min_length=1)
    jwt_cookie_name: str | None = Field(
        default=None, description="If set, also read the access JWT from this cookie (header wins)."
    )

    @field_validator("algorithms", "cors_origins", mode="before")
    @classmethod
    def _lists_from_text(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("better_auth_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        value = value.strip()
        try:
            origin_of(value)
        except ValueError as exc:
            raise ValueError(
                f"BETTER_AUTH_URL: {exc}; set it to Better Auth's base URL, e.g. http://127.0.0.1:3000"
            ) from None
        if urlsplit(value).query or urlsplit(value).fragment:
            raise ValueError("BETTER_AUTH_URL must not contain a query string or fragment")
        return value.rstrip("/")

    @field_validator("better_auth_secret", mode="before")
    @classmethod
    def _empty_secret_is_unset(cls, value: object) -> object:
        # As .env.example's `BETTER_AUTH_SECRET=` line means: no secret, so the secret-based
        # routes are off (Better Auth, too, skips an empty value: `options.secret || env...`).
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if text == "" else value

    @field_validator("better_auth_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Whitespace and length are left alone: Better Auth uses its secret byte for byte (and
        # only warns when it is short), so this side must accept the very same bytes.
        # Quoted or padded, it is still the public default (a raw environment keeps quotes).
        if value is not None and value.get_secret_value().strip().strip("'\"") == BETTER_AUTH_DEFAULT_SECRET:
            raise ValueError(
                "BETTER_AUTH_SECRET is Better Auth's public default: anyone can sign session cookies and cookie "
                "caches with it. Give Better Auth and this API the same random secret (openssl rand -base64 32)"
            )
        return value

    @field_validator("algorithms")
    @classmethod
    def _check_algorithms(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("BACKEND_ALGORITHMS is empty: list the algorithm Better Auth signs with (default EdDSA)")
        for alg in value:
            if alg.upper().startswith("HS"):
                raise ValueError(
                    f"BACKEND_ALGORITHMS contains {alg}: Better Auth's jwt plugin signs access tokens with an "
                    "asymmetric key published at /api/auth/jwks, never with BETTER_AUTH_SECRET"
                )
            if alg not in SUPPORTED_ALGORITHMS:
                raise ValueError(f"BACKEND_ALGORITHMS: {alg!r} is not one of {', '.join(SUPPORTED_ALGORITHMS)}")
        return list(dict.fromkeys(value))

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*":
                raise ValueError(
                    "BACKEND_CORS_ORIGINS contains '*': this API sends credentials (cookies, Authorization), "
                    "and a wildcard with credentials lets any web site call it as the user. List the exact origins."
                )
            try:
                normal = origin_of(origin)
            except ValueError as exc:
                raise ValueError(f"BACKEND_CORS_ORIGINS: {exc}") from None
            if normal != origin:
                raise ValueError(
                    f"BACKEND_CORS_ORIGINS: {origin!r} is not an origin as browsers send it; use {normal!r} "
                    "(no path, no trailing slash)"
                )
        return value

    @model_validator(mode="after")
    def _derive(self) -> BackendSettings:
        origin = origin_of(self.better_auth_url)
        for name in ("issuer", "audience"):
            value = getattr(self, name)
            if value is None:
                setattr(self, name, origin)
            elif not value.strip():
                raise ValueError(f"BACKEND_{name.upper()} is empty; leave it unset to use {origin!r}")
        if self.jwks_max_stale is None:
            self.jwks_max_stale = 2 * self.jwks_cache_ttl
        elif self.jwks_max_stale < self.jwks_cache_ttl:
            raise ValueError(
                f"BACKEND_JWKS_MAX_STALE ({self.jwks_max_stale:g} s) is shorter than BACKEND_JWKS_CACHE_TTL "
                f"({self.jwks_cache_ttl:g} s): a key set would be distrusted before it is due for a refresh"
            )
        if self.jwks_url is None:
            self.jwks_url = self.auth_base_url + "/jwks"
        else:
            try:
                origin_of(self.jwks_url)
            except ValueError as exc:
                raise ValueError(f"BACKEND_JWKS_URL: {exc}") from None
        return self

    @property
    def auth_base_url(self) -> str:
        """Where Better Auth's routes live: the base URL's path if it has one, else ``/api/auth``."""
        path = urlsplit(self.better_auth_url).path.rstrip("/")
        return origin_of(self.better_auth_url) + (path or DEFAULT_AUTH_PATH)

    @property
    def get_session_url(self) -> str:
        return self.auth_base_url + "/get-session"

    @property
    def session_cookie_names(self) -> tuple[str, str]:
        """Better Auth's session cookie, plain and with the ``__Secure-`` prefix it uses over https."""
        name = f"{self.session_cookie_prefix}.session_token"
        return name, f"__Secure-{name}"

    @property
    def cookie_cache_names(self) -> tuple[str, str]:
        name = f"{self.session_cookie_prefix}.session_data"
        return name, f"__Secure-{name}"
