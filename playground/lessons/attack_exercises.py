"""The attack lab's exercises (lesson 09): the learner passes what they found; each check says
right, or gives a hint. The labs themselves are graded by ``attack_lab.check_challenge``."""

from __future__ import annotations

from playground.lessons.checks import Verdict, verdict


def check_own_key(with_issuer_kid: tuple[int, str | None], with_own_kid: tuple[int, str | None]) -> Verdict:
    """Exercise 1: the reference backend's ``(status, reason)`` for an admin token signed with the
    attacker's own Ed25519 key, first under the issuer's ``kid``, then under a ``kid`` of its own."""
    if with_issuer_kid == (401, "unknown_kid") and with_own_kid == (401, "bad_signature"):
        return verdict("exercise 1", False, why="", hint="the two answers are swapped: which kid is in the JWKS?")
    return verdict("exercise 1", (with_issuer_kid, with_own_kid) == ((401, "bad_signature"), (401, "unknown_kid")),
                   why="the kid only picks a key from the configured JWKS: under the issuer's kid the issuer's "
                       "key checks the signature and refuses it; an unknown kid finds no key at all",
                   hint="use lab.forge with lab.ed25519(attacker) and send each token with lab.reference_verdict")


#: The three forms of the issuer's public key exercise 2 hands to ``jwt.decode``.
KEY_FORMS = ("PyJWK", "key object", "x text")


def check_mixed_algorithms(lets_it_in: str) -> Verdict:
    """Exercise 2: which key form (``KEY_FORMS``) lets lab 3's forgery through
    ``jwt.decode(forged, key, algorithms=["EdDSA", "HS256"])``."""
    if lets_it_in not in KEY_FORMS:
        return verdict("exercise 2", False, why="", hint=f"answer with one of {KEY_FORMS}")
    return verdict("exercise 2", lets_it_in == "x text",
                   why="a PyJWK knows its algorithm (InvalidAlgorithmError for HS256), a cryptography key object "
                       "is no HMAC secret (TypeError), but a string is one: with HS256 allowed, the public x "
                       "verifies the forgery. The algorithm list, not the key's type, has to close the door",
                   hint="decode the forgery three times, with jwt.PyJWK(jwk), jwt.PyJWK(jwk).key and jwk['x'], "
                        "catching each exception")


def check_crit(verdict_seen: tuple[int, str | None]) -> Verdict:
    """Exercise 3: the reference backend's ``(status, reason)`` for a token with ``"crit": ["b64"]``."""
    return verdict("exercise 3", verdict_seen == (401, "unsupported_critical_header"),
                   why="RFC 7515 §4.1.11: a recipient that does not implement a listed extension must refuse "
                       "the token, and it does so before any key is looked up",
                   hint="sign it with lab.ed25519(attacker) under the issuer's kid and ask lab.reference_verdict "
                        "(path='/api/me'); a bad_signature means the header was never looked at first")


__all__ = ["KEY_FORMS", "check_crit", "check_mixed_algorithms", "check_own_key"]
