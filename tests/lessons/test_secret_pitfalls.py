"""Lesson 07b's helpers: the shared-secret checks, and what both issuers do when the secret changes
under an existing database (the real better-auth's log line is the embedded issuer's too, and each
side's stored private key decrypts with the old secret only); with no secret at all, the real
better-auth signs with its public default in development and refuses in production, unless Better
Auth's TEST switch is set."""

from __future__ import annotations

import asyncio
import secrets

import jwt as pyjwt
import pytest

from playground.backend.sessions import verify_session_cookie
from playground.issuer import keys
from playground.lessons import basics_exercises
from playground.lessons.secret_pitfalls import (
    DEFAULT_SECRET,
    SecretChange,
    SharedSecretError,
    change_secret,
    require_shared_secret,
    secret_problems,
    unset_secret_real,
)

GOOD = secrets.token_urlsafe(32)
BASE = "http://127.0.0.1:3000"  # secret_change.mjs's base URL


def test_a_good_secret_passes_unchanged():
    assert secret_problems(GOOD) == []
    assert require_shared_secret(GOOD) is GOOD


@pytest.mark.parametrize(("value", "words"), [
    (None, "not set"), ("", "not set"),
    (DEFAULT_SECRET, "public default"),
    (GOOD + "\n", "ends with '\\n'"), (" " + GOOD, "starts with ' '"),
    ("short-secret", "12 characters"),
], ids=["none", "empty", "default", "trailing newline", "leading space", "short"])
def test_each_problem_is_named(value, words):
    problems = secret_problems(value)
    assert len(problems) == 1 and words in problems[0]
    with pytest.raises(SharedSecretError, match="BETTER_AUTH_SECRET") as raised:
        require_shared_secret(value)
    assert raised.value.problems == problems


def test_several_problems_are_all_named():
    assert len(secret_problems(" tiny\n")) == 2


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        asyncio.run(change_secret("other", before=GOOD, after=GOOD[::-1], demo_password="Passw0rd-demo-1"))


def _change_secret(kind: str) -> tuple[str, str, SecretChange]:
    before, after = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    return before, after, asyncio.run(change_secret(kind, before=before, after=after, demo_password="Passw0rd-demo-1"))


@pytest.fixture(scope="module")
def real_change() -> tuple[str, str, SecretChange]:
    """One secret change on the real better-auth (a Node run, ~1 CPU-s), read by the two tests
    below, as lesson 07b's cells read one."""
    return _change_secret("better-auth")


@pytest.mark.parametrize("kind", ["embedded", pytest.param("better-auth", marks=pytest.mark.node)])
def test_a_changed_secret_breaks_signing_but_not_sign_in_nor_the_jwks(kind, request):
    before, after, change = request.getfixturevalue("real_change") if kind == "better-auth" else _change_secret(kind)
    assert (change.token_before, change.sign_in_after, change.token_after, change.jwks_after) == (200, 200, 500, 200)
    assert change.get_session_after == 500  # the jwt plugin signs set-auth-jwt on every get-session
    assert change.logged_error == str(keys.KeyDecryptionError())  # the real server's words, both issuers
    assert change.logged_error.startswith("Failed to decrypt private key")
    assert '"kty"' in keys.decrypt(before, change.stored_private_key)  # Python reads Node's encryption too
    with pytest.raises(keys.KeyDecryptionError):
        keys.decrypt(after, change.stored_private_key)


@pytest.mark.node
def test_after_a_secret_change_expiring_the_old_keys_or_versioned_secrets_recover_and_encryption_off_does_not(
        real_change):
    change = real_change[2]
    recoveries = change.recoveries
    old_kid = pyjwt.get_unverified_header(change.jwt_before)["kid"]
    plain = recoveries["disablePrivateKeyEncryption"]
    assert (plain.token, plain.get_session, plain.jwt) == (500, 500, None)
    # Encryption off, the stored (still encrypted) text goes to importJWK(JSON.parse(...)): a string, no JWK.
    assert "JWK must be an object" in change.node_log
    expired = recoveries["expireOldKeys"]
    new_kid = pyjwt.get_unverified_header(expired.jwt)["kid"]
    assert (expired.token, expired.get_session) == (200, 200) and new_kid != old_kid
    key_set = pyjwt.PyJWKSet.from_dict(expired.jwks)
    for token, kid in ((change.jwt_before, old_kid), (expired.jwt, new_kid)):  # both verify from one /jwks
        pyjwt.decode(token, key_set[kid].key, algorithms=["EdDSA"], audience=BASE, issuer=BASE)
    versioned = recoveries["versionedSecrets"]
    assert (versioned.token, versioned.get_session) == (200, 200)
    assert pyjwt.get_unverified_header(versioned.jwt)["kid"] == old_kid


@pytest.mark.node
def test_without_a_secret_better_auth_signs_with_its_public_default_in_development():
    result = unset_secret_real("development", demo_password="Passw0rd-demo-1")
    assert result["signIn"] == 200
    name, _, value = result["cookie"].partition("=")
    assert name == "better-auth.session_token"
    assert verify_session_cookie(value, DEFAULT_SECRET)  # anyone can make this cookie


@pytest.mark.node
def test_without_a_secret_better_auth_refuses_in_production():
    assert "default secret" in unset_secret_real("production", demo_password="Passw0rd-demo-1")["error"]


@pytest.mark.node
def test_a_truthy_test_switch_lifts_the_production_refusal(monkeypatch):
    monkeypatch.setenv("TEST", "true")  # set in this process: the helper must not pass it on to Node
    assert "default secret" in unset_secret_real("production", demo_password="Passw0rd-demo-1")["error"]
    monkeypatch.delenv("TEST")
    assert basics_exercises.check_test_switch("Passw0rd-demo-1", refuses=False)  # TEST=true given: it signs
