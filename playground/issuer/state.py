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

    async def current_session(self, exchange: Exchange, *, use_cache: bool = True) -> dict[str, Any] | None:
        """``getSession``: the session of the signed cookie, refreshed when due; ``None`` if none.
        ``use_cache=False`` (``?disableCookieCache``) reads the store even when a cache cookie is sent."""
        token = self.signed_cookie(exchange, self.cookies.session_token)
        cache = self.config.cookie_cache if use_cache else None
        if not token:
            return None
        dont_remember = self.signed_cookie(exchange, self.cookies.dont_remember) is not None
        if cache is not None:
            cached = exchange.cookies.get(self.cookies.session_data)
            if cached:
                hit = cookie_cache.decode(self, cached, exchange.origin)
                fresh = hit is not None and not self.sessions.is_expired(hit["session"])
                if fresh and hit["session"]["token"] == token:
                    return hit
                exchange.expire_cookie(self.cookies, self.cookies.session_data)
        result = await run_in_threadpool(self.sessions.find, token)
        if result is None or self.sessions.is_expired(result["session"]):
            self.delete_session_cookies(exchange)
            if result is not None:
                self.sessions.delete(token)
            return None
        if not dont_remember and self.sessions.needs_refresh(result["session"]):
            result = {**result, "session": self.sessions.refresh(result["session"])}
            self.set_session_cookie(exchange, result, dont_remember=False)
            return result
        self.set_cache_cookie(exchange, result, dont_remember=dont_remember)
        return result

    def signed_cookie(self, exchange: Exchange, name: str) -> str | None:
        value = exchange.cookies.get(name)
        return verify_signed(value, self.config.secret) if value else None
