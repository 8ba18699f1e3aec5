"""Sign-up, sign-in, get-session, token, JWKS, sign-out and bad input: both servers, same answers.

Each scenario below is observed on the real Better Auth (the reference) and on the embedded
issuer; any difference in status, JSON shape, error code or message, cookie, header or token
shape fails with a line-per-difference report.
"""

from __future__ import annotations

import pytest

from . import observe
from .compare import conforms
from .flows import AUTH, bearer, sign_in, sign_up, signed_in, unique_email

pytestmark = pytest.mark.node


# ---- sign-up ---------------------------------------------------------------------------------


def sign_up_new_user(target):
    response = sign_up(target, target.client(), softwareBackground="Beginner", interestArea="AI")
    observed = observe.exchange(response)
    observed["role"] = response.json()["user"].get("role")
    observed["echoed profile"] = {
        k: response.json()["user"].get(k) for k in ("name", "softwareBackground", "interestArea")
    }
    return observed


def sign_up_choosing_a_role(target):
    # `role` has `input: false`: what does each server do with a sign-up that sets it?
    response = sign_up(target, target.client(), role="admin")
    observed = observe.exchange(response)
    if response.status_code == 200:
        observed["role"] = response.json()["user"].get("role")
    return observed


def sign_up_twice(target):
    email = unique_email()
    first = sign_up(target, target.client(), email)
    second = sign_up(target, target.client(), email)
    return {"first": first.status_code, "second": observe.exchange(second)}


def sign_up_email_in_other_case(target):
    email = unique_email()
    sign_up(target, target.client(), email)
    return observe.exchange(sign_up(target, target.client(), email.upper()))


@pytest.mark.parametrize(
    "scenario",
    [sign_up_new_user, sign_up_choosing_a_role, sign_up_twice, sign_up_email_in_other_case],
    ids=lambda f: f.__name__,
)
def test_sign_up(pool, scenario):
    conforms(pool, "default", scenario)


BAD_SIGN_UPS = {
    "empty object": {},
    "no name": {"email": "EMAIL", "password": "PASSWORD"},
    "no email": {"name": "N", "password": "PASSWORD"},
    "no password": {"name": "N", "email": "EMAIL"},
    "invalid email": {"name": "N", "email": "not-an-email", "password": "PASSWORD"},
    "password too short": {"name": "N", "email": "EMAIL", "password": "short"},
    "password too long": {"name": "N", "email": "EMAIL", "password": "x" * 129},
    "password not a string": {"name": "N", "email": "EMAIL", "password": 12345678},
    "name not a string": {"name": 7, "email": "EMAIL", "password": "PASSWORD"},
}


@pytest.mark.parametrize("case", BAD_SIGN_UPS)
def test_sign_up_rejects_bad_fields(pool, case):
    def scenario(target):
        body = {
            k: (unique_email() if v == "EMAIL" else target.demo_password if v == "PASSWORD" else v)
            for k, v in BAD_SIGN_UPS[case].items()
        }
        return observe.exchange(target.client().post(f"{AUTH}/sign-up/email", json=body))

    conforms(pool, "default", scenario, what=f"sign-up with {case}")


# ---- sign-in ---------------------------------------------------------------------------------


def sign_in_demo_user(target):
    return observe.exchange(sign_in(target, target.client()))


def sign_in_wrong_password(target):
    return observe.exchange(sign_in(target, target.client(), password="not-the-password"))


def sign_in_unknown_email(target):
    return observe.exchange(sign_in(target, target.client(), email=unique_email()))


def sign_in_email_in_upper_case(target):
    return observe.exchange(sign_in(target, target.client(), email="ADA@EXAMPLE.COM"))


def sign_in_without_remember_me(target):
    client = target.client()
    body = {"email": "ada@example.com", "password": target.demo_password, "rememberMe": False}
    signed = client.post(f"{AUTH}/sign-in/email", json=body)
    return {"sign-in": observe.exchange(signed), "get-session": observe.exchange(client.get(f"{AUTH}/get-session"))}


def sign_in_missing_password(target):
    return observe.exchange(target.client().post(f"{AUTH}/sign-in/email", json={"email": "ada@example.com"}))


@pytest.mark.parametrize(
    "scenario",
    [
        sign_in_demo_user,
        sign_in_wrong_password,
        sign_in_unknown_email,
        sign_in_email_in_upper_case,
        sign_in_without_remember_me,
        sign_in_missing_password,
    ],
    ids=lambda f: f.__name__,
)
def test_sign_in(pool, scenario):
    conforms(pool, "default", scenario)


# ---- bad input -------------------------------------------------------------------------------

BAD_BODIES = {
    "malformed JSON": (b'{"email": "ada@example.com",', "application/json"),
    "JSON array": (b"[1, 2]", "application/json"),
    "JSON string": (b'"ada"', "application/json"),
    "empty body": (b"", "application/json"),
    "form-encoded": (b"email=ada%40example.com&password=x", "application/x-www-form-urlencoded"),
    "plain text": (b"hello", "text/plain"),
    "no content type": (b'{"email": "ada@example.com", "password": "x"}', None),
    # Just under the embedded issuer's 1 MiB cap (playground.issuer.bodies; Better Auth has none).
    "1 MB field": (b'{"email": "' + b"a" * 1_000_000 + b'", "password": "x"}', "application/json"),
    "deeply nested": (b'{"email": ' + b"[" * 2000 + b"]" * 2000 + b', "password": "x"}', "application/json"),
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_bad_bodies_get_the_same_answer(pool, case):
    content, content_type = BAD_BODIES[case]

    def scenario(target):
        headers = {"content-type": content_type} if content_type else {}
        response = target.client().post(f"{AUTH}/sign-in/email", content=content, headers=headers)
        assert response.status_code < 500, f"{target.label} answered {response.status_code} to {case}"
        return observe.exchange(response)

    conforms(pool, "default", scenario, what=f"sign-in with {case}")


ROUTES = {
    "unknown GET": ("GET", f"{AUTH}/no-such-route"),
    "unknown POST": ("POST", f"{AUTH}/no-such-route"),
    "GET on a POST route": ("GET", f"{AUTH}/sign-in/email"),
    "PUT on sign-up": ("PUT", f"{AUTH}/sign-up/email"),
    "POST on get-session": ("POST", f"{AUTH}/get-session"),
    "POST on jwks": ("POST", f"{AUTH}/jwks"),
    "trailing slash": ("GET", f"{AUTH}/get-session/"),
    "ok": ("GET", f"{AUTH}/ok"),
    "error page": ("GET", f"{AUTH}/error"),
    "preflight": ("OPTIONS", f"{AUTH}/get-session"),
}


@pytest.mark.parametrize("case", ROUTES)
def test_routes_and_methods(pool, case):
    method, path = ROUTES[case]

    def scenario(target):
        headers = {"access-control-request-method": "GET"} if method == "OPTIONS" else {}
        response = target.client().request(method, path, headers=headers)
        observed = observe.exchange(response)
        if case == "error page":  # an HTML page: its presence and type matter, not its markup
            observed["body"] = "<html>" if "html" in response.headers.get("content-type", "") else observed["body"]
        return observed

    conforms(pool, "default", scenario, what=case)


# ---- get-session -----------------------------------------------------------------------------


def get_session_signed_out(target):
    return observe.exchange(target.client().get(f"{AUTH}/get-session"))


def get_session_with_cookie(target):
    client, _ = signed_in(target)
    return observe.exchange(client.get(f"{AUTH}/get-session"))


def get_session_with_signed_bearer(target):
    _, response = signed_in(target)
    return observe.exchange(
        target.client().get(f"{AUTH}/get-session", headers=bearer(response.headers["set-auth-token"]))
    )


def get_session_with_raw_bearer(target):
    _, response = signed_in(target)
    return observe.exchange(target.client().get(f"{AUTH}/get-session", headers=bearer(response.json()["token"])))


def get_session_with_badly_signed_bearer(target):
    _, response = signed_in(target)
    token = response.json()["token"]
    return observe.exchange(target.client().get(f"{AUTH}/get-session", headers=bearer(f"{token}.{'A' * 43}=")))


def get_session_with_unknown_raw_bearer(target):
    return observe.exchange(target.client().get(f"{AUTH}/get-session", headers=bearer("x" * 32)))


def get_session_with_tampered_cookie(target):
    client, _ = signed_in(target)
    name = next(iter(client.cookies.keys()))
    token = client.cookies[name].split(".")[0]
    forged = target.client(cookies={name: f"{token}.{'A' * 43}%3D"})  # the real token, a wrong signature
    return observe.exchange(forged.get(f"{AUTH}/get-session"))


def get_session_with_basic_auth(target):
    return observe.exchange(target.client().get(f"{AUTH}/get-session", headers={"authorization": "Basic YTpi"}))


@pytest.mark.parametrize(
    "scenario",
    [
        get_session_signed_out,
        get_session_with_cookie,
        get_session_with_signed_bearer,
        get_session_with_raw_bearer,
        get_session_with_badly_signed_bearer,
        get_session_with_unknown_raw_bearer,
        get_session_with_tampered_cookie,
        get_session_with_basic_auth,
    ],
    ids=lambda f: f.__name__,
)
def test_get_session(pool, scenario):
    conforms(pool, "default", scenario)


def session_records_client_address(target):
    """ipAddress comes from X-Forwarded-For only (not the socket); userAgent from User-Agent."""
    forwarded = target.client(headers={"x-forwarded-for": "203.0.113.7, 10.0.0.1", "user-agent": "workbook-test/1"})
    forwarded_session = forwarded.get(
        f"{AUTH}/get-session", headers=bearer(sign_in(target, forwarded).headers["set-auth-token"])
    )
    client, _ = signed_in(target)
    plain = client.get(f"{AUTH}/get-session").json()["session"]
    return {
        "forwarded": {k: forwarded_session.json()["session"][k] for k in ("ipAddress", "userAgent")},
        "not forwarded": {"ipAddress": plain["ipAddress"], "userAgent": plain["userAgent"].split("/")[0]},
    }


def test_session_records_client_address(pool):
    conforms(pool, "default", session_records_client_address)


def get_session_jwt_header(target):
    client, _ = signed_in(target)
    response = client.get(f"{AUTH}/get-session")
    return observe.jwt_observation(response.headers["set-auth-jwt"], target.base_url)


def test_get_session_jwt_header_claims(pool):
    conforms(pool, "default", get_session_jwt_header)


# ---- token, JWKS -----------------------------------------------------------------------------


def token_with_cookie(target):
    client, _ = signed_in(target)
    response = client.get(f"{AUTH}/token")
    observed = observe.exchange(response)
    observed["jwt"] = observe.jwt_observation(response.json()["token"], target.base_url)
    return observed


def token_with_bearer(target):
    _, signed = signed_in(target)
    response = target.client().get(f"{AUTH}/token", headers=bearer(signed.headers["set-auth-token"]))
    return observe.exchange(response)


def token_signed_out(target):
    return observe.exchange(target.client().get(f"{AUTH}/token"))


def jwks_document(target):
    signed_in(target)  # make sure a key exists on both (the first one is created lazily)
    response = target.client().get(f"{AUTH}/jwks")
    observed = observe.exchange(response)
    observed["body"] = observe.jwks_observation(response.json())
    return observed


def token_kid_is_in_jwks(target):
    client, _ = signed_in(target)
    header, _ = observe.jwt_parts(client.get(f"{AUTH}/token").json()["token"])
    kids = [key["kid"] for key in target.client().get(f"{AUTH}/jwks").json()["keys"]]
    return {"kid listed": header["kid"] in kids}


@pytest.mark.parametrize(
    "scenario",
    [token_with_cookie, token_with_bearer, token_signed_out, jwks_document, token_kid_is_in_jwks],
    ids=lambda f: f.__name__,
)
def test_token_and_jwks(pool, scenario):
    conforms(pool, "default", scenario)


# ---- sign-out --------------------------------------------------------------------------------


def sign_out_flow(target):
    client, _ = signed_in(target, "grace@example.com")
    token_before = client.get(f"{AUTH}/token").json()["token"]
    out = client.post(f"{AUTH}/sign-out")
    # The cookie jar dropped the cleared cookie; replay the old one as a stolen copy would be.
    return {
        "sign-out": observe.exchange(out),
        "get-session after": observe.exchange(client.get(f"{AUTH}/get-session")),
        "token after": observe.exchange(client.get(f"{AUTH}/token")),
        "JWT from before still a JWT": observe.jwt_observation(token_before, target.base_url)["header"],
    }


def sign_out_then_replay_old_cookie(target):
    client, response = signed_in(target, "grace@example.com")
    old = dict(client.cookies)
    client.post(f"{AUTH}/sign-out")
    replay = target.client(cookies=old)
    return {
        "get-session": observe.exchange(replay.get(f"{AUTH}/get-session")),
        "bearer": observe.exchange(
            target.client().get(f"{AUTH}/get-session", headers=bearer(response.headers["set-auth-token"]))
        ),
    }


def sign_out_signed_out(target):
    return observe.exchange(target.client().post(f"{AUTH}/sign-out"))


@pytest.mark.parametrize(
    "scenario", [sign_out_flow, sign_out_then_replay_old_cookie, sign_out_signed_out], ids=lambda f: f.__name__
)
def test_sign_out(pool, scenario):
    conforms(pool, "default", scenario)


def member_order(target):
    """JSON member order is not semantics, but a learner diffing two responses sees it."""
    client, signed = signed_in(target)
    session = client.get(f"{AUTH}/get-session")
    _, claims = observe.jwt_parts(session.headers["set-auth-jwt"])
    jwks = target.client().get(f"{AUTH}/jwks").json()
    return {
        "sign-in": list(signed.json()),
        "sign-in user": list(signed.json()["user"]),
        "get-session": list(session.json()),
        "get-session session": list(session.json()["session"]),
        "get-session user": list(session.json()["user"]),
        "jwt claims": list(claims),
        "jwks entry": list(jwks["keys"][0]),
    }


@pytest.mark.parametrize("option_set", ["default"])
def test_member_order(pool, option_set):
    conforms(pool, option_set, member_order)
