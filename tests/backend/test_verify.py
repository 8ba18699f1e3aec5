"""TokenVerifier end to end against the fake issuer: clock, leeway, cache and failures."""

from __future__ import annotations

import asyncio

import pytest

from playground.backend.errors import InvalidTokenError, Reason
from playground.backend.keys import JWKSKeySource
from playground.backend.verify import TokenVerifier, claim_problems, decode_unverified


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def make_verifier(issuer, clock):
    def make(**settings):
        s = issuer.settings(**settings)
        return TokenVerifier.from_settings(s, JWKSKeySource.from_settings(s), clock)

    return make


async def verify(verifier, token):
    try:
        return await verifier.verify(token)
    finally:
        await verifier.key_source.aclose()


def reason_of(verifier, token) -> Reason:
    with pytest.raises(InvalidTokenError) as caught:
        run(verify(verifier, token))
    return caught.value.reason


def test_time_is_checked_against_the_injected_clock(make_verifier, issuer, clock):
    token = issuer.mint()  # iat = frozen clock, which is not today's date
    assert run(verify(make_verifier(), token)).claims["sub"] == "user-ada"
    clock.shift(900)
    assert reason_of(make_verifier(), token) is Reason.EXPIRED


def test_leeway_tolerates_small_skew_only(make_verifier, issuer, clock):
    token = issuer.mint(iat=int(clock.now()) + 20)  # issuer's clock 20 s ahead
    assert reason_of(make_verifier(), token) is Reason.ISSUED_IN_FUTURE
    assert run(verify(make_verifier(leeway_seconds=30), token)).claims["sub"] == "user-ada"
    expired = issuer.mint(exp=int(clock.now()) - 20)
    assert run(verify(make_verifier(leeway_seconds=30), expired)) is not None
    assert reason_of(make_verifier(leeway_seconds=10), expired) is Reason.EXPIRED


def test_a_cached_token_still_expires_on_the_clock(make_verifier, issuer, clock):
    verifier = make_verifier()
    token = issuer.mint()

    async def scenario():
        await verifier.verify(token)
        assert len(verifier.cache) == 1
        clock.shift(900)
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(token)
        await verifier.key_source.aclose()
        return caught.value.reason

    assert run(scenario()) is Reason.EXPIRED


def test_failures_are_never_cached(make_verifier, issuer):
    verifier = make_verifier()
    reason_of(verifier, issuer.mint(aud="http://other.example"))
    assert len(verifier.cache) == 0


def test_custom_issuer_and_audience(make_verifier, issuer):
    verifier = make_verifier(issuer="https://auth.example.com", audience="https://api.example.com")
    token = issuer.mint(iss="https://auth.example.com", aud="https://api.example.com")
    assert run(verify(verifier, token)).claims["iss"] == "https://auth.example.com"
    assert reason_of(make_verifier(audience="https://api.example.com"), issuer.mint()) is Reason.WRONG_AUDIENCE


def test_claim_problems_lists_every_problem():
    problems = claim_problems({"exp": 10, "iat": 20, "iss": "x"}, issuer="y", audience="a", now=100)
    assert [p.reason for p in problems] == [
        Reason.MISSING_CLAIM,
        Reason.MISSING_CLAIM,
        Reason.EXPIRED,
        Reason.WRONG_ISSUER,
    ]


def test_decode_unverified_refuses_oversized_input_before_parsing():
    with pytest.raises(InvalidTokenError) as caught:
        decode_unverified("x" * 10_000, max_token_bytes=8192)
    assert caught.value.reason is Reason.TOKEN_TOO_LARGE
