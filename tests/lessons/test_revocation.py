"""Lesson 07c's timeline measurement (time order, events, the real issuer's horizon, rendering)
and the replay fact it rests on, against the embedded issuer and the real better-auth: after
sign-out a stolen session cookie alone is dead, but together with the cookie cache it still gets
a session and a fresh JWT from Better Auth until the cache's maxAge, unless the read bypasses the
cache (``?disableCookieCache``)."""

from __future__ import annotations

import httpx
import pytest

from playground.auth_server import start_auth_server
from playground.clock import Clock
from playground.lessons.revocation import Probe, measure


def test_probes_are_asked_in_time_order_after_the_events_of_each_moment():
    clock = Clock.frozen(1000)
    signed_out = []
    probes = [Probe("jwt", lambda: clock.now() < 1900),
              Probe("session", lambda: not signed_out),
              Probe("cache", lambda: clock.now() < 1300, issuer_clock=True)]
    timeline = measure(probes, [0, 60, 299, 301, 901], now=clock.now, advance=clock.shift,
                       events={60: ("sign-out", lambda: signed_out.append(clock.now()))})
    assert signed_out == [1060]  # the event ran once, at its moment, before that moment's probes
    assert timeline.rows == {"jwt": (True, True, True, True, False),
                             "session": (True, False, False, False, False),
                             "cache": (True, True, True, False, False)}
    assert timeline.answer("cache", 299) is True and clock.now() == 1901


def test_an_immovable_issuer_clock_leaves_later_issuer_probes_unmeasured():
    clock = Clock.frozen(0)
    probes = [Probe("backend", lambda: True), Probe("issuer", lambda: True, issuer_clock=True)]
    timeline = measure(probes, [0, 61, 301], now=clock.now, advance=clock.shift, issuer_horizon=61)
    assert timeline.rows == {"backend": (True, True, True), "issuer": (True, True, None)}


def test_the_table_shows_moments_answers_and_events():
    clock = Clock.frozen(0)
    timeline = measure([Probe("a", lambda: clock.now() < 90), Probe("b", lambda: False, issuer_clock=True)],
                       [0, 125], now=clock.now, advance=clock.shift, issuer_horizon=0,
                       events={60: ("sign-out", lambda: None)})
    assert timeline.to_markdown().splitlines() == [
        "| credential → checked by | 0:00 | 2:05 |", "|---|---|---|",
        "| a | ✓ | ✗ |", "| b | ✗ | – |", "", "Events: 1:00 sign-out."]


def test_offsets_count_from_an_explicit_start_in_the_past():
    clock = Clock.frozen(1000)
    issued_at = 990  # real seconds passed between issuing the credential and measuring
    timeline = measure([Probe("jwt", lambda: clock.now() < issued_at + 900)], [30, 899, 901],
                       now=clock.now, advance=clock.shift, start=issued_at)
    assert timeline.rows == {"jwt": (True, True, False)} and clock.now() == issued_at + 901
    with pytest.raises(ValueError, match="already passed"):
        measure([Probe("a", lambda: True)], [5], now=clock.now, advance=clock.shift, start=clock.now() - 10)


@pytest.mark.parametrize("offsets", [[], [5, 1], [0, 0], [-1, 2]])
def test_offsets_must_be_increasing_and_non_negative(offsets):
    clock = Clock.frozen(0)
    with pytest.raises(ValueError, match="offsets"):
        measure([Probe("a", lambda: True)], offsets, now=clock.now, advance=clock.shift)


def test_probe_labels_must_be_distinct():
    clock = Clock.frozen(0)
    with pytest.raises(ValueError, match="distinct"):
        measure([Probe("a", lambda: True), Probe("a", lambda: False)], [0], now=clock.now, advance=clock.shift)


CACHE = {"session": {"cookieCache": {"enabled": True, "strategy": "jwt", "maxAge": 300}}}


@pytest.mark.parametrize("kind", ["embedded", pytest.param("better-auth", marks=pytest.mark.node)])
def test_a_stolen_cookie_pair_outlives_sign_out_until_the_cache_expires(kind):
    clock = Clock.frozen() if kind == "embedded" else None
    with start_auth_server(kind, options=CACHE, clock=clock) as server, \
            httpx.Client(base_url=server.url, timeout=10.0) as victim:
        assert victim.post("/api/auth/sign-in/email", headers={"origin": server.url},
                           json={"email": "grace@example.com", "password": server.demo_password}).status_code == 200
        stolen = dict(victim.cookies.items())
        assert set(stolen) == {"better-auth.session_token", "better-auth.session_data"}
        assert victim.post("/api/auth/sign-out", headers={"origin": server.url}).status_code == 200

        def get(path, names):
            cookie = "; ".join(f"{name}={stolen[name]}" for name in names)
            return httpx.get(f"{server.url}/api/auth/{path}", headers={"cookie": cookie}, timeout=10.0)

        assert get("get-session", ["better-auth.session_token"]).json() is None
        pair = ["better-auth.session_token", "better-auth.session_data"]
        assert get("get-session", pair).json()["user"]["email"] == "grace@example.com"
        assert get("token", pair).status_code == 200
        # Sensitive reads bypass the cache (zod coerces any non-empty value, "false" too, to true).
        assert get("get-session?disableCookieCache=true", pair).json() is None
        assert get("get-session?disableCookieCache=false", pair).json() is None
        if clock is not None:  # only the embedded issuer's clock can pass the cache's maxAge
            clock.shift(301)
            assert get("get-session", pair).json() is None
            assert get("token", pair).status_code == 401
