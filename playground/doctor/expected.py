"""Stage 1, expected values: what the token is checked against, and where each value came from.

The backend derives everything from ``BETTER_AUTH_URL``; the doctor follows it, and lets the
caller name each value instead. Precedence, most explicit first:

* issuer: given, else the origin of the base URL (``BETTER_AUTH_URL``), else the origin of the
  JWKS URL (a guess: see ``Expected.from_jwks_url``);
* audience: given, else the base URL's origin, else the expected issuer (Better Auth gives
  ``iss`` and ``aud`` the same value unless configured otherwise);
* JWKS URL: given, else ``{issuer}/api/auth/jwks`` for a given issuer (its origin; the base
  URL's path instead of ``/api/auth`` when the base URL has the same origin), else
  ``<base URL>/api/auth/jwks``.

Security rule: nothing here comes from the token. With none of the three given, there is no
expected issuer and no key source, and the key stage refuses to fetch keys from wherever the
token's own ``iss`` points (a token cannot vouch for itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from playground.backend.settings import DEFAULT_AUTH_PATH, SUPPORTED_ALGORITHMS, origin_of


class ConfigurationError(ValueError):
    """The options cannot be used (a usage error, exit status 2 in the CLI); the message names the option."""


@dataclass(frozen=True)
class Expected:
    """The configuration one diagnosis checks a token against."""

    issuer: str | None
    audience: str | None
    jwks_url: str | None
    algorithms: tuple[str, ...]
    leeway: float
    now: float
    #: Where each derived value came from (``issuer``/``audience``/``jwks_url`` -> a phrase);
    #: values the caller gave are not listed.
    sources: dict[str, str]

    def from_jwks_url(self, name: str) -> bool:
        """Whether ``name`` (issuer or audience) is only the JWKS URL's origin: a guess that is wrong
        whenever the JWKS URL is."""
        return self.sources.get(name) == _FROM_JWKS_URL

    def rows(self) -> dict[str, str]:
        """The expected values as the report shows them (a derived value says where it came from)."""
        def shown(name: str, value: str | None) -> str:
            if value is None:
                return "not given (see the key finding)"
            source = self.sources.get(name)
            return f"{value} ({source})" if source else value

        return {
            "issuer": shown("issuer", self.issuer),
            "audience": shown("audience", self.audience),
            "jwks_url": shown("jwks_url", self.jwks_url),
            "algorithms": ", ".join(self.algorithms),
            "leeway": f"{self.leeway:g} s",
            "now": when(self.now) or f"{self.now:.0f}",
        }


_FROM_JWKS_URL = "origin of the JWKS URL"
_FROM_BASE_URL = "origin of BETTER_AUTH_URL"


def when(epoch: object) -> str | None:
    """``epoch`` as an ISO 8601 UTC instant, or None when it is not a representable time (a token's
    ``exp`` can be ``10**400``, ``-1e300`` or a string: the doctor must never crash describing it)."""
    try:
        return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[arg-type]
    except (OverflowError, OSError, TypeError, ValueError):
        return None


def _origin(url: str, what: str) -> str:
    try:
        return origin_of(url)
    except ValueError:
        raise ConfigurationError(f"{what} {url!r} is not an http(s) URL with a host") from None


def expected_values(
    *,
    issuer: str | None,
    audience: str | None,
    jwks_url: str | None,
    base_url: str | None,
    algorithms: list[str],
    leeway: float,
    now: float,
) -> Expected:
    """The expected values for these options; ``ConfigurationError`` if they cannot be used."""
    if not math.isfinite(leeway) or leeway < 0:
        # A NaN leeway would make every time comparison false: a token that never expires.
        raise ConfigurationError(f"the leeway must be a finite number of seconds >= 0, not {leeway!r}")
    if not algorithms or any(a not in SUPPORTED_ALGORITHMS for a in algorithms):
        raise ConfigurationError(f"the algorithms must be among {', '.join(SUPPORTED_ALGORITHMS)}")
    sources: dict[str, str] = {}
    base_origin = _origin(base_url, "BETTER_AUTH_URL") if base_url else None
    if jwks_url is not None:
        _origin(jwks_url, "the JWKS URL")

    if issuer is None and base_origin is not None:
        issuer, sources["issuer"] = base_origin, _FROM_BASE_URL
    elif issuer is None and jwks_url is not None:
        issuer, sources["issuer"] = origin_of(jwks_url), _FROM_JWKS_URL

    if audience is None and base_origin is not None:
        audience, sources["audience"] = base_origin, _FROM_BASE_URL
    elif audience is None and issuer is not None:
        audience, sources["audience"] = issuer, sources.get("issuer", "same as the issuer")

    if jwks_url is None:
        if "issuer" not in sources and issuer is not None:
            try:
                issuer_origin = origin_of(issuer)
            except ValueError:
                raise ConfigurationError(
                    f"the issuer {issuer!r} is not a URL, so the JWKS URL cannot be derived from it: "
                    "give the JWKS URL (--jwks-url)"
                ) from None
            path = _auth_path(base_url) if issuer_origin == base_origin else DEFAULT_AUTH_PATH
            jwks_url, sources["jwks_url"] = issuer_origin + path + "/jwks", "from the issuer"
        elif base_url is not None:
            jwks_url, sources["jwks_url"] = base_origin + _auth_path(base_url) + "/jwks", "from BETTER_AUTH_URL"

    return Expected(issuer=issuer, audience=audience, jwks_url=jwks_url, algorithms=tuple(algorithms),
                    leeway=leeway, now=now, sources=sources)


def _auth_path(base_url: str | None) -> str:
    # Better Auth's routes live under the base URL's path when it has one (as in the backend).
    path = urlsplit(base_url).path.rstrip("/") if base_url else ""
    return path or DEFAULT_AUTH_PATH
