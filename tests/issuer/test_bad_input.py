"""Bad input gets Better Auth's status and error shape, never a 500 or a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.issuer.bodies import MAX_BODY_BYTES

CASES = {
    "malformed JSON": (b"{bad", "application/json", 400, "BAD_REQUEST"),
    "empty body": (b"", "application/json", 400, "VALIDATION_ERROR"),
    "array body": (b"[]", "application/json", 400, "VALIDATION_ERROR"),
    "missing password": (b'{"email": "a@example.com"}', "application/json", 400, "VALIDATION_ERROR"),
    "wrong type": (b'{"email": 5, "password": "x"}', "application/json", 400, "VALIDATION_ERROR"),
    "invalid email": (b'{"email": "nope", "password": "password1234"}', "application/json", 400, "INVALID_EMAIL"),
    "plain text": (b"hello", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "deeply nested": (b'{"email": ' + b"[" * 5000 + b"]" * 5000 + b', "password": "x"}', "application/json", 400,
                      "VALIDATION_ERROR"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_sign_in_bodies(issuer, case):
    content, content_type, status, code = CASES[case]
    response = issuer.client.post("/sign-in/email", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    body = response.json()
    assert list(body) == ["message", "code"] and body["code"] == code


def test_validation_messages_match_zod(issuer):
    response = issuer.client.post("/sign-up/email", json={})
    assert response.json()["message"] == (
        "[body.name] Invalid input: expected string, received undefined; "
        "[body.email] Invalid input: expected string, received undefined; "
        "[body.password] Invalid input: expected string, received undefined"
    )
    response = issuer.client.post(
        "/sign-in/email",
        content=b'{"email": ' + b"[" * 5000 + b"]" * 5000 + b', "password": "x"}',
        headers={"content-type": "application/json"},
    )
    assert response.json()["message"] == "[body.email] Invalid input: expected string, received array"


def test_password_length_limits(issuer):
    short = issuer.client.post("/sign-up/email", json={"email": "s@example.com", "password": "short", "name": "S"})
    long = issuer.client.post("/sign-up/email", json={"email": "s@example.com", "password": "x" * 129, "name": "S"})
    assert (short.status_code, short.json()["code"]) == (400, "PASSWORD_TOO_SHORT")
    assert (long.status_code, long.json()["code"]) == (400, "PASSWORD_TOO_LONG")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_oversized_body_is_413_in_better_auths_shape(issuer, content_type):
    response = issuer.client.post("/sign-in/email", content=b"x" * (MAX_BODY_BYTES + 1),
                                  headers={"content-type": content_type})
    assert response.status_code == 413
    assert response.json() == {"message": "Request body too large", "code": "PAYLOAD_TOO_LARGE"}


def test_a_large_form_is_parsed_and_validated_like_json(issuer):
    """Better Auth reads a form as far as it reads JSON: a 1 MiB form field is its own validation
    error (was 413 here at 64 KiB)."""
    body = b"email=a%40example.com&password=" + b"x" * (1 << 20)
    response = issuer.client.post("/sign-in/email", content=body,
                                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()["code"]) == (400, "PASSWORD_TOO_LONG")


@pytest.mark.parametrize("method,path", [
    ("GET", "/sign-in/email"), ("PUT", "/sign-up/email"), ("OPTIONS", "/get-session"), ("GET", "/nope"),
    ("GET", "/get-session/"), ("GET", "/"), ("GET", "/__playground/state"),
])
def test_unknown_routes_and_wrong_methods_are_empty_404s(issuer, method, path):
    response = issuer.client.request(method, path)
    assert (response.status_code, response.content) == (404, b"")
    assert "access-control-allow-origin" not in response.headers  # Better Auth does no CORS


def test_post_on_get_session_is_405_with_its_own_code(issuer):
    response = issuer.client.post("/get-session")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED"
    assert response.headers["cache-control"] == "no-store"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    )
)
def test_arbitrary_json_never_causes_a_server_error(issuer, body):
    for path in ("/sign-in/email", "/sign-up/email", "/sign-out"):
        issuer.client.cookies.clear()
        response = issuer.client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        assert response.status_code < 500, (path, body, response.text)
