"""Lesson 03c's helpers against real tokens: what each JOSE library does with Better Auth's EdDSA
token (pinned to the installed releases), and the bridge's JWT mode accepting a real token and
refusing forged ones — against the embedded issuer, and the real better-auth when Node is here."""

from __future__ import annotations

import importlib
import re

import fastapi_better_auth
import httpx
import jwt
import pytest

from playground.auth_server import start_auth_server
from playground.lessons import libraries
from playground.lessons.attack_lab import attacker_key, ed25519, forge, split, tamper


@pytest.fixture
def anyio_backend():
    return "asyncio"


def _signed_in_token(server) -> tuple[str, dict]:
    with httpx.Client(base_url=server.url + "/api/auth", timeout=30) as client:
        client.post("/sign-in/email", json={"email": "ada@example.com", "password": server.demo_password}
                    ).raise_for_status()
        return client.get("/token").json()["token"], client.get("/jwks").json()


@pytest.fixture(scope="module")
def issued():
    """A token timed by the wall clock (the auth server follows the system clock here), its JWKS
    and the server's origin (``iss`` and ``aud``)."""
    with start_auth_server("embedded") as server:
        token, jwks = _signed_in_token(server)
        yield token, jwks, server.origin


def test_better_auth_tokens_say_eddsa_not_the_rfc_9864_name(issued):
    token, jwks, _ = issued
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    assert {key["alg"] for key in jwks["keys"]} == {"EdDSA"}
    assert "EdDSA" in jwt.algorithms.get_default_algorithms()
    assert "Ed25519" not in jwt.algorithms.get_default_algorithms()  # PyJWT 2.15 predates RFC 9864


def test_python_jose_cannot_load_an_okp_key_at_all(issued):
    token, jwks, origin = issued
    outcome = libraries.try_python_jose(token, jwks, issuer=origin, audience=origin)
    assert outcome == libraries.Outcome("python-jose", False, "JWKError: Unable to find an algorithm for key")


def test_pyjwt_verifies_with_eddsa_and_refuses_the_new_name(issued):
    token, jwks, origin = issued
    accepted = libraries.try_pyjwt(token, jwks, issuer=origin, audience=origin, algorithms=["EdDSA"])
    assert accepted.accepted and accepted.detail == split(token)[1]["sub"]
    renamed = libraries.try_pyjwt(token, jwks, issuer=origin, audience=origin, algorithms=["Ed25519"])
    assert renamed == libraries.Outcome("PyJWT", False, "InvalidAlgorithmError: The specified alg value is not allowed")


def test_pyjwt_refuses_a_token_signed_by_another_key_under_the_same_kid(issued):
    token, jwks, origin = issued
    header, claims, _ = split(token)
    forged = forge(header, claims, ed25519(attacker_key()))
    outcome = libraries.try_pyjwt(forged, jwks, issuer=origin, audience=origin, algorithms=["EdDSA"])
    assert outcome == libraries.Outcome("PyJWT", False, "InvalidSignatureError: Signature verification failed")


def test_pyjwt_without_cryptography_cannot_handle_eddsa(issued):
    token, jwks, _ = issued
    report = libraries.pyjwt_without_cryptography(token, jwks["keys"][0])
    assert jwt.algorithms.has_crypto  # this environment has it; only the child lacks it
    assert report == {
        "has_crypto": False,
        "PyJWK(jwk)": "MissingCryptographyError: EdDSA requires 'cryptography' to be installed.",
        "decode(algorithms=['EdDSA'])": "InvalidAlgorithmError: Algorithm not supported",
    }


def test_joserfc_refuses_eddsa_unless_asked_and_warns_about_rfc_9864(issued):
    import time

    token, jwks, origin = issued
    common = dict(issuer=origin, audience=origin, now=time.time)
    default = libraries.try_joserfc(token, jwks, **common)
    assert not default.accepted
    assert default.detail == "UnsupportedAlgorithmError: unsupported_algorithm: Algorithm of 'EdDSA' is not recommended"
    asked = libraries.try_joserfc(token, jwks, algorithms=["EdDSA"], **common)
    assert asked.accepted and asked.detail == split(token)[1]["sub"]
    assert "SecurityWarning: EdDSA is deprecated via RFC 9864" in asked.warnings
    renamed = libraries.try_joserfc(token, jwks, algorithms=["Ed25519"], **common)
    assert renamed.detail == "UnsupportedAlgorithmError: unsupported_algorithm: Algorithm of 'EdDSA' is not allowed"


def test_joserfc_checks_expiry_on_the_clock_it_is_given(issued):
    token, jwks, origin = issued
    exp = split(token)[1]["exp"]
    late = libraries.try_joserfc(token, jwks, issuer=origin, audience=origin, algorithms=["EdDSA"],
                                 now=lambda: exp + 1)
    assert late.detail == "ExpiredTokenError: expired_token: The token is expired"
    wrong_issuer = libraries.try_joserfc(token, jwks, issuer="https://other.example", audience=origin,
                                         algorithms=["EdDSA"], now=lambda: exp - 60)
    assert wrong_issuer.detail.startswith("InvalidClaimError: invalid_claim: Invalid claim: 'iss'")


async def _bridge_me(auth_url: str, token: str | None) -> httpx.Response:
    app = libraries.bridge_jwt_app(auth_url)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://testserver") as client:
        return await client.get("/api/me", headers=headers)


@pytest.mark.anyio
async def test_bridge_jwt_mode_accepts_a_real_token_and_refuses_forgeries(issued):
    token, _, origin = issued
    accepted = await _bridge_me(origin, token)
    assert accepted.status_code == 200 and accepted.json()["email"] == "ada@example.com"
    header, claims, _ = split(token)
    for forged in (forge(header, claims, ed25519(attacker_key())),             # another key, same kid
                   tamper(token, email="eve@example.com"),                     # claims changed, signature kept
                   forge(header | {"alg": "none"}, claims, None)):
        refused = await _bridge_me(origin, forged)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    missing = await _bridge_me(origin, None)
    assert missing.status_code == 401


@pytest.mark.anyio
async def test_bridge_pins_the_issuer_to_its_base_url(issued):
    token, _, origin = issued
    # The same token, checked by a bridge configured for another origin: iss/aud do not match,
    # and the JWKS is fetched from that origin (nothing listens there) — refused either way.
    elsewhere = origin.replace("127.0.0.1", "localhost")
    refused = await _bridge_me(elsewhere, token)
    assert refused.status_code == 401


def test_the_modes_table_names_real_classes_on_both_sides():
    for mode in libraries.BRIDGE_MODES:
        assert isinstance(getattr(fastapi_better_auth, mode.bridge_class), type), mode.bridge_class
        for module, name in re.findall(r"`(\w+)\.(\w+)`", mode.workbook):
            assert hasattr(importlib.import_module(f"playground.backend.{module}"), name), (module, name)
    assert [m.mode[0] for m in libraries.BRIDGE_MODES] == ["A", "B", "C"]


@pytest.mark.node
@pytest.mark.anyio
async def test_against_the_real_better_auth():
    with start_auth_server("better-auth") as server:
        token, jwks = _signed_in_token(server)
        assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
        origin = server.origin
        assert libraries.try_python_jose(token, jwks, issuer=origin, audience=origin).detail.startswith("JWKError")
        assert libraries.try_pyjwt(token, jwks, issuer=origin, audience=origin, algorithms=["EdDSA"]).accepted
        accepted = await _bridge_me(origin, token)
        assert accepted.status_code == 200 and accepted.json()["email"] == "ada@example.com"
        header, claims, _ = split(token)
        assert (await _bridge_me(origin, forge(header, claims, ed25519(attacker_key())))).status_code == 401


def test_tables_have_one_row_per_entry_and_say_refused_plainly():
    table = libraries.outcome_table([("PyJWT", True, "sub-1"), ("python-jose", False, "JWKError: x")])
    assert table.splitlines()[2:] == ["| PyJWT | ✓ accepted | `sub-1` |", "| python-jose | ✗ refused | `JWKError: x` |"]
    modes = libraries.modes_table().splitlines()
    assert len(modes) == 2 + len(libraries.BRIDGE_MODES)
    assert all(f"`{m.bridge_class}`" in line for m, line in zip(libraries.BRIDGE_MODES, modes[2:], strict=True))
