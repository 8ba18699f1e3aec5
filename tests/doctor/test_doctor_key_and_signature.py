"""Stages 3 and 4, key and signature: keys only from a configured JWKS, checked with the backend's code."""

from __future__ import annotations

import asyncio

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fake_issuer import random_kid, sign_ed25519

from playground.backend.errors import Reason
from playground.doctor.expected import expected_values
from playground.doctor.findings import Status
from playground.doctor.key import find_key
from playground.doctor.signature import check_signature
from playground.doctor.structure import check_structure


def expected(**options):
    values = dict(issuer=None, audience=None, jwks_url=None, base_url=None, algorithms=["EdDSA"], leeway=0.0, now=0.0)
    return expected_values(**(values | options))


def lookup(token, **options):
    decoded, _ = check_structure(token, 8192)
    return decoded, asyncio.run(find_key(decoded, expected(**options)))


def test_the_kid_is_found_in_the_configured_jwks(issuer):
    decoded, (key, finding) = lookup(issuer.mint(), jwks_url=issuer.url + "/api/auth/jwks")
    assert key is not None and finding.ok and issuer.url in finding.message
    assert check_signature(decoded, key).ok


def test_an_unknown_kid_lists_the_kids_that_are_there(issuer):
    _, (key, finding) = lookup(issuer.mint(header={"kid": random_kid()}), jwks_url=issuer.url + "/api/auth/jwks")
    assert key is None and finding.reason is Reason.UNKNOWN_KID and issuer.kid in finding.message


def test_a_jwks_that_does_not_answer_is_one_key_error(issuer):
    issuer.down = True
    _, (key, finding) = lookup(issuer.mint(), issuer=issuer.url)
    assert key is None and finding.reason is Reason.JWKS_UNAVAILABLE
    assert "503" in finding.message and issuer.fetches == 1


def test_nothing_configured_fetches_nothing_from_the_tokens_issuer(attacker):
    _, (key, finding) = lookup(attacker.mint())
    assert key is None and finding.status is Status.WARNING
    assert f"--issuer {attacker.url}" in finding.fix  # how to say "I trust it", explicitly
    assert attacker.requests == []


def test_nothing_configured_and_a_remote_issuer_fetches_nothing_either():
    token = sign_ed25519({"alg": "EdDSA", "kid": random_kid()}, {"iss": "https://evil.example/"},
                         Ed25519PrivateKey.generate())
    _, (key, finding) = lookup(token)
    assert key is None and finding.status is Status.WARNING and "--issuer https://evil.example " in finding.fix


def test_a_signature_by_another_key_with_the_same_kid_is_refused(issuer):
    decoded, (key, _) = lookup(issuer.mint(key=Ed25519PrivateKey.generate()), jwks_url=issuer.url + "/api/auth/jwks")
    finding = check_signature(decoded, key)
    assert finding.reason is Reason.BAD_SIGNATURE and not finding.ok
