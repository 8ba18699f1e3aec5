"""Password hashes in Better Auth's format, so users move between the two servers unchanged.

``@better-auth/utils/password``: ``"<salt>:<key>"`` where salt is 16 random bytes as hex and key
is scrypt(NFKC(password), salt, N=16384, r=16, p=1, dkLen=64) as hex. Note the salt enters
scrypt as its *hex text*, not as the raw bytes.

scrypt comes from libsodium (PyNaCl, already here for XChaCha20): on this machine it takes
about 75 ms where OpenSSL's (``hashlib.scrypt``) takes about 105 ms, and a sign-in is almost
nothing else. Both compute the same standard scrypt (RFC 7914); a test holds them equal.
"""

from __future__ import annotations

import hmac
import unicodedata

from nacl.bindings import crypto_pwhash_scryptsalsa208sha256_ll as scrypt

from playground.issuer.javascript import utf8

N, R, P, DKLEN = 16384, 16, 1, 64
# scrypt needs 128*N*r bytes (32 MiB here); Better Auth allows twice that, and so do we.
MAXMEM = 128 * N * R * 2


def _derive(password: str, salt: str) -> bytes:
    # As TextEncoder encodes it for scrypt: a lone surrogate is hashed as U+FFFD.
    normalized = utf8(unicodedata.normalize("NFKC", password))
    return scrypt(normalized, salt.encode(), N, R, P, dklen=DKLEN, maxmem=MAXMEM)


def hash_password(password: str, salt: bytes) -> str:
    """Hash with the 16 random ``salt`` bytes (the caller's RNG decides: seeded or secure)."""
    salt_hex = salt.hex()
    return f"{salt_hex}:{_derive(password, salt_hex).hex()}"


def verify_password(stored: str, password: str) -> bool:
    salt, _, key = stored.partition(":")
    if not salt or not key:
        raise ValueError("Invalid password hash")
    return hmac.compare_digest(_derive(password, salt).hex(), key)
