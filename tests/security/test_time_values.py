"""Time values of any size, sign or type, in every credential the backend reads: the access JWT,
the ``jwt`` cookie cache, and the session get-session returns. Each is a 401 with a reason, never a
500 and never a token or session that does not expire — with or without a valid signature.

The values are written as JSON *text*, because the dangerous ones are those no encoder produces:
``10**400`` (float arithmetic on it raises OverflowError), ``1e400`` (Python's json reads it as
``inf``), a bool (an int to Python), a numeric string, ``null``, a nested value.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string

import httpx
import pytest
from fake_issuer import b64url
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playground.backend import create_app
from playground.backend.sessions import sign_session_token
from playground.clock import DEMO_EPOCH
from playground.servers import ServerThread

#: 9999-12-31T23:59:59Z: the backend's upper bound for any instant (playground/backend/timestamps.py).
LAST_SECOND = 253_402_300_799
PLACEHOLDER = '"<time value>"'
HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# JSON text of values that are not a usable instant, of every shape.
not_an_instant = st.one_of(
    st.integers(min_value=LAST_SECOND + 1).map(str),
    st.integers(min_value=20, max_value=1000).map(lambda digits: "9" * digits),
    st.integers(max_value=-1).map(str),
    st.integers(min_value=309, max_value=5000).map(lambda exponent: f"1e{exponent}"),
    st.integers(min_value=309, max_value=5000).map(lambda exponent: f"-1e{exponent}"),
    st.floats(min_value=LAST_SECOND + 1, allow_infinity=False).map(repr),
    st.floats(max_value=-1e-9, allow_infinity=False).map(repr),
    st.sampled_from(["true", "false", "null", "[]", "{}", '"1767258900"', '"Infinity"', "[1767258900]"]),
    st.text(max_size=20).map(json.dumps),
    st.recursive(
        st.integers(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=5,
    )
    .filter(lambda v: not isinstance(v, int))
    .map(json.dumps),
)
# JSON text of an expiresAt (ISO 8601 in Better Auth's answers) that is no usable instant.
not_an_iso_instant = st.one_of(
    not_an_instant,
    st.sampled_from([
        '"+275760-09-13T00:00:00.000Z"',  # JavaScript's last Date
        '"+010000-01-01T00:00:00.000Z"',
        '"9999-12-31T23:59:59-14:00"',  # past the last second once in UTC
        '"1969-12-31T23:59:59Z"',
        '"2026-13-01T00:00:00Z"',
        '"2026-12-06T10:00:00.000Z' + "0" * 100 + '"',
    ]),
    st.text(alphabet=string.ascii_letters + " :-", max_size=30).map(json.dumps),
)
ISSUE_EXAMPLES = ["1" + "0" * 400, "1e400", "-1e400", "-1", "true", "null", '"1767258900"', '[1767258900]']


def with_value(document: dict, path: str, value_text: str) -> str:
    """``document`` as JSON text with the member at ``path`` ("session.expiresAt") set to ``value_text``."""
    *parents, name = path.split(".")
    target = document
    for parent in parents:
        target = target[parent]
    target[name] = "<time value>"
    return json.dumps(document).replace(PLACEHOLDER, value_text)


def signed_ed25519(issuer, payload_text: str, *, genuine: bool) -> str:
    signing_input = f"{b64url({'alg': 'EdDSA', 'kid': issuer.kid})}.{b64url(payload_text)}"
    signature = issuer.key.sign(signing_input.encode()) if genuine else secrets.token_bytes(64)
    return f"{signing_input}.{b64url(signature)}"


def signed_hs256(secret: str, payload_text: str, *, genuine: bool) -> str:
    signing_input = f"{b64url({'alg': 'HS256', 'typ': 'JWT'})}.{b64url(payload_text)}"
    key = secret.encode() if genuine else secrets.token_bytes(32)
    return f"{signing_input}.{b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


@pytest.fixture(scope="module")
def secret() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def session_api(issuer, secret):
    """A backend with the secret (so /api/session/cached exists) against the module's fake issuer."""
    server = ServerThread(create_app(issuer.settings(better_auth_secret=secret), clock=issuer.clock)).start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client
    server.stop()


def refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == reason, response.json()
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


# --- the access JWT ------------------------------------------------------------------------------


def test_control_a_plain_token_is_accepted(api, issuer):
    token = signed_ed25519(issuer, json.dumps(issuer.claims()), genuine=True)
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@HYPOTHESIS
@given(claim=st.sampled_from(["exp", "iat", "nbf"]), value=not_an_instant, genuine=st.booleans())
@example(claim="exp", value="1" + "0" * 400, genuine=True)
@example(claim="exp", value="1e400", genuine=True)
@example(claim="exp", value="1e400", genuine=False)
@example(claim="iat", value="-" + "1" * 400, genuine=True)
def test_access_jwt_time_claims(api, issuer, claim, value, genuine):
    token = signed_ed25519(issuer, with_value(issuer.claims(), claim, value), genuine=genuine)
    refused(
        api.get("/api/me", headers={"Authorization": f"Bearer {token}"}),
        "invalid_claim" if genuine else "bad_signature",
    )


@pytest.mark.parametrize("value", ISSUE_EXAMPLES)
@pytest.mark.parametrize("field", ["createdAt", "updatedAt"])
def test_time_like_profile_fields_are_data_and_never_crash(api, issuer, field, value):
    # The backend checks no profile date; whatever they hold, the user is served, not a 500.
    token = signed_ed25519(issuer, with_value(issuer.claims(), field, value), genuine=True)
    response = api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "user-ada"


# --- the jwt-strategy cookie cache (HS256 with BETTER_AUTH_SECRET) ---------------------------------


def cache_payload(issuer) -> dict:
    now = int(issuer.clock.now())
    session = {"id": "s1", "userId": "user-ada", "token": "t" * 32, "expiresAt": "2026-01-08T09:00:00.000Z"}
    return {"session": session, "user": {"id": "user-ada", "email": "ada@example.com"}, "iat": now, "exp": now + 300}


def cookie_cache(token: str) -> dict:
    return {"Cookie": f"better-auth.session_data={token}"}


def test_control_a_plain_cookie_cache_is_accepted(session_api, issuer, secret):
    token = signed_hs256(secret, json.dumps(cache_payload(issuer)), genuine=True)
    response = session_api.get("/api/session/cached", headers=cookie_cache(token))
    assert response.status_code == 200, response.text


@HYPOTHESIS
@given(
    where=st.sampled_from(["exp", "iat", "nbf", "session.expiresAt"]), value=not_an_iso_instant, genuine=st.booleans()
)
@example(where="exp", value="1" + "0" * 400, genuine=True)
@example(where="exp", value="1e400", genuine=True)
@example(where="session.expiresAt", value='"+275760-09-13T00:00:00.000Z"', genuine=True)
@example(where="session.expiresAt", value="1" + "0" * 400, genuine=True)
def test_cookie_cache_time_values(session_api, issuer, secret, where, value, genuine):
    token = signed_hs256(secret, with_value(cache_payload(issuer), where, value), genuine=genuine)
    refused(
        session_api.get("/api/session/cached", headers=cookie_cache(token)),
        "invalid_claim" if genuine else "bad_signature",
    )


# --- the session get-session returns -----------------------------------------------------------------


def session_answer() -> dict:
    return {
        "session": {"id": "s1", "userId": "user-ada", "token": "t" * 32, "expiresAt": "2026-01-08T09:00:00.000Z",
                    "createdAt": "2026-01-01T08:00:00.000Z", "updatedAt": "2026-01-01T08:00:00.000Z"},
        "user": {"id": "user-ada", "email": "ada@example.com", "createdAt": "2026-01-01T08:00:00.000Z"},
    }


def ask_session(api) -> httpx.Response:
    # A fresh raw session token each time: nothing can come from the success cache.
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return api.get("/api/session/me", headers={"Authorization": f"Bearer {token}"})


def test_control_a_plain_session_is_accepted(api, issuer):
    issuer.session_body = json.dumps(session_answer())
    assert ask_session(api).status_code == 200


@HYPOTHESIS
@given(value=not_an_iso_instant)
@example(value="1" + "0" * 400)
@example(value="1e400")
@example(value='"+275760-09-13T00:00:00.000Z"')
@example(value="null")
def test_get_session_expires_at(api, issuer, value):
    issuer.session_body = with_value(session_answer(), "session.expiresAt", value)
    refused(ask_session(api), "invalid_claim")


@HYPOTHESIS
@given(value=not_an_iso_instant, genuine=st.booleans())
@example(value="1" + "0" * 400, genuine=True)
@example(value="1e400", genuine=False)
def test_get_session_expires_at_behind_a_signed_cookie(session_api, issuer, secret, value, genuine):
    # With the secret configured, a forged cookie never reaches get-session; a genuine one does,
    # and its session's expiresAt is judged like any other.
    issuer.session_body = with_value(session_answer(), "session.expiresAt", value)
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    cookie = sign_session_token(token, secret if genuine else secrets.token_urlsafe(32))
    response = session_api.get("/api/session/me", headers={"Cookie": f"better-auth.session_token={cookie}"})
    refused(response, "invalid_claim" if genuine else "bad_signature")


@pytest.mark.parametrize("value", ISSUE_EXAMPLES)
@pytest.mark.parametrize("path", ["session.createdAt", "user.createdAt"])
def test_get_session_other_dates_are_data_and_never_crash(api, issuer, path, value):
    issuer.session_body = with_value(session_answer(), path, value)
    response = ask_session(api)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "user-ada"


@pytest.mark.parametrize("where, value, reason", [
    ("exp", int(DEMO_EPOCH) - 1, "expired"),  # the module's issuer runs on Clock.frozen()
    ("nbf", int(DEMO_EPOCH) + 60, "not_yet_valid"),
    ("session.expiresAt", "2025-12-31T00:00:00.000Z", "expired"),
])
def test_cookie_cache_times_in_range_are_still_checked(session_api, issuer, secret, where, value, reason):
    token = signed_hs256(secret, with_value(cache_payload(issuer), where, json.dumps(value)), genuine=True)
    refused(session_api.get("/api/session/cached", headers=cookie_cache(token)), reason)


def test_get_session_past_expires_at_is_expired(api, issuer):
    answer = session_answer()
    answer["session"]["expiresAt"] = "2025-12-31T00:00:00.000Z"  # before the frozen clock's now
    issuer.session_body = json.dumps(answer)
    refused(ask_session(api), "expired")
