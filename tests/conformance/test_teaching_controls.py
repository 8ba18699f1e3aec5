"""Teaching controls (/__playground/...): same paths and answers on both servers, off by default."""

from __future__ import annotations

import pytest

from . import observe
from .compare import BOTH, conforms
from .flows import AUTH, signed_in
from .shapes import shape

CONTROLS = {"teaching_controls": True}


def owner(target) -> dict[str, str]:
    """The per-run controls token the server was started with, as the controls client sends it."""
    return {"authorization": f"Bearer {target.server.controls_token}"}


def controls_off(target):
    client = target.client()
    return {
        "state": observe.exchange(client.get("/__playground/state")),
        "rotate": observe.exchange(client.post("/__playground/keys/rotate")),
    }


@pytest.mark.node
def test_controls_are_off_by_default(pool):
    expected, _ = conforms(pool, "default", controls_off)
    assert expected["state"]["status"] == 404


def rotate_now(target):
    client, _ = signed_in(target)
    before = client.get(f"{AUTH}/token").json()["token"]
    rotated = client.post("/__playground/keys/rotate", json={}, headers=owner(target))
    after = client.get(f"{AUTH}/token").json()["token"]
    kids = [key["kid"] for key in target.client().get(f"{AUTH}/jwks").json()["keys"]]
    old, new = observe.jwt_parts(before)[0]["kid"], observe.jwt_parts(after)[0]["kid"]
    state = client.get("/__playground/state", headers=owner(target)).json()
    return {
        "rotate": observe.exchange(rotated),
        "new token uses the new kid": new == rotated.json()["kid"] != old,
        "jwks keeps the old key for the grace period": old in kids and new in kids,
        "state": {"now": shape(state["now"]), "keys": observe.jwks_observation(state)["keys"]},
    }


@pytest.mark.node
def test_rotate_keys_now(pool):
    expected, _ = conforms(pool, "default", rotate_now, **CONTROLS)
    assert expected["new token uses the new kid"] and expected["jwks keeps the old key for the grace period"]


def rotate_out(target):
    client, _ = signed_in(target)
    before = client.get(f"{AUTH}/token").json()["token"]
    rotated = client.post("/__playground/keys/rotate", json={"keepOld": False}, headers=owner(target))
    refused = client.post("/__playground/keys/rotate", json={"keepOld": "no"}, headers=owner(target))
    kids = [key["kid"] for key in target.client().get(f"{AUTH}/jwks").json()["keys"]]
    return {
        "rotate": observe.exchange(rotated),
        "keepOld must be a boolean": observe.exchange(refused),
        "the old key left the jwks at once": observe.jwt_parts(before)[0]["kid"] not in kids,
        "only the new key is listed": kids == [rotated.json()["kid"]],
    }


@pytest.mark.node
def test_rotate_a_key_out_of_the_jwks(pool):
    expected, _ = conforms(pool, "default", rotate_out, **CONTROLS)
    assert expected["the old key left the jwks at once"] and expected["only the new key is listed"]
    assert expected["keepOld must be a boolean"]["status"] == 400


MINTS = {
    "wrong audience": {"claims": {"aud": "https://someone-else.example"}},
    "expired": {"claims": {"iat": 1_700_000_000, "exp": 1_700_000_900}},
    "no exp": {"drop": ["exp"]},
    "other user": {"email": "grace@example.com"},
    "HS256 with the secret": {"algorithm": "HS256"},
    "alg none": {"algorithm": "none"},
    "unknown user": {"email": "nobody@example.com"},
    "unknown algorithm": {"algorithm": "RS1"},
    "not an object": [1, 2],
}


@pytest.mark.node
@pytest.mark.parametrize("case", MINTS)
def test_mint_token(pool, case):
    def scenario(target):
        response = target.client().post("/__playground/tokens", json=MINTS[case], headers=owner(target))
        observed = observe.exchange(response)
        if response.status_code == 200:
            observed["jwt"] = observe.jwt_observation(response.json()["token"], target.base_url)
            observed["signature part"] = "empty" if response.json()["token"].endswith(".") else "present"
        return observed

    conforms(pool, "default", scenario, what=f"mint token: {case}", **CONTROLS)


@pytest.mark.parametrize("kind", BOTH)
def test_clock_shift(pool, kind):
    """Only the embedded issuer can move its clock; the real one says so with a 501."""
    target = pool.get(kind, "default", **CONTROLS)
    response = target.client().post("/__playground/clock/shift", json={"seconds": 900}, headers=owner(target))
    if kind == "better-auth":
        assert response.status_code == 501
        assert response.json()["code"] == "NOT_SUPPORTED"
        assert "embedded issuer" in response.json()["message"]
    else:
        try:
            assert response.status_code == 200
            assert set(response.json()) == {"now", "keys"}
        finally:  # the server is shared with the other control tests: put its clock back
            target.client().post("/__playground/clock/shift", json={"seconds": -900}, headers=owner(target))
