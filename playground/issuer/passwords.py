"""Password hashes in Better Auth's format, so users move between the two servers unchanged.

``@better-auth/utils/password``: ``"<salt>:<key>"`` where salt is 16 random bytes as hex and key
is scrypt(NFKC(password), salt, N=16384, r=16, p=1, dkLen=64) as hex. Note the salt enters
scrypt as its *hex text*, not as the raw bytes.

scrypt comes from libsodium (PyNaCl, already here for XChaCha20): on this machine it takes
about 75 ms where OpenSSL's (``hashlib.scrypt``) takes about 105 ms, and a sign-in is almost
nothing else. Both compute the same standard scrypt (RFC 7914); a test holds them equal.

A process remembers the hashes it stored and the passwords that matched one, so the same
password against the same salt is derived once: a checker run signs its demo users in again and
again, and the deterministic demo seeds the same users with the same salt at every start. A
wrong password is never remembered (it always costs a full scrypt, as an unknown email does),
and the memo holds only HMACs under a key of this process, never a password.
"""

from __future__ import annotations

import hmac
import os
import unicodedata

from nacl.bindings import crypto_pwhash_scryptsalsa208sha256_ll as scrypt

from playground.issuer.javascript import utf8

N, R, P, DKLEN = 16384, 16, 1, 64
# scrypt needs 128*N*r bytes (32 MiB here); Better Auth allows twice that, and so do we.
MAXMEM = 128 * N * R * 2


_MEMO_KEY = os.urandom(32)
_MEMO_LIMIT = 1024  # sign-ups with fresh salts add entries: start over rather than grow
_memo: dict[bytes, str] = {}  # HMAC(salt, password) -> the key derived from them, as hex


def _normalized(password: str) -> bytes:
    # As TextEncoder encodes it for scrypt: a lone surrogate is hashed as U+FFFD.
    return utf8(unicodedata.normalize("NFKC", password))


def _derive(normalized: bytes, salt: str) -> str:
    return scrypt(normalized, salt.encode(), N, R, P, dklen=DKLEN, maxmem=MAXMEM).hex()


def _memo_id(normalized: bytes, salt: str) -> bytes:
    return hmac.digest(_MEMO_KEY, salt.encode() + b":" + normalized, "sha256")


def _remember(memo_id: bytes, key: str) -> None:
    if len(_memo) >= _MEMO_LIMIT:
        _memo.clear()
    _memo[memo_id] = key


def hash_password(password: str, salt: bytes) -> str:
    """Hash with the 16 random ``salt`` bytes (the caller's RNG decides: seeded or secure)."""
    salt_hex = salt.hex()
    normalized = _normalized(password)
    memo_id = _memo_id(normalized, salt_hex)
    key = _memo.get(memo_id)
    if key is None:
        key = _derive(normalized, salt_hex)
        _remember(memo_id, key)
    return f"{salt_hex}:{key}"


def verify_password(stored: str, password: str) -> bool:
    salt, _, key = stored.partition(":")
    if not salt or not key:
        raise ValueError("Invalid password hash")
    normalized = _normalized(password)
    memo_id = _memo_id(normalized, salt)
    remembered = _memo.get(memo_id)
    if remembered is not None and hmac.compare_digest(remembered, key):
        return True
    matches = hmac.compare_digest(_derive(normalized, salt), key)
    if matches:
        _remember(memo_id, key)
    return matches
