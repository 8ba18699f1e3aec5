"""One token, one spelling. A base64url segment whose length is 2 or 3 (mod 4) ends in a character
with 4 or 2 unused bits; decoders ignore them, so up to 16 strings decode to the same bytes — the
same signature verifies for each, and a cache keyed by the string holds each separately. Only the
canonical spelling (unused bits zero, RFC 4648 §3.5) is accepted, in every segment of the access
JWT, in the cookie cache JWT and in the signed session cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import urllib.parse

import httpx
import pytest
from fake_issuer import b64url

from playground.backend import create_app
from playground.backend.errors import InvalidTokenError, Reason
from playground.backend.sessions import sign_session_token, verify_session_cookie
from playground.backend.verify import decode_unverified
from playground.servers import ServerThread

B64URL = string.ascii_letters + string.digits + "-_"
B64 = string.ascii_letters + string.digits + "+/"


def respellings(segment: str, alphabet: str = B64URL, *, urlsafe: bool = True) -> list[str]:
    """Every other string that decodes to the same bytes as ``segment`` (last character changed)."""
    decode = base64.urlsafe_b64decode if urlsafe else base64.b64decode
    body = segment.rstrip("=")
    padding = segment[len(body):] or "=" * (-len(body) % 4)
    original = decode(body + padding)
    return [
        body[:-1] + char + segment[len(body):]
        for char in alphabet
        if char != body[-1] and decode(body[:-1] + char + padding) == original
    ]


@pytest.fixture(scope="module")
def secret() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def local(issuer, secret):
    """A backend of our own (its token cache is inspected) with the secret for the session paths."""
    app = create_app(issuer.settings(better_auth_secret=secret), clock=issuer.clock)
    server = ServerThread(app, name="canonical").start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client, app
    server.stop()


def refused(response: httpx.Response, part: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == "non_canonical_encoding", response.json()
    assert "non-canonical base64" in response.json()["detail"] and part in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def tokens_with_every_residue(issuer) -> list[str]:
    # Header and payload lengths 0, 2 and 3 (mod 4) between them: an extra header member and a
    # padding claim of 0-3 characters move the lengths through every residue.
    tokens = []
    for extra in range(4):
        header = {"alg": "EdDSA", "kid": issuer.kid, "x": "h" * extra}
        claims = issuer.claims(pad="p" * extra)
        signing_input = f"{b64url(header)}.{b64url(claims)}"
        tokens.append(f"{signing_input}.{b64url(issuer.key.sign(signing_input.encode()))}")
    return tokens


def test_the_token_set_covers_both_residues_with_unused_bits(issuer):
    residues = {(i, len(s) % 4) for t in tokens_with_every_residue(issuer) for i, s in enumerate(t.split("."))}
    assert {(0, 2), (0, 3), (1, 2), (1, 3), (2, 2)} <= residues


@pytest.mark.parametrize("index, part", [(0, "header"), (1, "payload"), (2, "signature")])
def test_every_respelling_of_every_segment_is_refused(local, issuer, index, part):
    api, app = local
    tried = 0
    for token in tokens_with_every_residue(issuer):
        assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        segments = token.split(".")
        for variant in respellings(segments[index]):
            respelled = ".".join(segments[:index] + [variant] + segments[index + 1:])
            refused(api.get("/api/me", headers={"Authorization": f"Bearer {respelled}"}), part)
            assert respelled not in app.state.verifier.cache
            tried += 1
    assert tried >= 3 if index < 2 else tried == 4 * 15  # an Ed25519 signature has 15 other spellings


def test_a_signature_has_one_cache_entry_not_sixteen(local, issuer):
    api, app = local
    token = issuer.mint(user_id="user-one-spelling")
    header, payload, signature = token.split(".")
    before = len(app.state.verifier.cache)
    statuses = [
        api.get("/api/me", headers={"Authorization": f"Bearer {header}.{payload}.{variant}"}).status_code
        for variant in [signature, *respellings(signature)]
    ]
    assert statuses == [200] + [401] * 15
    assert len(app.state.verifier.cache) == before + 1


def test_decode_unverified_names_the_part():
    header = b64url({"alg": "EdDSA", "kid": "k"})  # 3 (mod 4) long: 2 unused bits
    with pytest.raises(InvalidTokenError) as caught:
        decode_unverified(f"{respellings(header)[0]}.{b64url({'sub': 'a'})}.")
    assert caught.value.reason is Reason.NON_CANONICAL_ENCODING
    assert "header" in caught.value.description


def test_cookie_cache_respellings_are_refused(local, issuer, secret):
    api, _ = local
    now = int(issuer.clock.now())
    payload = {"session": {"id": "s1", "userId": "user-ada", "expiresAt": "2026-01-08T09:00:00.000Z"},
               "user": {"id": "user-ada"}, "iat": now, "exp": now + 300}
    signing_input = f"{b64url({'alg': 'HS256'})}.{b64url(payload)}"
    signature = b64url(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())  # 43: 2 unused bits
    cookie = "better-auth.session_data={}"
    assert (
        api.get("/api/session/cached", headers={"Cookie": cookie.format(f"{signing_input}.{signature}")}).status_code
        == 200
    )
    variants = respellings(signature)
    assert len(variants) == 3
    for variant in variants:
        refused(
            api.get("/api/session/cached", headers={"Cookie": cookie.format(f"{signing_input}.{variant}")}), "signature"
        )


def test_session_cookie_respellings_are_refused(local, issuer, secret):
    api, _ = local
    issuer.session_body = "null"  # Better Auth does not know it: the canonical one gets that far
    value = sign_session_token("a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6", secret)
    token, signature = value.split(".")
    assert verify_session_cookie(value, secret) == token
    variants = respellings(signature, B64, urlsafe=False) + [signature.rstrip("=")]
    assert len(variants) == 4  # 3 other last characters, and the unpadded form
    for form in (lambda v: v, lambda v: urllib.parse.quote(v, safe="")):
        cookie = {"Cookie": f"better-auth.session_token={form(value)}"}
        assert api.get("/api/session/me", headers=cookie).json()["reason"] == "invalid_session"
        for variant in variants:
            with pytest.raises(InvalidTokenError) as caught:
                verify_session_cookie(f"{token}.{variant}", secret)
            assert caught.value.reason is Reason.NON_CANONICAL_ENCODING
            cookie = {"Cookie": f"better-auth.session_token={form(f'{token}.{variant}')}"}
            response = api.get("/api/session/me", headers=cookie)
            assert (response.status_code, response.json()["reason"]) == (401, "non_canonical_encoding")


def test_canonical_segments_of_all_lengths_still_decode():
    # The check is on the last character only: canonical encodings of any length pass.
    for size in range(40):
        data = json.dumps({"v": "x" * size}).encode()
        decoded = decode_unverified(f"{b64url(data)}.{b64url(data)}.{b64url(bytes(size))}", max_token_bytes=8192)
        assert decoded.header == {"v": "x" * size}


def test_session_cookie_respellings_are_refused_without_the_secret_too(api, backend, issuer):
    # No secret to check the HMAC with: the spelling is still checked, before any call to Better Auth.
    issuer.session_body = "null"
    value = sign_session_token("a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6", secrets.token_urlsafe(32))
    token, signature = value.split(".")
    validator = backend[0].state.session_validator
    calls = validator.calls
    assert (
        api.get("/api/session/me", headers={"Authorization": f"Bearer {value}"}).json()["reason"] == "invalid_session"
    )
    assert validator.calls == calls + 1
    for variant in respellings(signature, B64, urlsafe=False) + [signature.rstrip("=")]:
        response = api.get("/api/session/me", headers={"Authorization": f"Bearer {token}.{variant}"})
        assert (response.status_code, response.json()["reason"]) == (401, "non_canonical_encoding")
    assert validator.calls == calls + 1
