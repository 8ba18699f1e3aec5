"""Lesson 04b's helpers: the stand-in issuer signs what Better Auth signs (checked against the
embedded issuer and the real better-auth), the in-process client runs the app's lifespan, and the
worked example's pytest file passes — and its override tests miss a misconfigured audience that
its honest tests catch."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from playground.auth_server import start_auth_server
from playground.backend.verify import decode_unverified
from playground.clock import Clock
from playground.lessons.testing import LocalIssuer, TestKeyPair, in_process_client, run_example_tests


@pytest.fixture(scope="module")
def issuer():
    with LocalIssuer(clock=Clock.frozen()) as issuer:
        yield issuer


def test_the_jwks_is_served_over_http_in_better_auths_shape(issuer):
    served = httpx.get(f"{issuer.url}/api/auth/jwks").json()
    (key,) = served["keys"]
    assert list(key) == ["alg", "crv", "x", "kty", "kid"]
    assert key["alg"] == "EdDSA" and key["crv"] == "Ed25519" and key["kid"] == issuer.key.kid
    assert re.fullmatch(r"[A-Za-z0-9]{32}", key["kid"])


def test_a_minted_token_verifies_with_the_served_key_and_carries_better_auths_claims(issuer):
    token = issuer.mint("ada", email="ada@example.com", role="admin")
    public = jwt.PyJWK(httpx.get(f"{issuer.url}/api/auth/jwks").json()["keys"][0])
    claims = jwt.decode(token, public, algorithms=["EdDSA"], audience=issuer.url, issuer=issuer.url,
                        options={"verify_exp": False, "verify_iat": False})  # the issuer's clock is frozen
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": issuer.key.kid}
    assert claims["sub"] == claims["id"] == "ada" and claims["role"] == "admin"
    assert claims["iat"] == int(issuer.clock.now()) and claims["exp"] - claims["iat"] == 15 * 60


def test_claims_override_and_foreign_keys_forge(issuer):
    other = TestKeyPair.generate()
    forged = issuer.mint("ada", signed_with=other, aud="https://elsewhere.example", exp=5)
    assert jwt.get_unverified_header(forged)["kid"] == other.kid
    claims = decode_unverified(forged).claims
    assert claims["aud"] == "https://elsewhere.example" and claims["exp"] == 5
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, issuer.key.private_key.public_key(), algorithms=["EdDSA"],
                   options={"verify_aud": False, "verify_exp": False})


@pytest.mark.parametrize("kind", ["embedded", pytest.param("better-auth", marks=pytest.mark.node)])
def test_the_stand_in_token_has_the_shape_of_a_real_one(issuer, kind):
    with start_auth_server(kind) as server, httpx.Client(base_url=server.url, timeout=10.0) as client:
        assert client.post("/api/auth/sign-in/email", headers={"origin": server.url},
                           json={"email": "grace@example.com", "password": server.demo_password}).status_code == 200
        real = decode_unverified(client.get("/api/auth/token").json()["token"])
    minted = decode_unverified(issuer.mint("grace"))
    assert set(minted.header) == set(real.header)
    # The playground's extra profile fields (role, softwareBackground, ...) are its own additionalFields.
    assert set(minted.claims) <= set(real.claims)
    core = {"id", "name", "email", "emailVerified", "createdAt", "updatedAt", "iat", "exp", "sub", "iss", "aud"}
    assert core <= set(minted.claims)
    assert real.claims["exp"] - real.claims["iat"] == minted.claims["exp"] - minted.claims["iat"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", minted.claims["createdAt"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", real.claims["createdAt"])


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_in_process_client_runs_the_lifespan(anyio_backend):
    events = []

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("hi"))], lifespan=lifespan)
    async with in_process_client(app) as client:
        assert (await client.get("/")).text == "hi"
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


OVERRIDE_TESTS = {"test_override_a_user_reads_her_notes", "test_override_purge_needs_the_admin_role"}
ACCEPTING_TESTS = {"test_a_token_from_better_auth_is_accepted", "test_the_admin_role_comes_from_the_token"}


def test_the_worked_example_passes():
    outcomes = run_example_tests()
    assert OVERRIDE_TESTS | ACCEPTING_TESTS <= set(outcomes) and len(outcomes) == 9
    assert set(outcomes.values()) == {"passed"}


def test_only_the_honest_tests_catch_a_wrong_audience():
    outcomes = run_example_tests({"BACKEND_AUDIENCE": "https://api.example.com"})
    assert {outcomes[name] for name in OVERRIDE_TESTS} == {"passed"}
    assert {outcomes[name] for name in ACCEPTING_TESTS} == {"failed"}
