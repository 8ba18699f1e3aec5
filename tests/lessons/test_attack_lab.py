"""The attack lab's naive verifiers accept their attack; the reference backend refuses it.

Both halves matter: a "naive verifier" that rejected everything would make the lesson lie, so
each one must also accept a genuine token; and each forgery must fail against playground.backend
with the reason code the lesson states. Real servers on loopback (embedded issuer + backend).
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from playground.backend import BackendSettings, create_app
from playground.clock import Clock
from playground.issuer import IssuerConfig
from playground.issuer import create_app as create_issuer
from playground.lessons import attack_lab as lab
from playground.servers import ServerThread, bind_loopback


@pytest.fixture(scope="module")
def servers():
    clock = Clock.frozen()
    password = secrets.token_urlsafe(12)
    sock = bind_loopback(0, "issuer")
    auth_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    issuer = ServerThread(create_issuer(IssuerConfig(base_url=auth_url, secret=secrets.token_urlsafe(32),
                                                     clock=clock, demo_password=password)),
                          sock=sock, name="issuer").start()
    backend = ServerThread(create_app(BackendSettings(better_auth_url=auth_url), clock=clock), name="backend").start()
    with httpx.Client(base_url=auth_url, timeout=10) as auth, httpx.Client(base_url=backend.url, timeout=10) as api:
        yield auth, api, password
    backend.stop()
    issuer.stop()


def _token(auth: httpx.Client, email: str, password: str) -> str:
    auth.cookies.clear()
    signed_in = auth.post("/api/auth/sign-in/email", headers={"origin": str(auth.base_url).rstrip("/")},
                          json={"email": email, "password": password})
    assert signed_in.status_code == 200
    return auth.get("/api/auth/token").json()["token"]


@pytest.fixture(scope="module")
def grace(servers):
    auth, _, password = servers
    return _token(auth, "grace@example.com", password)


@pytest.fixture(scope="module")
def jwks(servers):
    return servers[0].get("/api/auth/jwks").json()


@pytest.fixture(scope="module")
def api(servers):
    return servers[1]


def test_genuine_tokens_pass_every_naive_verifier_and_the_reference(servers, grace, jwks, api):
    for naive in (lab.naive_decode_without_verifying, lab.naive_alg_from_header, lab.naive_trusts_jwk_header):
        assert naive(grace, jwks)["role"] == "user"
    assert lab.naive_trusts_jku_header(grace, str(servers[0].base_url).rstrip("/") + "/api/auth/jwks")["role"] == "user"
    assert lab.reference_verdict(api, grace) == (403, "missing_role")  # genuine, but grace is no admin
    ada = _token(servers[0], "ada@example.com", servers[2])
    assert lab.reference_verdict(api, ada) == (200, None)


def test_naive_verifiers_refuse_plain_garbage(grace, jwks):
    wrong = lab.forge(lab.split(grace)[0], {**lab.split(grace)[1], "role": "admin"}, lab.ed25519(lab.attacker_key()))
    for naive in (lab.naive_alg_from_header, lab.naive_trusts_jwk_header):
        with pytest.raises(lab.NaiveVerifierError):
            naive(wrong, jwks)


def test_lab1_unverified_signature(grace, jwks, api):
    forged = lab.tamper(grace, role="admin")
    assert lab.naive_decode_without_verifying(forged, jwks)["role"] == "admin"
    assert lab.reference_verdict(api, forged) == (401, "bad_signature")


def test_lab2_alg_none(grace, jwks, api):
    header, claims, _ = lab.split(grace)
    forged = lab.forge({**header, "alg": "none"}, {**claims, "role": "admin"})
    assert forged.endswith(".")
    assert lab.naive_alg_from_header(forged, jwks)["role"] == "admin"
    assert lab.reference_verdict(api, forged) == (401, "unsupported_algorithm")


def test_lab3_algorithm_confusion(grace, jwks, api):
    header, claims, _ = lab.split(grace)
    x = next(k for k in jwks["keys"] if k["kid"] == header["kid"])["x"]
    forged = lab.forge({**header, "alg": "HS256"}, {**claims, "role": "admin"}, lab.hs256(x.encode()))
    assert lab.naive_alg_from_header(forged, jwks)["role"] == "admin"
    assert lab.reference_verdict(api, forged) == (401, "unsupported_algorithm")


def test_lab4_jwk_header_injection(grace, jwks, api):
    claims = lab.split(grace)[1]
    mine = lab.public_jwk(lab.attacker_key(), "attacker")
    forged = lab.forge({"alg": "EdDSA", "kid": "attacker", "jwk": mine}, {**claims, "role": "admin"},
                       lab.ed25519(lab.attacker_key()))
    assert lab.naive_trusts_jwk_header(forged, jwks)["role"] == "admin"
    assert lab.reference_verdict(api, forged) == (401, "forbidden_header")


def test_lab4_jku_header_injection(grace, api):
    claims = lab.split(grace)[1]
    evil = ServerThread(lab.attacker_jwks_app({"keys": [lab.public_jwk(lab.attacker_key(), "attacker")]}),
                        name="attacker").start()
    try:
        forged = lab.forge({"alg": "EdDSA", "kid": "attacker", "jku": evil.url + "/jwks.json"},
                           {**claims, "role": "admin"}, lab.ed25519(lab.attacker_key()))
        configured = "http://127.0.0.1:9/not-used"  # the naive verifier never gets to its own URL
        assert lab.naive_trusts_jku_header(forged, configured)["role"] == "admin"
        assert lab.reference_verdict(api, forged) == (401, "forbidden_header")
    finally:
        evil.stop()


def test_lab5_kid_path_traversal(grace, api, tmp_path):
    (tmp_path / "key-1").write_bytes(secrets.token_bytes(32))  # the verifier's real keys live here
    claims = lab.split(grace)[1]
    kid = "../" * 12 + "dev/null"
    forged = lab.forge({"alg": "HS256", "kid": kid}, {**claims, "role": "admin"}, lab.hs256(b""))
    assert lab.naive_kid_as_file_path(forged, str(tmp_path))["role"] == "admin"
    assert lab.reference_verdict(api, forged) == (401, "unsupported_algorithm")
    # Signed as EdDSA instead, the reference treats the kid as a name to look up, never a path.
    forged = lab.forge({"alg": "EdDSA", "kid": kid}, {**claims, "role": "admin"}, lab.ed25519(lab.attacker_key()))
    assert lab.reference_verdict(api, forged) == (401, "unknown_kid")


def test_lab6_weak_hmac_secret(grace, api):
    claims = lab.split(grace)[1]
    weak = "letmein"
    issued = lab.forge({"alg": "HS256", "typ": "JWT"}, claims, lab.hs256(weak.encode()))
    assert lab.naive_hs256_shared_secret(issued, weak)["role"] == "user"
    assert lab.crack_hs256(issued, lab.WORDLIST) == weak
    assert lab.crack_hs256(issued, ["not-it", "nor-this"]) is None
    forged = lab.forge({"alg": "HS256", "typ": "JWT"}, {**claims, "role": "admin"}, lab.hs256(weak.encode()))
    assert lab.naive_hs256_shared_secret(forged, weak)["role"] == "admin"
    assert lab.reference_verdict(api, forged) == (401, "unsupported_algorithm")
    with pytest.raises(lab.NaiveVerifierError):
        lab.naive_hs256_shared_secret(forged, "a-long-random-secret-nobody-guesses")
