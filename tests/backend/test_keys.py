"""The JWKS key source against a fake issuer on loopback: caching, rotation, outages, the loop."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fake_issuer import public_jwk, random_kid

from playground.backend import create_app
from playground.backend.errors import (
    InvalidTokenError,
    Reason,
    UpstreamUnavailableError,
)
from playground.backend.keys import JWKSKeySource, parse_jwks


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_keys_are_fetched_once_and_cached(api, issuer):
    for user in ("a", "b", "c"):
        assert api.get("/api/me", headers=bearer(issuer.mint(user_id=user))).status_code == 200
    assert issuer.fetches == 1


def test_a_rotated_key_is_picked_up_by_one_refetch(issuer, clock, serve):
    api = serve(create_app(issuer.settings(jwks_min_refetch_interval=0), clock=clock))
    assert api.get("/api/me", headers=bearer(issuer.mint())).status_code == 200
    issuer.rotate()
    assert api.get("/api/me", headers=bearer(issuer.mint())).status_code == 200
    assert issuer.fetches == 2


def test_refetches_are_rate_limited(issuer, clock, serve):
    api = serve(create_app(issuer.settings(jwks_min_refetch_interval=60), clock=clock))
    assert api.get("/api/me", headers=bearer(issuer.mint())).status_code == 200
    for _ in range(5):
        response = api.get("/api/me", headers=bearer(issuer.mint(header={"kid": random_kid()})))
        assert response.json()["reason"] == "unknown_kid"
    assert issuer.fetches == 1


def test_issuer_down_with_a_cold_cache_is_503(issuer, clock, serve, caplog):
    issuer.down = True
    api = serve(create_app(issuer.settings(), clock=clock))
    with caplog.at_level("WARNING", logger="playground.backend.errors"):
        response = api.get("/api/me", headers=bearer(issuer.mint()))
    assert response.status_code == 503
    # What an unauthenticated client may know, and no more: not the JWKS URL, not the upstream error.
    assert response.json() == {"detail": "authentication is temporarily unavailable", "reason": "jwks_unavailable"}
    assert response.headers["retry-after"] == "5"
    assert "www-authenticate" not in response.headers
    # The operator still gets both, in the server log.
    assert f"{issuer.url}/api/auth/jwks" in caplog.text and "HTTP 503" in caplog.text


def test_issuer_unreachable_is_503_not_500(clock, serve):
    from playground.backend import BackendSettings
    from playground.servers import free_port

    settings = BackendSettings(better_auth_url=f"http://127.0.0.1:{free_port()}", http_timeout=1)
    api = serve(create_app(settings, clock=clock))
    response = api.get("/api/me", headers=bearer("eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln"))
    assert response.status_code == 503
    assert response.json()["reason"] == "jwks_unavailable"


def test_issuer_down_with_a_warm_cache_keeps_verifying(issuer, clock, serve):
    settings = issuer.settings(jwks_cache_ttl=0.05, jwks_max_stale=600, jwks_min_refetch_interval=0)
    api = serve(create_app(settings, clock=clock))
    assert api.get("/api/me", headers=bearer(issuer.mint(user_id="warm"))).status_code == 200
    issuer.down = True
    time.sleep(0.1)  # the key set is now stale: every request starts a (failing) background refresh
    for user in ("a", "b", "c"):
        assert api.get("/api/me", headers=bearer(issuer.mint(user_id=user))).status_code == 200
    deadline = time.monotonic() + 5
    while issuer.fetches < 2:  # the background refresh did try (it runs behind the requests)
        assert time.monotonic() < deadline, "no background refresh of the stale key set"
        time.sleep(0.01)
    # A kid we have never seen cannot be checked while the issuer is down: 503, not 401.
    response = api.get("/api/me", headers=bearer(issuer.mint(header={"kid": random_kid()})))
    assert (response.status_code, response.json()["reason"]) == (503, "jwks_unavailable")


def test_a_key_removed_from_the_jwks_stops_validating_cached_tokens(issuer, clock, serve):
    app = create_app(issuer.settings(jwks_cache_ttl=0.05, jwks_min_refetch_interval=0), clock=clock)
    api = serve(app)
    token = issuer.mint()
    assert api.get("/api/me", headers=bearer(token)).status_code == 200
    assert len(app.state.verifier.cache) == 1
    issuer.published = []  # the key is revoked (or its rotation grace period ended)
    time.sleep(0.1)
    deadline = time.monotonic() + 5
    while api.get("/api/me", headers=bearer(token)).status_code == 200:
        assert time.monotonic() < deadline, "the removed key kept validating the cached token"
        time.sleep(0.02)
    assert api.get("/api/me", headers=bearer(token)).json()["reason"] == "unknown_kid"


def test_a_slow_jwks_fetch_does_not_block_other_requests(issuer, clock, serve):
    api = serve(create_app(issuer.settings(), clock=clock))
    issuer.delay = 2.0
    slow_result = []
    slow = threading.Thread(target=lambda: slow_result.append(api.get("/api/me", headers=bearer(issuer.mint()))))
    slow.start()
    time.sleep(0.2)  # the slow request is now waiting on the JWKS
    started = time.monotonic()
    with httpx.Client(base_url=api.base_url) as other:  # a second connection, as another client
        assert other.get("/api/public").status_code == 200
    assert time.monotonic() - started < 1.0  # far less than the 2 s the JWKS takes
    slow.join()
    assert slow_result[0].status_code == 200


def test_parse_jwks_keeps_only_usable_signing_keys():
    good = public_jwk(ed25519.Ed25519PrivateKey.generate(), "good")
    document = {
        "keys": [
            good,
            {"kty": "OKP", "crv": "Ed25519", "x": "not-a-key", "kid": "broken"},
            dict(public_jwk(ed25519.Ed25519PrivateKey.generate(), "enc"), use="enc"),
            {"kty": "EC", "crv": "P-256", "kid": "ec", "x": "AA", "y": "AA"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            "not an object",
            {"kty": "OKP", "crv": "Ed25519", "x": good["x"]},  # no kid
        ]
    }
    assert set(parse_jwks(document, {"EdDSA"})) == {"good"}


@pytest.mark.parametrize(
    "body, status", [({"nokeys": []}, 200), ([1, 2], 200), ({"keys": "x"}, 200), ({"keys": []}, 500)]
)
def test_bad_jwks_documents_are_outages_not_crashes(issuer, body, status):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from playground.servers import ServerThread

    async def jwks(request):
        return JSONResponse(body, status_code=status)

    server = ServerThread(Starlette(routes=[Route("/jwks", jwks)])).start()
    try:
        source = JWKSKeySource(server.url + "/jwks", algorithms=["EdDSA"])

        async def attempt():
            try:
                await source.get_key("k")
            finally:
                await source.aclose()

        with pytest.raises(UpstreamUnavailableError) as caught:
            asyncio.run(attempt())
        assert caught.value.reason is Reason.JWKS_UNAVAILABLE
    finally:
        server.stop()


def test_an_empty_key_set_means_unknown_kid(issuer):
    issuer.published = []
    source = JWKSKeySource(issuer.url + "/api/auth/jwks", algorithms=["EdDSA"])

    async def attempt():
        try:
            await source.get_key(issuer.kid)
        finally:
            await source.aclose()

    with pytest.raises(InvalidTokenError) as caught:
        asyncio.run(attempt())
    assert caught.value.reason is Reason.UNKNOWN_KID


class SteppedMonotonic:
    """A monotonic clock a test moves by hand (the key cache's ages, not token time)."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_stale_keys_are_trusted_for_at_most_max_stale_while_the_jwks_is_down(issuer):
    monotonic = SteppedMonotonic()
    source = JWKSKeySource(
        issuer.url + "/api/auth/jwks",
        algorithms=["EdDSA"],
        ttl=10,
        max_stale=20,
        min_refetch_interval=0,
        monotonic=monotonic,
    )

    async def scenario() -> None:
        try:
            await source.get_key(issuer.kid)
            issuer.down = True
            monotonic.value += 19.9  # stale (past the TTL) but within the bound: still trusted
            assert source.has_key(issuer.kid)
            await source.get_key(issuer.kid)
            await source.refresh()  # let the failing background refresh settle
            monotonic.value += 0.1  # 20 s after the last good fetch: no longer
            assert not source.has_key(issuer.kid)  # a cached token must be verified again
            with pytest.raises(UpstreamUnavailableError) as caught:
                await source.get_key(issuer.kid)
            assert caught.value.reason is Reason.JWKS_UNAVAILABLE
            issuer.down = False  # one good fetch restores trust
            assert (await source.get_key(issuer.kid)).key_id == issuer.kid
            assert source.has_key(issuer.kid)
        finally:
            await source.aclose()

    asyncio.run(scenario())


def test_the_stale_bound_defaults_to_twice_the_ttl_like_better_auth(issuer):
    assert issuer.settings().jwks_max_stale == 600
    assert issuer.settings(jwks_cache_ttl=60).jwks_max_stale == 120
    assert JWKSKeySource.from_settings(issuer.settings(jwks_cache_ttl=60))._max_stale == 120


def test_a_cached_token_stops_verifying_once_its_key_set_is_too_old(issuer, clock, serve):
    settings = issuer.settings(jwks_cache_ttl=0.05, jwks_max_stale=0.1, jwks_min_refetch_interval=0)
    app = create_app(settings, clock=clock)
    api = serve(app)
    token = issuer.mint()
    assert api.get("/api/me", headers=bearer(token)).status_code == 200
    assert token in app.state.verifier.cache
    issuer.down = True
    time.sleep(0.15)  # past the bound: the token cache may not answer for this token either
    response = api.get("/api/me", headers=bearer(token))
    assert (response.status_code, response.json()["reason"]) == (503, "jwks_unavailable")
