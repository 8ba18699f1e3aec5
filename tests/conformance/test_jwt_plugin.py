"""The jwt plugin on both servers: algorithms, JWKS entries, claims, presets, rotation, HS256, Host."""

from __future__ import annotations

import time

import httpx
import jwt as pyjwt
import pytest

from . import observe
from .compare import BOTH, conforms
from .credentials import verify_with_jwks
from .flows import AUTH, signed_in

ALGORITHM_SETS = {
    "EdDSA": "default",
    "ES256": "alg-ES256",
    "ES512": "alg-ES512",
    "PS256": "alg-PS256",
    "RS256": "alg-RS256",
}


def jwks_and_token(target):
    client, _ = signed_in(target)
    token = client.get(f"{AUTH}/token").json()["token"]
    header = client.get(f"{AUTH}/get-session").headers["set-auth-jwt"]
    jwks = target.client().get(f"{AUTH}/jwks")
    return {
        "jwks": {**observe.exchange(jwks), "body": observe.jwks_observation(jwks.json())},
        "token": observe.jwt_observation(token, target.base_url),
        "set-auth-jwt": observe.jwt_observation(header, target.base_url),
    }


@pytest.mark.node
@pytest.mark.parametrize("alg", ALGORITHM_SETS)
def test_each_algorithm_conforms(pool, alg):
    expected, _ = conforms(pool, ALGORITHM_SETS[alg], jwks_and_token, what=f"JWKS and tokens with {alg}")
    assert expected["token"]["header"]["alg"] == alg


# Option sets whose tokens are asymmetric JWTs, with what a backend must be configured to expect.
VERIFIABLE_SETS = {
    **{name: {"alg": alg} for alg, name in ALGORITHM_SETS.items()},
    "cookie-cache-jwt": {"alg": "EdDSA"},
    "jwt-session-cookie-cache": {"alg": "EdDSA"},
    "session-id-no-jwt-header": {"alg": "EdDSA"},
    "custom-claims": {"alg": "EdDSA", "issuer": "https://issuer.example", "audience": "https://api-two.example"},
}


@pytest.mark.parametrize("option_set", VERIFIABLE_SETS)
@pytest.mark.parametrize("kind", BOTH)
def test_every_token_verifies_with_the_backend(pool, backends, kind, option_set):
    target = pool.get(kind, option_set)
    expect = VERIFIABLE_SETS[option_set]
    client, signed = signed_in(target)
    user_id = signed.json()["user"]["id"]
    tokens = {"/token": client.get(f"{AUTH}/token").json()["token"]}
    header = client.get(f"{AUTH}/get-session").headers.get("set-auth-jwt")
    if header is not None:
        tokens["set-auth-jwt"] = header
    issuer = expect.get("issuer", target.base_url)
    audience = expect.get("audience", target.base_url)
    for source, token in tokens.items():
        user = backends.verify(target, token, alg=expect["alg"], issuer=issuer, audience=audience)
        assert user["id"] == user_id, f"{target.label} {source}: backend saw user {user['id']}, expected {user_id}"


def custom_claims(target):
    client, _ = signed_in(target)
    return observe.jwt_observation(client.get(f"{AUTH}/token").json()["token"], target.base_url)


@pytest.mark.node
def test_custom_issuer_audience_lifetime_and_define_payload(pool):
    expected, _ = conforms(pool, "custom-claims", custom_claims)
    assert expected["exp - iat"] == 3600
    assert expected["iss/aud"] == {"iss": "https://issuer.example", "aud": ["https://api-one.example", "https://api-two.example"]}


def session_id_without_jwt_header(target):
    client, _ = signed_in(target)
    session = client.get(f"{AUTH}/get-session")
    return {
        "get-session": observe.exchange(session),
        "token": observe.jwt_observation(client.get(f"{AUTH}/token").json()["token"], target.base_url),
        "sid is the session id": observe.jwt_parts(client.get(f"{AUTH}/token").json()["token"])[1].get("sid")
        == session.json()["session"]["id"],
    }


@pytest.mark.node
def test_disable_jwt_header_and_session_id_preset(pool):
    expected, _ = conforms(pool, "session-id-no-jwt-header", session_id_without_jwt_header)
    assert "set-auth-jwt" not in expected["get-session"]["headers"]


def hs256_signing(target):
    client, _ = signed_in(target)
    token = client.get(f"{AUTH}/token").json()["token"]
    claims = pyjwt.decode(
        token, target.secret.encode(), algorithms=["HS256"], audience=target.base_url, issuer=target.base_url
    )
    return {
        "jwks": observe.exchange(target.client().get(f"{AUTH}/jwks")),
        "token": observe.jwt_observation(token, target.base_url),
        "verified claims": sorted(claims),
    }


@pytest.mark.node
def test_custom_hs256_sign_needs_the_secret_and_hides_the_jwks(pool):
    expected, _ = conforms(pool, "hs256-secret", hs256_signing)
    assert expected["jwks"]["status"] == 404
    assert expected["token"]["header"] == {"alg": "HS256"}


ROTATION_INTERVAL, GRACE_PERIOD = 2, 2  # the "rotation" option set, in seconds


def kid_names(jwks, old_kid, new_kid):
    return sorted("old" if k["kid"] == old_kid else "new" if k["kid"] == new_kid else "other" for k in jwks["keys"])


def rotation(target):
    # Sleeps are measured from the end of the first /token call (the latest moment the first key
    # can have been created), so a slow machine shifts the schedule instead of breaking it.
    client, _ = signed_in(target)
    first = client.get(f"{AUTH}/token").json()["token"]
    first_key_made_by = time.monotonic()
    time.sleep(ROTATION_INTERVAL + 0.2)  # the first key has expired: the next signing makes a new one
    second = client.get(f"{AUTH}/token").json()["token"]
    old_kid, new_kid = (observe.jwt_parts(t)[0]["kid"] for t in (first, second))
    during_grace = target.client().get(f"{AUTH}/jwks").json()
    old_still_verifies = bool(verify_with_jwks(first, during_grace, issuer=target.base_url, audience=target.base_url))
    # Past the first key's expiry + grace, still well inside the second key's.
    time.sleep(max(0.0, first_key_made_by + ROTATION_INTERVAL + GRACE_PERIOD + 0.3 - time.monotonic()))
    after_grace = target.client().get(f"{AUTH}/jwks").json()
    return {
        "new key after rotationInterval": old_kid != new_kid,
        "kids during grace": kid_names(during_grace, old_kid, new_kid),
        "old token verifies during grace": old_still_verifies,
        "kids after grace": kid_names(after_grace, old_kid, new_kid),
    }


@pytest.mark.node
def test_key_rotation_and_grace_period(pool):
    expected, _ = conforms(pool, "rotation", rotation, parallel=True)
    assert expected == {
        "new key after rotationInterval": True,
        "kids during grace": ["new", "old"],
        "old token verifies during grace": True,
        "kids after grace": ["new"],
    }


def forged_host(target):
    """No BETTER_AUTH_URL: the Host header decides iss and aud (the lesson on why to set it)."""
    client = httpx.Client(base_url=target.url, headers={"host": "attacker.example", "origin": "http://attacker.example"})
    signed = client.post(f"{AUTH}/sign-in/email", json={"email": "ada@example.com", "password": target.demo_password})
    token_response = client.get(f"{AUTH}/token")
    observed = {"sign-in": signed.status_code, "token": observe.exchange(token_response)}
    if token_response.status_code == 200:
        _, claims = observe.jwt_parts(token_response.json()["token"])
        observed["iss/aud"] = {"iss": claims.get("iss"), "aud": claims.get("aud")}
    return observed


@pytest.mark.node
def test_without_base_url_the_host_header_decides_iss_and_aud(pool):
    expected, _ = conforms(pool, "default", forged_host, own_base_url=False)
    assert expected["iss/aud"] == {"iss": "http://attacker.example", "aud": "http://attacker.example"}


@pytest.mark.parametrize("kind", BOTH)
def test_a_jwt_outlives_sign_out(pool, backends, kind):
    """Sign-out ends the session, not the JWTs already handed out: they verify until exp."""
    target = pool.get(kind, "default")
    client, signed = signed_in(target, "grace@example.com")
    token = client.get(f"{AUTH}/token").json()["token"]
    assert client.post(f"{AUTH}/sign-out").status_code == 200
    assert client.get(f"{AUTH}/token").status_code == 401
    user = backends.verify(target, token, alg="EdDSA", issuer=target.base_url, audience=target.base_url)
    assert user["id"] == signed.json()["user"]["id"]
