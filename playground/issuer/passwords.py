"""Password hashes in Better Auth's format, so users move between the two servers unchanged.

``@better-auth/utils/password``: ``"<salt>:<key>"`` where salt is 16 random bytes as hex and key
is scrypt(NFKC(password), salt, N=16384, r=16, p=1, dkLen=64) as hex. Note the salt enters
scrypt as its *hex text*, not as the raw bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

N, R, P, DKLEN = 16384, 16, 1, 64
# scrypt needs 128*N*r bytes; Better Auth allows twice that, and so must we (OpenSSL's default
# limit of 32 MiB is too small for r=16).
MAXMEM = 128 * N * R * 2


def _derive(password: str, salt: str) -> bytes:
    normalized = unicodedata.normalize("NFKC", password).encode()
    return hashlib.scrypt(normalized, salt=salt.encode(), n=N, r=R, p=P, dklen=DKLEN, maxmem=MAXMEM)


def hash_password(password: str, salt: bytes) -> str:
    """Hash with the 16 random ``salt`` bytes (the caller's RNG decides: seeded or secure)."""
    salt_hex = salt.hex()
    return f"{salt_hex}:{_derive(password, salt_hex).hex()}"


def verify_password(stored: str, password: str) -> bool:
    salt, _, key = stored.partition(":")
    if not salt or not key:
        raise ValueError("Invalid password hash")
    return hmac.compare_digest(_derive(password, salt).hex(), key)
