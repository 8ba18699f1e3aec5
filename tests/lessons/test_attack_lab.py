"""The attack lab's naive verifiers accept their attack; the reference backend refuses it.

Both halves matter: a "naive verifier" that rejected everything would make the lesson lie, so
each one must also accept a genuine token; and each forgery must fail against playground.backend
with the reason code the lesson states. Real servers on loopback (embedded issuer + backend).
"""

from __future__ import annotations

import os
import secrets

import httpx
import pytest

from playground.auth_server import EMBEDDED, start_auth_server
from playground.backend import BackendSettings, create_app
from playground.clock import Clock
from playground.lessons import attack_lab as lab
from playground.servers import ServerThread


@pytest.fixture(scope="module")
def servers():
    clock = Clock.frozen()
    issuer = start_auth_server(EMBEDDED, clock=clock)
    auth_url, password = issuer.url, issuer.demo_password
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


# --------------------------------------------------------------------------------------------
# Challenge mode: check_challenge grades a learner's forgery per lab
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def target(servers):
    auth, api, _ = servers
    return lab.Target(api=api, jwks_url=str(auth.base_url).rstrip("/") + "/api/auth/jwks")


def _solutions(grace: str, jwks: dict, target: lab.Target, attacker_url: str) -> dict[str, str]:
    """One working forgery per lab: the worked solutions of notebook 09."""
    header, claims, _ = lab.split(grace)
    admin = {**claims, "role": "admin"}
    x = next(k for k in jwks["keys"] if k["kid"] == header["kid"])["x"]
    mine = lab.ed25519(lab.attacker_key())
    cracked = lab.crack_hs256(target.captured_hs256_token(claims), lab.WORDLIST)
    return {
        "unverified-signature": lab.tamper(grace, role="admin"),
        "alg-none": lab.forge({**header, "alg": "none"}, admin),
        "algorithm-confusion": lab.forge({**header, "alg": "HS256"}, admin, lab.hs256(x.encode())),
        "jwk-injection": lab.forge({"alg": "EdDSA", "kid": "me", "jwk": lab.public_jwk(lab.attacker_key(), "me")},
                                   admin, mine),
        "jku-injection": lab.forge({"alg": "EdDSA", "kid": "attacker", "jku": attacker_url + "/jwks.json"},
                                   admin, mine),
        "kid-traversal": lab.forge({"alg": "HS256", "kid": "../" * 12 + "dev/null"}, admin, lab.hs256(b"")),
        "weak-secret": lab.forge({"alg": "HS256", "typ": "JWT"}, admin, lab.hs256(cracked.encode())),
    }


@pytest.fixture(scope="module")
def attacker_url():
    evil = ServerThread(lab.attacker_jwks_app({"keys": [lab.public_jwk(lab.attacker_key(), "attacker")]}),
                        name="attacker").start()
    yield evil.url
    evil.stop()


def test_every_lab_has_a_challenge():
    assert set(lab.CHALLENGES) == {"unverified-signature", "alg-none", "algorithm-confusion", "jwk-injection",
                                   "jku-injection", "kid-traversal", "weak-secret"}


@pytest.mark.parametrize("name", sorted(lab.CHALLENGES))
def test_each_worked_solution_solves_its_lab(name, grace, jwks, target, attacker_url):
    result = lab.check_challenge(name, _solutions(grace, jwks, target, attacker_url)[name], target)
    assert result.solved, str(result)
    assert result.hint is None
    assert result.naive == "accepted, role 'admin'"
    assert result.reference[0] == 401  # the issuer never signed it
    assert str(result).splitlines()[0].endswith(": SOLVED")


# Lab 1's verifier accepts every well-formed token: it has no refusal to hint about.
@pytest.mark.parametrize("name", sorted(set(lab.CHALLENGES) - {"unverified-signature"}))
def test_a_token_the_naive_verifier_refuses_is_unsolved_with_the_labs_hint(name, grace, target):
    header, claims, _ = lab.split(grace)
    # Signed by nobody the lab trusts: a random HMAC key, or the attacker's key under the issuer's kid.
    refused = (lab.forge({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, {**claims, "role": "admin"},
                         lab.hs256(secrets.token_bytes(32)))
               if name in ("weak-secret", "kid-traversal", "algorithm-confusion")
               else lab.forge({**header, "kid": "no-such-kid"}, {**claims, "role": "admin"},
                              lab.ed25519(lab.attacker_key())))
    result = lab.check_challenge(name, refused, target)
    assert not result.solved
    assert result.naive.startswith("refused (")
    assert result.hint == lab.CHALLENGES[name].hint
    assert str(result).splitlines()[0].endswith(": not solved yet")
    assert f"hint: {result.hint}" in str(result)


def test_lab1_checker_and_the_other_hints(grace, servers, target, jwks, attacker_url):
    # Grace's genuine token: every naive verifier lets her in, but as a user.
    result = lab.check_challenge("unverified-signature", grace, target)
    assert not result.solved and result.naive == "accepted, role 'user'" and "role" in result.hint
    assert result.reference == (403, "missing_role")
    # Ada's genuine admin token is no forgery: the reference backend accepts it.
    ada = _token(servers[0], "ada@example.com", servers[2])
    result = lab.check_challenge("unverified-signature", ada, target)
    assert not result.solved and result.reference == (200, None) and "genuine" in result.hint
    # A forgery through another lab's door does not solve this one.
    alg_none = _solutions(grace, jwks, target, attacker_url)["alg-none"]
    result = lab.check_challenge("unverified-signature", alg_none, target)
    assert not result.solved and result.naive == "accepted, role 'admin'"
    assert lab.CHALLENGES["unverified-signature"].technique in result.hint
    assert lab.check_challenge("alg-none", alg_none, target).solved


def test_lab2_and_lab3_share_a_verifier_but_not_a_solution(grace, jwks, target, attacker_url):
    solutions = _solutions(grace, jwks, target, attacker_url)
    assert not lab.check_challenge("algorithm-confusion", solutions["alg-none"], target).solved
    assert not lab.check_challenge("alg-none", solutions["algorithm-confusion"], target).solved


@pytest.mark.parametrize("name", sorted(lab.CHALLENGES))
def test_no_token_yet_gets_the_labs_hint(name, target):
    result = lab.check_challenge(name, "", target)
    assert not result.solved and result.reference is None
    assert result.naive == "not tried: no token yet" and result.hint == lab.CHALLENGES[name].hint


@pytest.mark.parametrize("not_a_token", ["only.two", "a.b.c.d", "no dots at all"])
def test_malformed_answers_get_a_hint_not_an_exception(not_a_token, target):
    result = lab.check_challenge("alg-none", not_a_token, target)
    assert not result.solved and "three base64url segments" in result.hint
    assert result.reference is None and "reference backend: not asked" in str(result)


def test_unknown_lab_is_a_clear_error(grace, target):
    with pytest.raises(ValueError, match="unknown lab 'lab-7'; choose one of unverified-signature"):
        lab.check_challenge("lab-7", grace, target)


def test_target_keys_dir_holds_a_random_key_only_the_traversal_escapes(grace, target):
    assert os.listdir(target.keys_dir) == ["key-1"]
    claims = lab.split(grace)[1]
    guessed = lab.forge({"alg": "HS256", "kid": "key-1"}, {**claims, "role": "admin"}, lab.hs256(b""))
    assert lab.check_challenge("kid-traversal", guessed, target).naive.startswith("refused (NaiveVerifierError")
