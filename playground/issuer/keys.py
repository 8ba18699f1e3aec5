"""The jwt plugin's signing keys: generation, JWK export, and encryption at rest.

Mirrors ``better-auth/dist/plugins/jwt/utils.mjs``: a key row holds the public JWK as JSON, the
private JWK encrypted with the auth secret, ``alg``, ``crv``, ``createdAt`` and, with
``rotationInterval``, ``expiresAt``. The encryption is Better Auth's ``symmetricEncrypt``:
XChaCha20-Poly1305, key = SHA-256(secret), a random 24-byte nonce prepended, hex-encoded. So a
changed secret makes signing fail with "Failed to decrypt private key", as in the real server.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from playground.issuer.randomness import Randomness
from playground.jose import b64url_decode, b64url_encode

#: Public label the demo keys are derived from (it seeds the key material generator). Anyone can
#: derive the same private keys from it: deterministic mode exists for reproducible lessons only
#: and must never sign real tokens.
DEMO_KEY_LABEL = "better-auth-fastapi-workbook demo signing keys v1 (public: never use in production)"

CURVES = {"ES256": (ec.SECP256R1(), "P-256"), "ES512": (ec.SECP521R1(), "P-521")}


class KeyDecryptionError(Exception):
    """The stored private key does not decrypt with the current secret."""

    def __init__(self) -> None:
        super().__init__(
            "Failed to decrypt private key. Make sure the secret currently in use is the same as the one "
            "used to encrypt the private key. If you are using a different secret, either clean up your "
            "JWKS or disable private key encryption."
        )


@dataclass(frozen=True)
class KeyRow:
    """One row of Better Auth's ``jwks`` table."""

    id: str
    alg: str
    crv: str | None
    public_key: str  # JSON text of the public JWK
    private_key: str  # JSON text of the encrypted private JWK (a hex string)
    created_at: float
    expires_at: float | None = None

    def public_jwk(self) -> dict:
        """The ``/jwks`` entry, keys in the real server's order: alg, crv, ...public JWK, kid."""
        entry: dict = {"alg": self.alg}
        if self.crv:
            entry["crv"] = self.crv
        entry.update(json.loads(self.public_key))
        entry["kid"] = self.id
        return entry


def _intb64url_encode(value: int, size: int) -> str:
    return b64url_encode(value.to_bytes(size, "big"))


def demo_key_material() -> Randomness:
    """The seeded source of demo key material: the first key of a demo server is always the same,
    and rotated keys differ from it."""
    return Randomness(deterministic=True, seed=DEMO_KEY_LABEL)


def generate(alg: str, material: Randomness | None = None) -> tuple[dict, dict]:
    """A new key pair as (public JWK, private JWK), member order as jose's ``exportJWK``.

    ``material`` (demo only) derives the private key from a seeded generator instead of the OS.
    """
    if alg == "EdDSA":
        private = (
            ed25519.Ed25519PrivateKey.from_private_bytes(material.bytes(32))
            if material
            else ed25519.Ed25519PrivateKey.generate()
        )
        raw = private.private_bytes_raw()
        x = b64url_encode(private.public_key().public_bytes_raw())
        return {"crv": "Ed25519", "x": x, "kty": "OKP"}, {
            "crv": "Ed25519",
            "d": b64url_encode(raw),
            "x": x,
            "kty": "OKP",
        }
    if alg in CURVES:
        curve, crv = CURVES[alg]
        if material:
            # Below 2**(bits-1) every value is a valid scalar for P-256 and P-521 (order > 2**(bits-1)).
            seed = int.from_bytes(material.bytes(80), "big") % 2 ** (curve.key_size - 1)
            private = ec.derive_private_key(seed or 1, curve)
        else:
            private = ec.generate_private_key(curve)
        size = (curve.key_size + 7) // 8
        numbers = private.private_numbers()
        public = {"kty": "EC", "x": _intb64url_encode(numbers.public_numbers.x, size),
                  "y": _intb64url_encode(numbers.public_numbers.y, size), "crv": crv}
        return public, {**public, "d": _intb64url_encode(numbers.private_value, size)}
    if alg in ("PS256", "RS256"):
        # `cryptography` cannot seed RSA key generation: even demo RSA keys are fresh, so only
        # EdDSA (and the ids) are reproducible across runs; PS256/ES* signatures are randomised anyway.
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # jose's default size
        full = json.loads(RSAAlgorithm.to_jwk(private))
        public = {"kty": "RSA", "n": full["n"], "e": full["e"]}
        return public, {k: full[k] for k in ("kty", "n", "e", "d", "p", "q", "dp", "dq", "qi")}
    raise ValueError(f"unsupported alg {alg!r}")


def private_key_object(private_jwk: dict, alg: str):
    """A `cryptography` key object from a private JWK, for PyJWT to sign with."""
    if alg == "EdDSA":
        d = private_jwk["d"]
        return ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(d))
    if alg in CURVES:
        return ECAlgorithm.from_jwk(json.dumps(private_jwk))
    return RSAAlgorithm.from_jwk(json.dumps(private_jwk))


def encrypt(secret: str, plaintext: str, rng: Randomness) -> str:
    key = hashlib.sha256(secret.encode()).digest()
    nonce = rng.bytes(24)
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext.encode(), None, nonce, key)
    return (nonce + sealed).hex()


def decrypt(secret: str, data: str) -> str:
    key = hashlib.sha256(secret.encode()).digest()
    try:
        raw = bytes.fromhex(data)
        return crypto_aead_xchacha20poly1305_ietf_decrypt(raw[24:], None, raw[:24], key).decode()
    except (ValueError, CryptoError) as exc:
        raise KeyDecryptionError() from exc


def new_row(alg: str, *, secret: str, rng: Randomness, now: float, material: Randomness | None,
            rotation_interval: int | None) -> KeyRow:
    public, private = generate(alg, material)
    return KeyRow(
        id=rng.id(),
        alg=alg,
        crv=public.get("crv"),
        public_key=json.dumps(public, separators=(",", ":")),
        private_key=json.dumps(encrypt(secret, json.dumps(private, separators=(",", ":")), rng)),
        created_at=now,
        expires_at=now + rotation_interval if rotation_interval else None,
    )


def load_private(row: KeyRow, secret: str):
    return private_key_object(json.loads(decrypt(secret, json.loads(row.private_key))), row.alg)
