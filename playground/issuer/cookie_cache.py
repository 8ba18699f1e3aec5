"""The session cache cookie ``<prefix>.session_data`` in Better Auth's three encodings.

``cookies/index.mjs`` (setCookieCache / decodeCookieCache) and ``crypto/jwt.mjs``:

* ``compact``: base64url(JSON ``{session, expiresAt, signature}``), signature = HMAC-SHA256 of
  ``JSON({...session, expiresAt})`` with the secret, base64url without padding;
* ``jwt``: HS256 signed with the *raw secret*, ``iat``/``exp`` added — or, with the jwt plugin's
  ``sessionCookieCache``, signed by the JWKS key with ``typ: better-auth.session-cache+jwt``;
* ``jwe``: ``dir`` + ``A256CBC-HS512``, key = HKDF-SHA256(secret, salt "better-auth-session",
  info "BetterAuth.js Generated Encryption Key", 64 bytes), ``kid`` = its RFC 7638 thumbprint.

The cached payload is ``{session, user, updatedAt (ms), version: "1"}``. Values are under 4 KB
for this project's users, so Better Auth's chunking into ``session_data.0``, ``.1`` is not needed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import uuid
from typing import TYPE_CHECKING, Any

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from playground.issuer import keys
from playground.issuer.javascript import stringify
from playground.issuer.tokens import encode_jws
from playground.jose import b64url_decode, b64url_encode

if TYPE_CHECKING:
    from playground.issuer.state import Issuer

JWE_SALT = b"better-auth-session"
JWE_INFO = b"BetterAuth.js Generated Encryption Key"
SESSION_CACHE_TYP = "better-auth.session-cache+jwt"
SESSION_CACHE_AUDIENCE = "better-auth:session-cache"


def _js(value: Any) -> str:
    return stringify(value)


def encode(issuer: Issuer, result: dict[str, Any], max_age: int | None, origin: str) -> str:
    config = issuer.config
    now = config.clock.now()
    data = {"session": result["session"], "user": result["user"], "updatedAt": math.floor(now * 1000), "version": "1"}
    strategy = config.cookie_cache.strategy
    lifetime = max_age or 300
    if strategy == "jwe":
        return _jwe_encrypt(data, config.secret, now, lifetime, issuer.rng.bytes)
    if strategy == "jwt":
        iat = math.floor(now)
        if config.session_cookie_cache:
            row = issuer.signer.signing_key()
            payload = {**data, "sid": data["session"]["token"], "iat": iat, "exp": iat + lifetime,
                       "iss": origin or SESSION_CACHE_AUDIENCE, "aud": SESSION_CACHE_AUDIENCE,
                       "sub": data["user"]["id"]}
            header = {"kid": row.id, "typ": SESSION_CACHE_TYP}
            return encode_jws(payload, keys.load_private(row, config.secret), row.alg, header)
        payload = {**data, "iat": iat, "exp": iat + lifetime}
        return encode_jws(payload, config.secret.encode(), "HS256", {})
    expires_at = math.floor(now * 1000) + (max_age or 60) * 1000
    signature = _compact_signature(config.secret, data, expires_at)
    return b64url_encode(_js({"session": data, "expiresAt": expires_at, "signature": signature}).encode())


# A cached session is re-parsed by zod's session/user schemas, which put their own fields first:
# get-session answered from the cache (and its set-auth-jwt) lists members in this order.
SESSION_ORDER = ("id", "createdAt", "updatedAt", "userId", "expiresAt", "token", "ipAddress", "userAgent")
USER_ORDER = ("id", "createdAt", "updatedAt", "email", "emailVerified", "name", "image")


def _schema_order(row: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    first = {k: row[k] for k in order if k in row}
    return {**first, **{k: v for k, v in row.items() if k not in first}}


def decode(issuer: Issuer, value: str, origin: str) -> dict[str, Any] | None:
    """The cached ``{session, user}`` if the cookie is authentic and unexpired, else ``None``."""
    config = issuer.config
    now = config.clock.now()
    try:
        strategy = config.cookie_cache.strategy
        if strategy == "jwe":
            data = _jwe_decrypt(value, config.secret, now)
        elif strategy == "jwt":
            data = _jwt_decode(issuer, value, origin, now)
        else:
            outer = json.loads(b64url_decode(value))
            expected = _compact_signature(config.secret, outer["session"], outer["expiresAt"])
            if not hmac.compare_digest(expected, outer["signature"]) or outer["expiresAt"] < now * 1000:
                return None
            data = outer["session"]
        if data is None:
            return None
        session, user = _schema_order(data["session"], SESSION_ORDER), _schema_order(data["user"], USER_ORDER)
        return {"session": session, "user": user}
    # RecursionError: a cookie is attacker-controlled JSON, and deep nesting must not become a 500.
    except (ValueError, KeyError, TypeError, RecursionError, pyjwt.PyJWTError, keys.KeyDecryptionError):
        return None


def _compact_signature(secret: str, data: dict[str, Any], expires_at: int) -> str:
    """HMAC-SHA256 of ``JSON.stringify({...sessionData, expiresAt})``, base64url without padding."""
    message = _js({**data, "expiresAt": expires_at}).encode()
    return b64url_encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())


def _jwt_decode(issuer: Issuer, value: str, origin: str, now: float) -> dict[str, Any] | None:
    config = issuer.config
    # PyJWT checks time against the wall clock; the playground's clock may be frozen or shifted,
    # so signatures and claims are checked by PyJWT and expiry here.
    options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
    if not config.session_cookie_cache:
        payload = pyjwt.decode(value, config.secret.encode(), algorithms=["HS256"], options=options)
        return payload if payload["exp"] > now else None  # jose's jwtVerify: no clock tolerance
    header = pyjwt.get_unverified_header(value)
    if header.get("typ") != SESSION_CACHE_TYP:
        return None
    row = next((r for r in issuer.store.keys() if r.id == header.get("kid")), None)
    if row is None:
        return None
    public = pyjwt.PyJWK(json.loads(row.public_key), algorithm=row.alg)
    payload = pyjwt.decode(value, public, algorithms=[row.alg], audience=SESSION_CACHE_AUDIENCE,
                           issuer=origin or SESSION_CACHE_AUDIENCE, options=options)
    if payload["exp"] + 15 <= now:  # clockTolerance: 15
        return None
    if payload.get("sub") != payload["user"]["id"] or payload.get("sid") != payload["session"]["token"]:
        return None
    return payload


def _jwe_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=JWE_SALT, info=JWE_INFO).derive(secret.encode())


def _jwe_encrypt(data: dict[str, Any], secret: str, now: float, lifetime: int, random_bytes) -> str:
    key = _jwe_key(secret)
    thumbprint = b64url_encode(hashlib.sha256(_js({"k": b64url_encode(key), "kty": "oct"}).encode()).digest())
    header = b64url_encode(_js({"alg": "dir", "enc": "A256CBC-HS512", "kid": thumbprint}).encode())
    iat = math.floor(now)
    jti = str(uuid.UUID(bytes=random_bytes(16), version=4))
    plaintext = _js({**data, "iat": iat, "exp": iat + lifetime, "jti": jti}).encode()
    iv = random_bytes(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key[32:]), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()
    tag = _cbc_hmac_tag(key[:32], header.encode(), iv, ciphertext)
    return ".".join([header, "", b64url_encode(iv), b64url_encode(ciphertext), b64url_encode(tag)])


def _cbc_hmac_tag(mac_key: bytes, aad: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """RFC 7518 5.2.2.1: HMAC-SHA-512 over AAD || IV || C || AL, truncated to 32 bytes."""
    al = (len(aad) * 8).to_bytes(8, "big")
    return hmac.new(mac_key, aad + iv + ciphertext + al, hashlib.sha512).digest()[:32]


def _jwe_decrypt(token: str, secret: str, now: float) -> dict[str, Any] | None:
    header, encrypted_key, iv, ciphertext, tag = token.split(".")
    meta = json.loads(b64url_decode(header))
    if meta.get("alg") != "dir" or meta.get("enc") != "A256CBC-HS512" or encrypted_key:
        return None
    key = _jwe_key(secret)
    iv_b, ct_b = b64url_decode(iv), b64url_decode(ciphertext)
    if not hmac.compare_digest(_cbc_hmac_tag(key[:32], header.encode(), iv_b, ct_b), b64url_decode(tag)):
        return None
    decryptor = Cipher(algorithms.AES(key[32:]), modes.CBC(iv_b)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plaintext = unpadder.update(decryptor.update(ct_b) + decryptor.finalize()) + unpadder.finalize()
    payload = json.loads(plaintext)
    # jose's jwtDecrypt with clockTolerance 15 s.
    if payload.get("exp") is not None and payload["exp"] + 15 <= now:
        return None
    return payload
