"""What the checker's issuer issues, and the session credentials it forges from them.

``issuer_options(config)``: the JSON option tree both issuers start with (Better Auth's defaults,
the session cookie cache in the ``--cookie-cache`` strategy, the jwt plugin's ``issuer`` and
``audience`` when the app pins its own).

The session forgeries follow Better Auth's cookie formats (``playground/issuer/cookie_cache.py``
and ``better-auth/dist/cookies``): a ``session_token`` signed with the wrong secret; a
``session_data`` cookie whose contents were changed by someone without the secret; one signed
with the secret but expired an hour ago.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import hmac
import json
import math
import os
import secrets
import tempfile
import time
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
import jwt as pyjwt

# The issuer's own encoders (private there: the checker is their one other user).
from playground.issuer.cookie_cache import _compact_signature, _jwe_decrypt, _jwe_encrypt
from playground.jose import b64url_decode, b64url_encode, compact_json, tamper
from playground.tls import client_tls

if TYPE_CHECKING:
    from .config import CheckConfig

COOKIE_CACHE_STRATEGIES = ("compact", "jwt", "jwe")
SESSION_TOKEN = "better-auth.session_token"
SESSION_DATA = "better-auth.session_data"


def issuer_options(config: CheckConfig) -> dict[str, Any]:
    options: dict[str, Any] = {"session": {"cookieCache": {"enabled": True, "strategy": config.cookie_cache,
                                                          "maxAge": 300}}}
    claims = {name: value for name, value in (("issuer", config.jwt_issuer), ("audience", config.jwt_audience))
              if value is not None}
    if claims:
        options["plugins"] = {"jwt": {"jwt": claims}}
    return options


def signed(token: str, secret: str) -> str:
    """Better Auth's signed cookie value for ``token`` (``token.base64(HMAC-SHA256)``), percent-encoded."""
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return urllib.parse.quote(f"{token}.{base64.b64encode(digest).decode()}", safe="")


def wrong_signature(token: str) -> str:
    """``token`` signed with a secret the attacker made up."""
    return signed(token, secrets.token_urlsafe(32))


def forged_session_data(value: str, strategy: str, user_id: str) -> str:
    """``value`` (a real ``session_data`` cookie) rewritten to name ``user_id`` with role admin,
    by someone who does not hold the secret: the old signature kept (jwt, compact), or encrypted
    under a key of their own (jwe)."""
    raw = urllib.parse.unquote(value)
    if strategy == "jwt":
        data = pyjwt.decode(raw, options={"verify_signature": False})
        return tamper(raw, user={**data["user"], "id": user_id, "role": "admin"},
                      session={**data["session"], "userId": user_id})
    if strategy == "compact":
        outer = json.loads(b64url_decode(raw))
        session = outer["session"]
        session["user"] = {**session["user"], "id": user_id, "role": "admin"}
        session["session"] = {**session["session"], "userId": user_id}
        return b64url_encode(compact_json(outer))
    data = _jwe_payload_template(user_id)
    return _jwe_encrypt(data, secrets.token_urlsafe(32), time.time(), 300, secrets.token_bytes)


def expired_session_data(value: str, strategy: str, secret: str) -> str:
    """``value`` re-issued with the real secret, its lifetime over an hour ago."""
    raw = urllib.parse.unquote(value)
    past = time.time() - 3600
    if strategy == "jwt":
        data = pyjwt.decode(raw, secret.encode(), algorithms=["HS256"], options={"verify_exp": False})
        return pyjwt.encode({**data, "iat": math.floor(past) - 300, "exp": math.floor(past)}, secret.encode(), "HS256")
    if strategy == "compact":
        outer = json.loads(b64url_decode(raw))
        expires_at = math.floor(past * 1000)
        signature = _compact_signature(secret, outer["session"], expires_at)
        return b64url_encode(compact_json({"session": outer["session"], "expiresAt": expires_at,
                                           "signature": signature}))
    data = _jwe_decrypt(raw, secret, time.time())
    if data is None:
        raise ValueError("the issuer's own session_data cookie did not decrypt with its secret")
    data = {name: value for name, value in data.items() if name not in ("iat", "exp", "jti")}
    return _jwe_encrypt(data, secret, past - 300, 300, secrets.token_bytes)


def _jwe_payload_template(user_id: str) -> dict[str, Any]:
    """A cached session as the jwe strategy encrypts it (the contents cannot be read without the secret)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    later = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 86400))
    uid = user_id
    return {"session": {"id": secrets.token_hex(16), "createdAt": now, "updatedAt": now, "userId": uid,
                        "expiresAt": later, "token": secrets.token_urlsafe(24), "ipAddress": "", "userAgent": ""},
            "user": {"id": uid, "createdAt": now, "updatedAt": now, "email": "ada@example.com", "emailVerified": True,
                     "name": "Ada", "image": None, "role": "admin"},
            "updatedAt": math.floor(time.time() * 1000), "version": "1"}



def jwks_placeholders(issuer: Any, env: Mapping[str, str]) -> dict[str, str]:
    """``{jwks_json}`` (the issuer's public key set as JSON) and ``{jwks_file}`` (a file holding it), for
    apps that read their keys themselves (from a file, or Better Auth's ``jwks`` table) instead of
    fetching the JWKS URL. Fetched only when ``env`` uses one of them."""
    if not any("{jwks_file}" in value or "{jwks_json}" in value for value in env.values()):
        return {"jwks_file": "", "jwks_json": ""}
    text = httpx.get(issuer.jwks_url, timeout=30.0, verify=client_tls()).raise_for_status().text
    handle, path = tempfile.mkstemp(prefix="playground-check-jwks-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    atexit.register(_remove, path)
    return {"jwks_file": path, "jwks_json": text}


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
