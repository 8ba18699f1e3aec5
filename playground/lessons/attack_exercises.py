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


def check_wrong_hmac_key(naive_error: str) -> Verdict:
    """Exercise 2: what the naive verifier of labs 2 and 3 says to an HS256 forgery signed with ``b"guess"``."""
    return verdict("exercise 2", naive_error == "bad HS256 signature",
                   why="the confusion works only because the HMAC key is the public x: any other key fails",
                   hint="call lab.naive_alg_from_header(forged, jwks) and catch lab.NaiveVerifierError; pass str(exc)")


def check_crit(verdict_seen: tuple[int, str | None]) -> Verdict:
    """Exercise 3: the reference backend's ``(status, reason)`` for a token with ``"crit": ["b64"]``."""
    return verdict("exercise 3", verdict_seen == (401, "unsupported_critical_header"),
                   why="RFC 7515 §4.1.11: a recipient that does not implement a listed extension must refuse "
                       "the token, and it does so before any key is looked up",
                   hint="sign it with lab.ed25519(attacker) under the issuer's kid and ask lab.reference_verdict "
                        "(path='/api/me'); a bad_signature means the header was never looked at first")


__all__ = ["check_crit", "check_own_key", "check_wrong_hmac_key"]
