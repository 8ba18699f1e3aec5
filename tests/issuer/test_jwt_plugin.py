"""jwt() plugin options: algorithms, claims options, definePayload, lazy keys, rotation, custom sign."""

from __future__ import annotations

import json

import jwt
import pytest

from playground.clock import Clock
from playground.issuer import keys

JWKS_MEMBERS = {
    "EdDSA": ["alg", "crv", "x", "kty", "kid"],
    "ES256": ["alg", "crv", "kty", "x", "y", "kid"],
    "ES512": ["alg", "crv", "kty", "x", "y", "kid"],
    "PS256": ["alg", "kty", "n", "e", "kid"],
    "RS256": ["alg", "kty", "n", "e", "kid"],
}


def jwt_options(**jwt_plugin) -> dict:
    return {"plugins": {"jwt": jwt_plugin}}


def token_and_key(issuer) -> tuple[str, jwt.PyJWK]:
    issuer.sign_in()
    token = issuer.client.get("/token").json()["token"]
    kid = jwt.get_unverified_header(token)["kid"]
    entry = next(k for k in issuer.client.get("/jwks").json()["keys"] if k["kid"] == kid)
    return token, jwt.PyJWK(entry)


@pytest.mark.parametrize("alg", sorted(JWKS_MEMBERS))
def test_each_algorithm_signs_tokens_that_verify_against_jwks(start_issuer, alg):
    issuer = start_issuer(from_options=jwt_options(jwks={"keyPairConfig": {"alg": alg}}))
    token, key = token_and_key(issuer)
    assert jwt.get_unverified_header(token) == {"alg": alg, "kid": key.key_id}
    assert list(issuer.client.get("/jwks").json()["keys"][0]) == JWKS_MEMBERS[alg]
    claims = jwt.decode(token, key, algorithms=[alg], audience=issuer.url, issuer=issuer.url)
    assert claims["email"] == "ada@example.com"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB"), key, algorithms=[alg],
                   audience=issuer.url)


def test_expiration_issuer_and_list_audience(start_issuer):
    issuer = start_issuer(from_options=jwt_options(
        jwt={"expirationTime": "1h", "issuer": "https://issuer.example", "audience": ["api-1", "api-2"]}))
    token, key = token_and_key(issuer)
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience="api-2", issuer="https://issuer.example")
    assert claims["aud"] == ["api-1", "api-2"] and claims["exp"] - claims["iat"] == 3600
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["EdDSA"], audience=issuer.url)


def test_define_payload_replaces_the_user_object(start_issuer):
    issuer = start_issuer(from_options=jwt_options(jwt={"definePayload": "minimal"}))
    token, key = token_and_key(issuer)
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience=issuer.url)
    assert list(claims) == ["iat", "email", "role", "sub", "exp", "iss", "aud"]
    assert claims["role"] == "admin" and len(claims["sub"]) == 32


def test_define_payload_python_hook(start_issuer):
    issuer = start_issuer(define_payload=lambda s: {"uid": s["user"]["id"], "sub": "ignored", "iat": 1000})
    token, key = token_and_key(issuer)
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience=issuer.url, options={"verify_exp": False})
    # sub is forced back to the user id; a returned iat shifts exp with it.
    assert claims["sub"] == claims["uid"] and claims["iat"] == 1000 and claims["exp"] == 1900


def test_keys_are_created_lazily_and_stored_encrypted(start_issuer):
    issuer = start_issuer()
    store = issuer.app.state.issuer.store
    assert store.keys() == []
    kid = issuer.client.get("/jwks").json()["keys"][0]["kid"]
    (row,) = store.keys()
    assert row.id == kid
    sealed = json.loads(row.private_key)
    assert '"d"' not in row.private_key and len(bytes.fromhex(sealed)) > 24
    assert json.loads(keys.decrypt(issuer.config.secret, sealed))["d"]


def test_rotation_interval_and_grace_period(start_issuer):
    clock = Clock.frozen()
    issuer = start_issuer(clock=clock, from_options=jwt_options(jwks={"rotationInterval": 60, "gracePeriod": 120}))
    first, _ = token_and_key(issuer)
    clock.shift(61)  # the first key expired: the next signing mints a second one
    second = issuer.client.get("/token").json()["token"]
    kid = lambda token: jwt.get_unverified_header(token)["kid"]  # noqa: E731
    assert kid(first) != kid(second)
    assert [k["kid"] for k in issuer.client.get("/jwks").json()["keys"]] == [kid(first), kid(second)]
    clock.shift(120)  # t=181: the first key is past expiry (60) + grace (120); the second is within grace
    listed = [k["kid"] for k in issuer.client.get("/jwks").json()["keys"]]
    assert kid(first) not in listed and kid(second) in listed


def test_custom_hs256_sign_and_jwks_404(start_issuer):
    issuer = start_issuer(from_options=jwt_options(
        sign="hs256-secret", jwks={"remoteUrl": "https://keys.example/jwks", "keyPairConfig": {"alg": "EdDSA"}}))
    issuer.sign_in()
    token = issuer.client.get("/token").json()["token"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256"}
    claims = jwt.decode(token, issuer.config.secret, algorithms=["HS256"], audience=issuer.url)
    assert claims["email"] == "ada@example.com"
    response = issuer.client.get("/jwks")
    assert (response.status_code, response.content) == (404, b"")


def test_custom_sign_requires_remote_url():
    from playground.issuer import IssuerConfig

    with pytest.raises(ValueError, match="remoteUrl"):
        IssuerConfig.from_options(jwt_options(sign="hs256-secret"), base_url=None, secret="s" * 32)
    with pytest.raises(ValueError, match="keyPairConfig.alg"):
        IssuerConfig.from_options(jwt_options(jwks={"remoteUrl": "https://k.example"}), base_url=None, secret="s" * 32)


def test_disable_setting_jwt_header(start_issuer):
    issuer = start_issuer(from_options=jwt_options(disableSettingJwtHeader=True))
    issuer.sign_in()
    response = issuer.client.get("/get-session")
    assert response.json()["user"]["email"] == "ada@example.com"
    assert "set-auth-jwt" not in response.headers and "access-control-expose-headers" not in response.headers
