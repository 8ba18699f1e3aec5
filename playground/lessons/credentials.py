"""Helpers for lesson 07 (the other credentials): read Better Auth's secret-based credentials the
way a Python service holding ``BETTER_AUTH_SECRET`` would, and start a second auth server with
other options next to the running playground.

* ``verify_compact_cache`` / ``decrypt_jwe_cache``: the ``session_data`` cookie of
  ``session.cookieCache`` with ``strategy: "compact"`` (base64url JSON + HMAC-SHA256) and
  ``"jwe"`` (``dir`` + ``A256CBC-HS512``, key derived from the secret with HKDF). The ``"jwt"``
  strategy is ``playground.backend.sessions.verify_cookie_cache_jwt``. Formats read off
  ``better-auth/dist/cookies/index.mjs`` and ``dist/crypto/jwt.mjs`` (1.7).
* ``verify_hs256_jwt``: a token made by a custom ``jwt({ jwt: { sign } })`` that signs HS256
  with the secret — the only way to get HS256 out of the jwt plugin.
* ``start_issuer_like(pg, options)``: the same kind of auth server as ``pg`` (embedded or the real
  Better Auth), same secret and demo users, configured with the shared JSON option tree.

Every check here fails closed with the backend's ``InvalidTokenError`` and a reason code, and
reads *now* from an injected ``Clock`` (PyJWT's own time checks read the wall clock).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import unquote

import jwt
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from playground.auth_server import AUTO, EMBEDDED, REAL, AuthServer, start_auth_server
from playground.backend.errors import InvalidTokenError, Reason
from playground.backend.verify import claim_problems
from playground.clock import Clock
from playground.jose import b64url_decode, b64url_encode

#: HKDF inputs of Better Auth's ``symmetricEncodeJWT`` for the session cookie cache.
JWE_SALT = b"better-auth-session"
JWE_INFO = b"BetterAuth.js Generated Encryption Key"


def _unb64url(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise InvalidTokenError(Reason.MALFORMED, "not base64url without padding")
    try:
        return b64url_decode(text)
    except (binascii.Error, ValueError):
        raise InvalidTokenError(Reason.MALFORMED, "not base64url") from None


def _js_json(value: Any) -> bytes:
    # JSON.stringify's output for the values Better Auth puts here (no spaces, UTF-8, same order).
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InvalidTokenError(Reason.MALFORMED, f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidTokenError(Reason.MALFORMED, f"the {what} is not a JSON object")
    return value


def _session_payload(data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(data.get("session"), dict) or not isinstance(data.get("user"), dict):
        raise InvalidTokenError(Reason.INVALID_SESSION, "the cookie cache has no session and user")
    return data


def verify_compact_cache(value: str, secret: str, *, clock: Clock) -> dict[str, Any]:
    """``{session, user, updatedAt, version}`` of a ``compact`` cookie cache, checked with ``secret``.

    The cookie is base64url(JSON ``{"session": data, "expiresAt": ms, "signature": s}``) with
    ``s`` = base64url(HMAC-SHA256(secret, JSON({...data, "expiresAt": ms}))).
    """
    outer = _json_object(_unb64url(unquote(value)), "cookie cache")
    data, expires_at, signature = outer.get("session"), outer.get("expiresAt"), outer.get("signature")
    if not isinstance(data, dict) or not isinstance(expires_at, int) or not isinstance(signature, str):
        raise InvalidTokenError(Reason.MALFORMED, "a compact cookie cache is {session, expiresAt, signature}")
    signed = _js_json({**data, "expiresAt": expires_at})
    expected = b64url_encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidTokenError(Reason.BAD_SIGNATURE, "the cookie cache's HMAC does not match BETTER_AUTH_SECRET")
    if clock.now() * 1000 >= expires_at:
        raise InvalidTokenError(Reason.EXPIRED, "the cookie cache has expired")
    return _session_payload(data)


def jwe_key(secret: str) -> bytes:
    """The 64-byte A256CBC-HS512 key Better Auth derives from the secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=JWE_SALT, info=JWE_INFO).derive(secret.encode())


def decrypt_jwe_cache(value: str, secret: str, *, clock: Clock) -> dict[str, Any]:
    """The claims (``session``, ``user``, ``iat``, ``exp``, ``jti``...) of a ``jwe`` cookie cache.

    RFC 7516 compact JWE with ``alg: dir`` (no encrypted key) and ``enc: A256CBC-HS512``
    (RFC 7518 §5.2.5): the first 32 key bytes authenticate (HMAC-SHA-512 over AAD || IV ||
    ciphertext || AAD bit length, truncated to 32 bytes), the last 32 decrypt (AES-256-CBC).
    The tag is checked before anything is decrypted.
    """
    parts = unquote(value).split(".")
    if len(parts) != 5:
        raise InvalidTokenError(Reason.MALFORMED, f"a compact JWE has 5 segments, this has {len(parts)}")
    header_b64, encrypted_key, iv_b64, ciphertext_b64, tag_b64 = parts
    header = _json_object(_unb64url(header_b64), "JWE header")
    if header.get("alg") != "dir" or header.get("enc") != "A256CBC-HS512" or encrypted_key:
        raise InvalidTokenError(Reason.UNSUPPORTED_ALGORITHM, "expected alg 'dir' and enc 'A256CBC-HS512'")
    key = jwe_key(secret)
    iv, ciphertext, tag = _unb64url(iv_b64), _unb64url(ciphertext_b64), _unb64url(tag_b64)
    aad = header_b64.encode("ascii")
    mac_input = aad + iv + ciphertext + (len(aad) * 8).to_bytes(8, "big")
    expected = hmac.new(key[:32], mac_input, hashlib.sha512).digest()[:32]
    if len(iv) != 16 or not hmac.compare_digest(expected, tag):
        raise InvalidTokenError(Reason.BAD_SIGNATURE, "the cookie cache was not encrypted with BETTER_AUTH_SECRET")
    decryptor = Cipher(algorithms.AES(key[32:]), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(decryptor.update(ciphertext) + decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        raise InvalidTokenError(Reason.MALFORMED, "the cookie cache does not decrypt") from None
    claims = _json_object(plaintext, "JWE payload")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or clock.now() >= exp:
        raise InvalidTokenError(Reason.EXPIRED, "the cookie cache has expired")
    return _session_payload(claims)


def verify_hs256_jwt(token: str, secret: str, *, issuer: str, audience: str, clock: Clock) -> dict[str, Any]:
    """The claims of an HS256 JWT signed with ``secret`` by a custom ``jwt.sign``.

    ``algorithms=["HS256"]`` is fixed here, never read from the token. Claims are checked like
    the reference backend's (``verify.claim_problems``) against ``clock``.
    """
    try:
        decoded = jwt.PyJWS().decode_complete(token, secret.encode(), algorithms=["HS256"])
    except jwt.InvalidSignatureError:
        raise InvalidTokenError(Reason.BAD_SIGNATURE, "the signature does not match BETTER_AUTH_SECRET") from None
    except jwt.InvalidAlgorithmError:
        raise InvalidTokenError(Reason.UNSUPPORTED_ALGORITHM, "only HS256 is accepted here") from None
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(Reason.MALFORMED, f"not a JWS: {exc}") from None
    claims = _json_object(decoded["payload"], "payload")
    problems = claim_problems(claims, issuer=issuer, audience=audience, now=clock.now())
    if problems:
        raise problems[0]
    return claims


def start_issuer_like(pg, options: dict[str, Any] | None = None, *, base_url: str | None = AUTO) -> AuthServer:
    """A second auth server of the same kind as ``pg``'s, configured with ``options`` (the JSON
    option tree of ``playground/issuer/README.md``), with ``pg``'s secret and demo users.

    ``base_url``: ``"auto"`` = the server's own ``http://127.0.0.1:PORT``; ``None`` leaves it
    unset (Better Auth then takes ``iss``/``aud`` from each request's Host header); any other
    string is used as ``BETTER_AUTH_URL`` (e.g. an https URL, for ``__Secure-`` cookies).

    Returns the running ``AuthServer`` (``.url``, ``.stop()``). The embedded one shares ``pg``'s
    issuer clock, so ``pg.advance`` moves it too; with the real Better Auth (``pg.issuer_clock``
    is ``None``) it is another Node process.
    """
    if pg.issuer_clock is None:
        return start_auth_server(REAL, secret=pg.secret, demo_password=pg.demo_password, options=options,
                                 base_url=base_url)
    return start_auth_server(EMBEDDED, secret=pg.secret, demo_password=pg.demo_password, options=options,
                             base_url=base_url, clock=pg.issuer_clock, deterministic=pg.issuer_clock.is_frozen)
