"""The embedded auth server: a Python stand-in for Better Auth 1.7 (emailAndPassword + jwt + bearer).

    from playground.issuer import IssuerConfig, create_app
    app = create_app(IssuerConfig(base_url="http://127.0.0.1:8001", secret=..., demo_password=...))

See README.md in this folder for the option format shared with the real Better Auth server.
"""

from playground.issuer.app import create_app
from playground.issuer.config import (
    CookieCache,
    DefaultSecretWarning,
    IssuerConfig,
    resolve_base_url,
    resolve_secret,
    resolve_trusted_origins,
)

__all__ = [
    "CookieCache",
    "DefaultSecretWarning",
    "IssuerConfig",
    "create_app",
    "resolve_base_url",
    "resolve_secret",
    "resolve_trusted_origins",
]
