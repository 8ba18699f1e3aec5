"""Lesson 10's helper: the real better-auth's auth.api.signJWT sets iat only when the payload has one,
while filling in exp, iss and aud; both tokens verify with the /jwks it publishes."""

from __future__ import annotations

import jwt
import pytest

from playground.lessons.server_signing import BASE_URL, sign_jwt_real

pytestmark = pytest.mark.node


def test_sign_jwt_sets_iat_only_when_the_payload_has_one():
    signed = sign_jwt_real([{"sub": "user-1"}, {"sub": "user-1", "iat": 1_800_000_000, "aud": "https://billing.example"}])
    (key,) = jwt.PyJWKSet.from_dict(signed.jwks).keys
    without, with_iat = (jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_aud": False,
                                                                                   "verify_exp": False,
                                                                                   "verify_iat": False})
                         for token in signed.tokens)
    assert sorted(without) == ["aud", "exp", "iss", "sub"] and without["iss"] == without["aud"] == BASE_URL
    assert with_iat["iat"] == 1_800_000_000 and with_iat["exp"] == 1_800_000_000 + 15 * 60  # exp follows iat
    assert with_iat["aud"] == "https://billing.example"  # a payload aud wins over the default
