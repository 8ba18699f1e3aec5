"""The verified-token cache: each invariant from playground/backend/token_cache.py, pinned."""

from __future__ import annotations

import pytest

from playground.backend.token_cache import VerifiedTokenCache
from playground.backend.verify import VerifiedToken
from playground.clock import Clock

NOW = 1_767_258_000


def entry(iat=NOW, exp=NOW + 900, kid="k1", **claims) -> VerifiedToken:
    return VerifiedToken(header={"alg": "EdDSA", "kid": kid}, claims={"iat": iat, "exp": exp, **claims})


def always(kid: str) -> bool:
    return True


@pytest.fixture
def clock():
    return Clock.frozen(NOW)


def test_a_hit_is_only_for_the_exact_token(clock):
    cache = VerifiedTokenCache(10, clock)
    cache.put("a.b.c", entry())
    assert cache.get("a.b.c", always) is not None
    assert cache.get("a.b.C", always) is None
    assert cache.get("a.b.c ", always) is None


def test_an_entry_never_outlives_exp(clock):
    cache = VerifiedTokenCache(10, clock)
    cache.put("t", entry(exp=NOW + 10))
    clock.shift(9.9)
    assert cache.get("t", always) is not None
    clock.shift(0.1)
    assert cache.get("t", always) is None
    assert len(cache) == 0  # and it is gone, not just hidden


def test_an_entry_does_not_apply_before_iat_or_nbf(clock):
    cache = VerifiedTokenCache(10, clock)
    cache.put("t", entry(iat=NOW - 100, nbf=NOW - 50))
    clock.shift(-51)  # a lesson moved the clock back
    assert cache.get("t", always) is None


def test_an_entry_dies_with_its_key(clock):
    cache = VerifiedTokenCache(10, clock)
    cache.put("t", entry(kid="k1"))
    assert cache.get("t", lambda kid: kid != "k1") is None
    assert cache.get("t", always) is None  # removed, must be re-verified


def test_the_cache_is_bounded_lru(clock):
    cache = VerifiedTokenCache(2, clock)
    cache.put("a", entry())
    cache.put("b", entry())
    cache.get("a", always)  # a is now the most recent
    cache.put("c", entry())
    assert len(cache) == 2
    assert cache.get("b", always) is None
    assert cache.get("a", always) is not None and cache.get("c", always) is not None


def test_size_zero_is_refused(clock):
    with pytest.raises(ValueError):
        VerifiedTokenCache(0, clock)
