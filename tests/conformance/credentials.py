"""Independent checks of the credentials a server hands out, written from Better Auth's source.

Each function recomputes what Better Auth computes (``better-auth/dist/cookies``, ``crypto``,
``plugins/jwt``) with Python's own libraries, so a server passes only if it produced exactly
the bytes Better Auth would accept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import unquote

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

JWE_INFO = b"BetterAuth.js Generated Encryption Key"
JWE_SALT = b"better-auth-session"


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def session_cookie_is_signed(cookie_value: str, secret: str) -> bool:
    """``token + "." + base64std(HMAC-SHA256(secret, token))``, percent-encoded in the cookie."""
    token, _, signature = unquote(cookie_value).partition(".")
    expected = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return hmac.compare_digest(signature, expected)


def js_json(value: Any) -> str:
    """``JSON.stringify``: compact, member order kept, non-ASCII as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def decode_compact_cache(value: str, secret: str) -> dict:
    """The ``compact`` cookie cache: base64url JSON ``{session, expiresAt, signature}``, where the
    signature is base64url HMAC-SHA256 over ``JSON.stringify({...session, expiresAt})``."""
    document = json.loads(_b64url_decode(value))
    signed = js_json({**document["session"], "expiresAt": document["expiresAt"]})
    expected = _b64url(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, document["signature"]):
        raise ValueError("compact cookie cache: signature does not match the secret")
    return document


def decode_jwt_cache(value: str, secret: str) -> dict:
    """The ``jwt`` cookie cache: HS256 with the raw secret; only ``iat``/``exp`` registered claims."""
    return pyjwt.decode(value, secret.encode(), algorithms=["HS256"], options={"require": ["iat", "exp"]})


def jwe_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=JWE_SALT, info=JWE_INFO).derive(secret.encode())


def decrypt_jwe_cache(value: str, secret: str) -> tuple[dict, dict]:
    """The ``jwe`` cookie cache: ``dir`` + ``A256CBC-HS512`` (RFC 7518 §5.2.5) with the HKDF key."""
    protected, encrypted_key, iv, ciphertext, tag = value.split(".")
    header = json.loads(_b64url_decode(protected))
    if header.get("alg") != "dir" or header.get("enc") != "A256CBC-HS512" or encrypted_key:
        raise ValueError(f"unexpected JWE header {header}")
    key = jwe_key(secret)
    mac_key, enc_key = key[:32], key[32:]
    aad = protected.encode()
    iv_bytes, ct_bytes = _b64url_decode(iv), _b64url_decode(ciphertext)
    mac_input = aad + iv_bytes + ct_bytes + (len(aad) * 8).to_bytes(8, "big")
    expected_tag = hmac.new(mac_key, mac_input, hashlib.sha512).digest()[:32]
    if not hmac.compare_digest(expected_tag, _b64url_decode(tag)):
        raise ValueError("JWE authentication tag does not match the HKDF key of this secret")
    decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv_bytes)).decryptor()
    padded = decryptor.update(ct_bytes) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return header, json.loads(unpadder.update(padded) + unpadder.finalize())


def jwk_thumbprint_of_oct(key: bytes) -> str:
    """RFC 7638 thumbprint of ``{"k", "kty": "oct"}`` (jose's ``calculateJwkThumbprint``), the JWE ``kid``."""
    canonical = js_json({"k": _b64url(key), "kty": "oct"})
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def verify_with_jwks(token: str, jwks: dict, *, issuer: Any, audience: Any) -> dict:
    """PyJWT against the server's JWKS, with the key picked by ``kid`` and the alg from the key."""
    header = pyjwt.get_unverified_header(token)
    entry = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    key = pyjwt.PyJWK(entry, algorithm=entry["alg"])
    options = {"require": ["exp", "iss", "aud", "sub"]}
    return pyjwt.decode(token, key.key, algorithms=[entry["alg"]], issuer=issuer, audience=audience, options=options)
