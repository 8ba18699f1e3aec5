"""Byte-level formats checked against vectors produced by the real better-auth 1.7 (Node).

Vectors: ``makeSignature`` and ``symmetricEncrypt`` from ``better-auth/dist/crypto``, and
``@better-auth/utils/password``'s scrypt call with a fixed salt, run once under Node 20.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from playground.issuer import keys, passwords
from playground.issuer.cookies import hmac_signature, parse_cookie_header, verify_signed

VECTOR_SECRET = "vector-secret-0123456789-0123456789"


def test_cookie_signature_matches_better_auth():
    assert (
        hmac_signature("AbCdEfGhIjKlMnOpQrStUvWxYz012345", VECTOR_SECRET)
        == "EErZY+JpD2oqEHfDmNSOmGuGvt9W9DV5DlZa3kVlKhY="
    )


def test_verify_signed_rejects_tampering():
    signed = "AbCdEfGhIjKlMnOpQrStUvWxYz012345.EErZY+JpD2oqEHfDmNSOmGuGvt9W9DV5DlZa3kVlKhY="
    assert verify_signed(signed, VECTOR_SECRET) == "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    assert verify_signed("X" + signed[1:], VECTOR_SECRET) is None
    assert verify_signed(signed.rstrip("="), VECTOR_SECRET) is None  # better-call wants 44 chars with "="
    assert verify_signed(signed, VECTOR_SECRET + "x") is None


def test_cookie_header_values_are_percent_decoded():
    header = "a=1; better-auth.session_token=abc.d%2Be%3D; a=2"
    assert parse_cookie_header(header) == {"a": "1", "better-auth.session_token": "abc.d+e="}


def test_password_hash_matches_better_auth_scrypt():
    stored = (
        "00112233445566778899aabbccddeeff:6e768446b2c7c41b3bf1ff7bb9894cd08672272b4e3f001798289513686fcf64"
        "28e5c4e6cb8477f389957cc06f543dfae662f94052c7c710e045bc6c54cbcf46"
    )
    assert passwords.hash_password("pässword1234", bytes.fromhex("00112233445566778899aabbccddeeff")) == stored
    assert passwords.verify_password(stored, "pässword1234")
    assert not passwords.verify_password(stored, "password1234")
    with pytest.raises(ValueError):
        passwords.verify_password("no-colon", "x")


@pytest.mark.parametrize("password", ["", "pässword1234", "ﬁ" * 3, "x" * 128, "emoji 🙂 and \u0000"])
def test_libsodium_scrypt_equals_openssl_scrypt(password):
    # The hash comes from libsodium (faster); OpenSSL's scrypt is the independent reference.
    salt = "00112233445566778899aabbccddeeff"
    expected = hashlib.scrypt(
        unicodedata.normalize("NFKC", password).encode(), salt=salt.encode(),
        n=passwords.N, r=passwords.R, p=passwords.P, dklen=passwords.DKLEN, maxmem=passwords.MAXMEM,
    )
    assert passwords.hash_password(password, bytes.fromhex(salt)) == f"{salt}:{expected.hex()}"


def test_private_key_decrypts_better_auth_ciphertext():
    sealed = (
        "3e0bb71941922ebf2fdd8063bb0de60931458ed502bfce5d0b0fb87b312232d5e68993c388688f2caeafe00ec93012947bc937"
        "13e5c6f688f350a0479093b07b0c5430ea1309cb3dde80809fb0f10fa5853b92161a"
    )
    assert json.loads(keys.decrypt(VECTOR_SECRET, sealed)) == {"crv": "Ed25519", "d": "x", "x": "y", "kty": "OKP"}
    with pytest.raises(keys.KeyDecryptionError, match="Failed to decrypt private key"):
        keys.decrypt("another-secret", sealed)
