"""Fixtures for the conformance suite: one real Better Auth and one embedded issuer per option set.

Servers are started lazily, once per (server kind, option set, variant) for the whole session,
and stopped at the end: a real Better Auth costs about a second to start, so each option set
pays that once, however many scenarios use it.
"""

from __future__ import annotations

import pytest

from playground.better_auth.launcher import node_available

from .servers import EMBEDDED, REAL, Target, start

# One entry per Better Auth configuration the suite exercises. Same JSON for both servers.
OPTION_SETS: dict[str, dict] = {
    "default": {},
    "cookie-cache-compact": {"session": {"cookieCache": {"enabled": True, "strategy": "compact", "maxAge": 300}}},
    "cookie-cache-jwt": {"session": {"cookieCache": {"enabled": True, "strategy": "jwt", "maxAge": 300}}},
    "cookie-cache-jwe": {"session": {"cookieCache": {"enabled": True, "strategy": "jwe", "maxAge": 300}}},
    "jwt-session-cookie-cache": {
        "session": {"cookieCache": {"enabled": True, "strategy": "jwt", "maxAge": 300}},
        "plugins": {"jwt": {"sessionCookieCache": True}},
    },
    "alg-ES256": {"plugins": {"jwt": {"jwks": {"keyPairConfig": {"alg": "ES256"}}}}},
    "alg-ES512": {"plugins": {"jwt": {"jwks": {"keyPairConfig": {"alg": "ES512"}}}}},
    "alg-PS256": {"plugins": {"jwt": {"jwks": {"keyPairConfig": {"alg": "PS256"}}}}},
    "alg-RS256": {"plugins": {"jwt": {"jwks": {"keyPairConfig": {"alg": "RS256"}}}}},
    # Seconds, so a test can watch a key expire and then leave the JWKS.
    "rotation": {"plugins": {"jwt": {"jwks": {"rotationInterval": 2, "gracePeriod": 2}}}},
    "secure-prefixed-cookies": {"advanced": {"useSecureCookies": True, "cookiePrefix": "myapp"}},
    "require-signature": {"plugins": {"bearer": {"requireSignature": True}}},
    "custom-claims": {
        "plugins": {
            "jwt": {
                "jwt": {
                    "expirationTime": "1h",
                    "issuer": "https://issuer.example",
                    "audience": ["https://api-one.example", "https://api-two.example"],
                    "definePayload": "minimal",
                }
            }
        }
    },
    "session-id-no-jwt-header": {
        "plugins": {"jwt": {"disableSettingJwtHeader": True, "jwt": {"definePayload": "with-session-id"}}}
    },
    "hs256-secret": {
        "plugins": {
            "jwt": {
                "sign": "hs256-secret",
                "jwks": {"remoteUrl": "https://keys.example/jwks", "keyPairConfig": {"alg": "EdDSA"}},
            }
        }
    },
}


class ServerPool:
    """Starts each (kind, option set, variant) once; remembers a failure so it is reported, not retried."""

    def __init__(self) -> None:
        self._targets: dict[tuple, Target | BaseException] = {}

    def get(self, kind: str, option_set: str, **variant) -> Target:
        """``variant``: keyword arguments of ``servers.start`` (own_base_url, teaching_controls, cors_origins)."""
        if kind == REAL:
            reason = node_available()
            if reason:  # a failure under PLAYGROUND_REQUIRE_ALL=1 (tests/conftest.py)
                pytest.skip(reason)
        key = (kind, option_set, tuple(sorted(variant.items())))
        if key not in self._targets:
            try:
                self._targets[key] = start(kind, OPTION_SETS[option_set], **variant)
            except Exception as exc:  # remembered: every test using this server reports the same cause
                self._targets[key] = exc
        target = self._targets[key]
        if isinstance(target, BaseException):
            raise RuntimeError(f"{kind} server for option set {option_set!r} did not start: {target!r}") from target
        return target

    def stop_all(self) -> None:
        for target in self._targets.values():
            if isinstance(target, Target):
                target.stop()


@pytest.fixture(scope="session")
def pool():
    servers = ServerPool()
    yield servers
    servers.stop_all()


@pytest.fixture
def real(pool, request) -> Target:
    return pool.get(REAL, getattr(request, "param", "default"))


@pytest.fixture
def embedded(pool, request) -> Target:
    return pool.get(EMBEDDED, getattr(request, "param", "default"))


@pytest.fixture(scope="session")
def backends():
    from .backend_check import BackendPool

    verifiers = BackendPool()
    yield verifiers
    verifiers.stop_all()
