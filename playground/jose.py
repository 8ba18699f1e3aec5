"""The forgery toolkit: compact JWS by hand, for lesson 09's attacks and the checker's cases.

One base64url (PyJWT's own ``jwt.utils``), one way to split a token, one forge/sign. Nothing here
verifies anything: these are the tools an attacker (or a grader playing one) needs, and a token
built with them is exactly the bytes asked for, however broken.

* ``b64url_encode`` / ``b64url_decode``: RFC 7515 base64url without padding;
* ``compact_json``: the JSON spelling Better Auth (``JSON.stringify``) uses;
* ``split``: header and claims (decoded, NOT verified) and the signature segment;
* ``forge`` / ``forge_raw``: a token with exactly this header and payload, signed by a ``Signer``
  (``None``: unsigned, as ``alg: none``);
* ``hmac_signer`` / ``hs256`` / ``ed25519``: signers; ``tamper``: edit claims, keep the signature;
* ``public_jwk``: the public half of an Ed25519 key as a JWK shaped like Better Auth's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.utils import base64url_decode, base64url_encode

#: Signs the signing input (``header.payload`` as ASCII bytes) and returns the raw signature.
Signer = Callable[[bytes], bytes]
HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url_encode(data: bytes) -> str:
    return base64url_encode(data).decode("ascii")


def b64url_decode(segment: str | bytes) -> bytes:
    """Decode one base64url segment (the ``=`` padding RFC 7515 strips is put back)."""
    if isinstance(segment, str):
        # As base64 itself does: non-ASCII text is an error (ValueError), never silently skipped.
        segment = segment.encode("ascii")
    return base64url_decode(segment)


def compact_json(value: Any) -> bytes:
    """``JSON.stringify``'s spelling: no spaces."""
    return json.dumps(value, separators=(",", ":")).encode()


def _json_segment(value: Any) -> str:
    return b64url_encode(compact_json(value))


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header and claims (decoded, not verified) and the signature segment of a compact JWS."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    return json.loads(b64url_decode(header_b64)), json.loads(b64url_decode(payload_b64)), signature_b64


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Signer | None = None) -> str:
    """A compact JWS with exactly this header and these claims, signed by ``sign`` (None: unsigned)."""
    return forge_raw(header, compact_json(claims), sign)


def forge_raw(header: dict[str, Any], payload: bytes, sign: Signer | None = None) -> str:
    """Like ``forge``, with the payload's exact bytes (for payloads ``json.dumps`` cannot write)."""
    signing_input = f"{_json_segment(header)}.{b64url_encode(payload)}"
    signature = sign(signing_input.encode("ascii")) if sign is not None else b""
    return f"{signing_input}.{b64url_encode(signature)}"


def hmac_signer(key: bytes, alg: str = "HS256") -> Signer:
    """A signer for ``alg`` (HS256/384/512) with ``key`` (by hand: PyJWT would warn about short keys, rightly)."""
    digest = HMAC_DIGESTS[alg]
    return lambda signing_input: hmac.new(key, signing_input, digest).digest()


def hs256(key: bytes) -> Signer:
    """A signer for HMAC-SHA256 with ``key``."""
    return hmac_signer(key, "HS256")


def ed25519(private_key: Ed25519PrivateKey) -> Signer:
    return private_key.sign


def tamper(token: str, **changes: Any) -> str:
    """``token`` with claims changed and the ORIGINAL header and signature kept."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    claims = {**json.loads(b64url_decode(payload_b64)), **changes}
    return f"{header_b64}.{_json_segment(claims)}.{signature_b64}"


def public_jwk(private_key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    """The public half of ``private_key`` as a JWK shaped like Better Auth's."""
    raw = private_key.public_key().public_bytes_raw()
    return {"alg": "EdDSA", "crv": "Ed25519", "x": b64url_encode(raw), "kty": "OKP", "kid": kid}


__all__ = ["HMAC_DIGESTS", "Signer", "b64url_decode", "b64url_encode", "compact_json", "ed25519", "forge",
           "forge_raw", "hmac_signer", "hs256", "public_jwk", "split", "tamper"]
