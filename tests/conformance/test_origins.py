"""trustedOrigins: the CSRF origin check on cookie-carrying POSTs, and the absence of CORS."""

from __future__ import annotations

import pytest

from . import observe
from .compare import conforms
from .flows import AUTH, sign_in, signed_in
from .servers import TRUSTED_ORIGIN

pytestmark = pytest.mark.node

ORIGINS = {
    "no Origin": {},
    "Origin null": {"origin": "null"},
    "untrusted Origin": {"origin": "http://evil.example"},
    "trusted Origin": {"origin": TRUSTED_ORIGIN},
    "trusted Origin with a path": {"origin": TRUSTED_ORIGIN + "/page"},
    "look-alike Origin": {"origin": TRUSTED_ORIGIN + ".evil.example"},
    "Referer only, untrusted": {"referer": "http://evil.example/page"},
    "Referer only, trusted": {"referer": TRUSTED_ORIGIN + "/page"},
    "own Origin": "OWN",
}


def headers_for(target, case):
    value = ORIGINS[case]
    return {"origin": target.base_url} if value == "OWN" else value


@pytest.mark.parametrize("case", ORIGINS)
def test_cookie_post_origin_check(pool, case):
    def scenario(target):
        client, _ = signed_in(target)
        client.headers.pop("origin", None)
        response = client.post(f"{AUTH}/sign-out", headers=headers_for(target, case))
        return observe.exchange(response)

    conforms(pool, "default", scenario, what=f"sign-out with a cookie and {case}")


@pytest.mark.parametrize("case", ["no Origin", "untrusted Origin", "Origin null"])
def test_cookieless_post_origin_check(pool, case):
    def scenario(target):
        client = target.client(origin=False, headers=headers_for(target, case))
        return observe.exchange(sign_in(target, client))

    conforms(pool, "default", scenario, what=f"sign-in without a cookie and {case}")


@pytest.mark.parametrize(
    "callback", ["/dashboard", TRUSTED_ORIGIN + "/home", "http://evil.example/steal", "//evil.example"]
)
def test_callback_url_must_be_trusted(pool, callback):
    def scenario(target):
        client = target.client()
        body = {"email": "ada@example.com", "password": target.demo_password, "callbackURL": callback}
        return observe.exchange(client.post(f"{AUTH}/sign-in/email", json=body))

    conforms(pool, "default", scenario, what=f"sign-in with callbackURL {callback}")


def no_cors(target):
    evil = {"origin": "http://evil.example"}
    client, _ = signed_in(target)
    return {
        "GET get-session from another origin": observe.exchange(client.get(f"{AUTH}/get-session", headers=evil)),
        "preflight": observe.exchange(
            target.client(origin=False).options(
                f"{AUTH}/sign-in/email",
                headers={
                    **evil,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "content-type",
                },
            )
        ),
    }


def test_no_cors_headers(pool):
    expected, _ = conforms(pool, "default", no_cors)
    assert "access-control-allow-origin" not in expected["GET get-session from another origin"]["headers"]


# ---- the playground's CORS layer (PLAYGROUND_CORS_ORIGINS / playground.frontend.auth_cors) ------

PAGE = {"cors_origins": (TRUSTED_ORIGIN,)}


def cors_layer(target):
    page, evil = {"origin": TRUSTED_ORIGIN}, {"origin": "http://evil.example"}
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    client = target.client(origin=False, headers=page)
    signed = sign_in(target, client)
    return {
        "preflight from the page": observe.exchange(client.options(f"{AUTH}/sign-in/email", headers=preflight)),
        "preflight from elsewhere": observe.exchange(
            target.client(origin=False).options(f"{AUTH}/sign-in/email", headers={**evil, **preflight})
        ),
        "sign-in from the page": observe.exchange(signed),
        "get-session from the page": observe.exchange(client.get(f"{AUTH}/get-session")),
        "get-session from elsewhere": observe.exchange(client.get(f"{AUTH}/get-session", headers=evil)),
    }


def test_playground_cors_layer_conforms(pool):
    expected, _ = conforms(pool, "default", cors_layer, **PAGE)
    assert expected["get-session from the page"]["headers"]["access-control-allow-origin"] == TRUSTED_ORIGIN
    assert "access-control-allow-origin" not in expected["get-session from elsewhere"]["headers"]
