"""The state of one embedded Better Auth server, and the session-cookie steps its endpoints share.

``Issuer`` owns the store, the session and key logic, and does what Better Auth's
``setSessionCookie``, ``deleteSessionCookie`` and ``getSession`` do with cookies: sign them, add
the cookie cache, refresh a session that is due, and drop cookies that no longer verify.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from playground.issuer import cookie_cache
from playground.issuer.config import IssuerConfig
from playground.issuer.cookies import CookieNames, encode_uri_component, sign_value, verify_signed
from playground.issuer.exchange import Exchange
from playground.issuer.randomness import Randomness
from playground.issuer.sessions import Sessions
from playground.issuer.store import Store
from playground.issuer.tokens import Signer


class Issuer:
    def __init__(self, config: IssuerConfig) -> None:
        self.config = config
        self.store = Store(config.database)
        self.rng = Randomness(deterministic=config.deterministic)
        self.sessions = Sessions(config, self.store, self.rng)
        self.signer = Signer(config, self.store, self.rng)
        self.cookies = CookieNames(prefix=config.cookie_prefix, secure=config.secure_cookies)
        if config.demo_password is not None:
            self.sessions.seed_demo_users(config.demo_password)

    def trusted_origins(self, exchange: Exchange) -> list[str]:
        return [exchange.origin, *self.config.trusted_origins]

    def set_session_cookie(self, exchange: Exchange, result: dict[str, Any], *, dont_remember: bool) -> None:
        token = result["session"]["token"]
        value = encode_uri_component(sign_value(token, self.config.secret))
        max_age = None if dont_remember else self.config.session_expires_in
        exchange.set_cookie(self.cookies.set_cookie(self.cookies.session_token, value, max_age))
        if dont_remember:
            remember = encode_uri_component(sign_value("true", self.config.secret))
            exchange.set_cookie(self.cookies.set_cookie(self.cookies.dont_remember, remember, None))
        elif self.signed_cookie(exchange, self.cookies.dont_remember):
            exchange.expire_cookie(self.cookies, self.cookies.dont_remember)
        self.set_cache_cookie(exchange, result, dont_remember=dont_remember)
        exchange.session = result

    def set_cache_cookie(self, exchange: Exchange, result: dict[str, Any], *, dont_remember: bool) -> None:
        cache = self.config.cookie_cache
        if cache is None:
            return
        max_age = None if dont_remember else cache.max_age
        value = cookie_cache.encode(self, result, max_age, exchange.origin)
        exchange.set_cookie(self.cookies.set_cookie(self.cookies.session_data, value, max_age))

    def delete_session_cookies(self, exchange: Exchange) -> None:
        for name in (self.cookies.session_token, self.cookies.session_data, self.cookies.dont_remember):
            exchange.expire_cookie(self.cookies, name)

    async def current_session(self, exchange: Exchange, *, disable_cookie_cache: bool = False,
                              disable_refresh: bool = False) -> dict[str, Any] | None:
        """``getSession`` (``better-auth/dist/api/routes/session.mjs``), step for step.

        The session of the signed cookie, from the cache cookie when it is valid, else from
        storage (then refreshed when due, and the cache cookie re-issued); ``None`` if none. The
        ``disableCookieCache`` / ``disableRefresh`` query flags skip the cache or the refresh.
        """
        cache_enabled = self.config.cookie_cache is not None
        token = self.signed_cookie(exchange, self.cookies.session_token)
        if not token and cache_enabled:
            return None
        cached = exchange.cookies.get(self.cookies.session_data)
        if cached and not cache_enabled:  # a stale cache cookie from another configuration
            exchange.expire_cookie(self.cookies, self.cookies.session_data)
        if not token:
            return None
        use_cache = cache_enabled and not disable_cookie_cache
        hit = cookie_cache.decode(self, cached, exchange.origin) if use_cache and cached else None
        if use_cache and cached and hit is None:
            exchange.expire_cookie(self.cookies, self.cookies.session_data)
        dont_remember = self.signed_cookie(exchange, self.cookies.dont_remember) is not None
        if hit is not None:
            if hit["session"]["token"] == token and not self.sessions.is_expired(hit["session"]):
                return hit
            exchange.expire_cookie(self.cookies, self.cookies.session_data)
        result = await run_in_threadpool(self.sessions.find, token)
        if result is None or self.sessions.is_expired(result["session"]):
            self.delete_session_cookies(exchange)
            if result is not None:
                self.sessions.delete(token)
            return None
        if dont_remember or disable_refresh:  # returned as stored: no refresh, no cookie written
            return result
        if self.sessions.needs_refresh(result["session"]):
            result = {**result, "session": self.sessions.refresh(result["session"])}
            self.set_session_cookie(exchange, result, dont_remember=False)
            return result
        self.set_cache_cookie(exchange, result, dont_remember=False)
        return result

    def signed_cookie(self, exchange: Exchange, name: str) -> str | None:
        value = exchange.cookies.get(name)
        return verify_signed(value, self.config.secret) if value else None
