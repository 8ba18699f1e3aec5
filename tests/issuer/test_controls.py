"""Teaching controls: absent by default; with them, clock, keys and tokens can be steered — by the
holder of the per-run controls token only."""

from __future__ import annotations

import jwt
import pytest

from playground.clock import Clock
from playground.issuer import IssuerConfig


def test_controls_are_off_by_default(issuer):
    assert issuer.app.state.controls is None
    response = issuer.client.get(f"{issuer.url}/__playground/state")
    assert (response.status_code, response.content) == (404, b"")


@pytest.fixture
def taught(start_issuer):
    return start_issuer(teaching_controls=True, clock=Clock.frozen())


def owner(taught) -> dict[str, str]:
    return {"authorization": f"Bearer {taught.config.controls_token}"}


def verify(issuer, token, **kwargs):
    keys = {k["kid"]: jwt.PyJWK(k) for k in issuer.client.get("/jwks").json()["keys"]}
    return jwt.decode(token, keys[jwt.get_unverified_header(token)["kid"]], algorithms=["EdDSA"], **kwargs)


def test_each_config_gets_its_own_random_controls_token():
    first, second = IssuerConfig(secret="s" * 32), IssuerConfig(secret="s" * 32)
    assert len(first.controls_token) >= 32 and first.controls_token != second.controls_token
    assert first.controls_token not in repr(first)


def test_shift_clock_expires_sessions_and_tokens(taught):
    taught.sign_in()
    controls = taught.app.state.controls
    token = taught.client.get("/token").json()["token"]
    before = controls.state()["now"]
    after = taught.client.post(f"{taught.url}/__playground/clock/shift", json={"seconds": 8 * 86400},
                               headers=owner(taught)).json()["now"]
    assert after - before == 8 * 86400
    assert verify(taught, token, audience=taught.url, options={"verify_exp": False})["exp"] < after
    assert taught.client.get("/get-session").text == "null"  # the 7-day session is over too


def test_rotate_keys_now(taught):
    taught.sign_in()
    old = jwt.get_unverified_header(taught.client.get("/token").json()["token"])["kid"]
    new = taught.client.post(f"{taught.url}/__playground/keys/rotate", json={}, headers=owner(taught)).json()["kid"]
    assert new != old
    assert jwt.get_unverified_header(taught.client.get("/token").json()["token"])["kid"] == new
    assert [k["kid"] for k in taught.client.get("/jwks").json()["keys"]] == [old, new]  # old one in its grace period


def test_mint_tokens_with_chosen_claims(taught):
    controls = taught.app.state.controls
    now = controls.state()["now"]
    expired = controls.mint_token("grace@example.com", claims={"exp": int(now) - 60})
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, jwt.PyJWK(taught.client.get("/jwks").json()["keys"][0]), algorithms=["EdDSA"],
                   audience=taught.url, options={"verify_iat": False})
    wrong_aud = taught.client.post(f"{taught.url}/__playground/tokens", headers=owner(taught),
                                   json={"email": "ada@example.com", "claims": {"aud": "someone-else"}}).json()["token"]
    claims = verify(taught, wrong_aud, audience="someone-else", options={"verify_exp": False, "verify_iat": False})
    assert claims["email"] == "ada@example.com" and claims["sub"] == claims["id"]
    no_sub = controls.mint_token(drop=["sub"])
    assert "sub" not in jwt.decode(no_sub, options={"verify_signature": False})
    assert jwt.get_unverified_header(controls.mint_token(algorithm="HS256"))["alg"] == "HS256"
    assert jwt.get_unverified_header(controls.mint_token(algorithm="none"))["alg"] == "none"


def test_control_endpoints_reject_bad_input(taught):
    base, headers = f"{taught.url}/__playground", owner(taught)
    json_type = {**headers, "content-type": "application/json"}
    assert taught.client.post(f"{base}/clock/shift", json={"seconds": "soon"}, headers=headers).status_code == 400
    assert taught.client.post(f"{base}/clock/shift", content=b'{"seconds": NaN}', headers=json_type).status_code == 400
    for beyond in (1e300, -1e300, 300_000 * 365 * 86400):  # past year 9999 or before 1970: refused
        assert taught.client.post(f"{base}/clock/shift", json={"seconds": beyond}, headers=headers).status_code == 400
    assert taught.client.get("/ok").status_code == 200
    assert (
        taught.client.post(f"{base}/tokens", json={"email": "nobody@example.com"}, headers=headers).status_code == 400
    )
    assert taught.client.post(f"{base}/tokens", content=b"{bad", headers=json_type).status_code == 400
    # Nesting deeper than Python's parser goes is bad input too, never a 500.
    deep = b'{"claims": {"x": ' + b"[" * 20_000 + b"]" * 20_000 + b"}}"
    assert taught.client.post(f"{base}/tokens", content=deep, headers=json_type).status_code == 400
    too_deep_to_sign = taught.client.post(f"{base}/tokens", content=b'{"claims": {"x": ' + b'{"a": ' * 900 + b"1"
                                          + b"}" * 900 + b"}}", headers=json_type)
    assert too_deep_to_sign.status_code in (200, 400)  # signed, or refused: never a 500
    huge = taught.client.post(f"{base}/tokens", content=b'{"claims": "' + b"x" * (65 << 10) + b'"}', headers=json_type)
    assert (huge.status_code, huge.json()["code"]) == (413, "PAYLOAD_TOO_LARGE")
