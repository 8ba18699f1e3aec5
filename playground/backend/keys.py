"""Where verification keys come from: Better Auth's JWK Set, fetched over HTTP and cached.

Security rules:

* Keys come only from the configured JWKS URL — never from the token (``jku``, ``jwk``, ``x5u``
  and ``x5c`` are rejected in ``verify``).
* Only keys for the configured algorithms are kept; a key listed for another algorithm is skipped.
* An unknown ``kid`` triggers at most one refetch, concurrent misses share that one fetch, and
  refetches are rate-limited: a flood of tokens with random kids costs at most one fetch per
  ``min_refetch_interval`` seconds, not one per request.
* When the issuer is down, keys already fetched keep verifying (stale-while-revalidate), but only
  for ``max_stale`` seconds after the fetch that produced them (2 x ``ttl`` by default, as Better
  Auth's own verifier): a key the issuer rotated out meanwhile would otherwise verify for ever.
  When no usable key can be had a request gets a 503 (``jwks_unavailable``), never a 401.

Fetching is async (httpx) so it never blocks the event loop — unlike PyJWT's ``PyJWKClient``,
which uses urllib under a lock — and bounded (``upstream``): at most ``MAX_JWKS_BYTES``, read as a
stream and abandoned at the cap, within one deadline of ``timeout`` seconds for the whole fetch.
Cache ages use a monotonic clock, not the injected token clock: freezing or shifting token time
must not freeze or expire the key cache.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from .errors import InvalidTokenError, Reason, UpstreamUnavailableError
from .settings import BackendSettings
from .upstream import UpstreamError, get_bounded, tls_context

#: A JWK Set larger than this is not a key set (Better Auth's holds one key per rotation).
MAX_JWKS_BYTES = 256 * 1024


class JWKSKeySource:
    """An async, cached, rate-limited view of one JWK Set URL."""

    def __init__(
        self,
        jwks_url: str,
        *,
        algorithms: list[str],
        ttl: float = 300.0,
        max_stale: float | None = None,
        min_refetch_interval: float = 5.0,
        timeout: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_url = jwks_url
        self._algorithms = frozenset(algorithms)
        self._ttl = ttl
        self._max_stale = 2 * ttl if max_stale is None else max_stale
        self._min_refetch_interval = min_refetch_interval
        self._timeout = timeout
        self._monotonic = monotonic
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last fetch attempt, successful or not
        self._last_error: str | None = None  # None when the last attempt succeeded
        self._inflight: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        #: Number of HTTP fetches made (tests and lessons assert on it).
        self.fetch_count = 0

    @classmethod
    def from_settings(cls, settings: BackendSettings, **overrides: Any) -> JWKSKeySource:
        options: dict[str, Any] = dict(
            algorithms=settings.algorithms,
            ttl=settings.jwks_cache_ttl,
            max_stale=settings.jwks_max_stale,
            min_refetch_interval=settings.jwks_min_refetch_interval,
            timeout=settings.http_timeout,
        )
        assert settings.jwks_url is not None  # BackendSettings derives it when it is not given
        return cls(settings.jwks_url, **(options | overrides))

    @property
    def keys(self) -> Mapping[str, PyJWK]:
        """The keys currently known, by kid (possibly stale while the issuer is down)."""
        return dict(self._keys)

    def has_key(self, kid: str) -> bool:
        """Whether ``kid`` is in the last key set fetched. The token cache asks on every hit, so this
        also starts a background refresh when the set is stale: a key removed from the JWKS must
        stop validating cached tokens within one TTL, even if no request ever misses the cache.
        Past ``max_stale`` no key counts as present: the token is verified again, by ``get_key``."""
        now = self._monotonic()
        if self._is_stale(now):
            self._refresh_in_background()
        return kid in self._keys and not self._is_too_old(now)

    async def get_key(self, kid: str) -> PyJWK:
        """The key for ``kid``; raises ``InvalidTokenError(unknown_kid)`` or ``UpstreamUnavailableError``."""
        now = self._monotonic()
        if self._is_too_old(now):
            # Too old to trust: only a successful fetch lets these keys (or new ones) verify again.
            if self._inflight is not None or self._may_fetch(now):
                await self.refresh()
            if self._is_too_old(self._monotonic()):
                raise self._unavailable()
        key = self._keys.get(kid)
        if key is not None:
            if self._is_stale(now):
                self._refresh_in_background()
            return key
        if self._inflight is not None or self._may_fetch(now):
            await self.refresh()
            key = self._keys.get(kid)
            if key is not None:
                return key
        if self._last_error is not None:
            raise self._unavailable()
        raise InvalidTokenError(Reason.UNKNOWN_KID, f"no key with this kid in the issuer's JWKS ({self.jwks_url})")

    async def refresh(self) -> None:
        """Fetch the key set now, joining a fetch already in flight instead of starting another."""
        # shield: a client that disconnects cancels its own request, not the fetch others wait on.
        await asyncio.shield(self._start_fetch())

    def _is_stale(self, now: float) -> bool:
        return self._fetched_at is not None and now - self._fetched_at >= self._ttl

    def _is_too_old(self, now: float) -> bool:
        return self._fetched_at is not None and now - self._fetched_at >= self._max_stale

    def _unavailable(self) -> UpstreamUnavailableError:
        # The URL and the error are for the server log; the client sees only the reason code.
        return UpstreamUnavailableError(
            Reason.JWKS_UNAVAILABLE,
            f"the signing keys could not be fetched from {self.jwks_url} ({self._last_error or 'no fetch yet'})",
        )

    def _refresh_in_background(self) -> None:
        # Stale-while-revalidate: answer with the keys we have and refresh behind the request, so
        # a slow or down issuer never adds latency to requests whose key is known.
        if self._inflight is None and self._may_fetch(self._monotonic()):
            self._start_fetch()

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refetch_interval

    def _start_fetch(self) -> asyncio.Task[None]:
        if self._inflight is None:
            self._attempted_at = self._monotonic()
            self._inflight = asyncio.get_running_loop().create_task(self._fetch())
        return self._inflight

    async def _fetch(self) -> None:
        try:
            self.fetch_count += 1
            self._keys = await self._download()
            self._fetched_at = self._monotonic()
            self._last_error = None
        except Exception as exc:
            # Keep the old keys: serving them while the issuer is down is the point of the cache.
            self._last_error = str(exc) or type(exc).__name__
        finally:
            self._inflight = None

    async def _download(self) -> dict[str, PyJWK]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, verify=tls_context())
        status, body = await get_bounded(
            self._client,
            self.jwks_url,
            headers={"Accept": "application/json"},
            max_bytes=MAX_JWKS_BYTES,
            deadline=self._timeout,
        )
        if status != 200:
            raise UpstreamError(f"HTTP {status} from the JWKS URL")
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise UpstreamError("the JWKS response is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise UpstreamError("the JWKS response has no 'keys' list")
        return parse_jwks(document, self._algorithms)

    async def aclose(self) -> None:
        if self._inflight is not None:
            await asyncio.shield(self._inflight)
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def parse_jwks(document: dict[str, Any], algorithms: frozenset[str] | set[str]) -> dict[str, PyJWK]:
    """The usable signing keys of a JWK Set, by kid. Keys that are unusable here are skipped, not fatal:
    one odd entry (an encryption key, another algorithm) must not take the whole set down."""
    keys: dict[str, PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str) or entry.get("use", "sig") != "sig":
            continue
        try:
            key = PyJWK(entry)
        except (PyJWTError, ValueError, TypeError):
            continue
        if key.algorithm_name in algorithms:
            keys[entry["kid"]] = key
    return keys
