"""The shape-diff helper itself: it must see real differences and ignore per-run values."""

from __future__ import annotations

import pytest

from .shapes import assert_same, diff, kind, shape


def test_kinds_of_better_auth_values():
    assert kind("2026-01-01T09:00:00.000Z") == "iso-datetime"
    assert kind("aB3" * 10 + "xy") == "id32"
    assert kind("a" * 32 + "." + "b" * 43 + "=") == "signed-session-token"
    assert kind("a" * 32 + "." + "b" * 41 + "%2B%2F" + "%3D") == "signed-session-token(percent-encoded)"
    assert kind("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln") == "jws"
    assert kind("Ada Lovelace") == kind("ada@example.com") == "str"
    assert kind("") == "empty-str"
    assert [kind(v) for v in (None, True, 3, 3.0, 3.5)] == ["null", "bool", "int", "int", "float"]


def test_same_shape_different_values_is_no_difference():
    one = {"user": {"id": "a" * 32, "createdAt": "2026-01-01T09:00:00.000Z"}, "token": "b" * 32}
    two = {"user": {"id": "c" * 32, "createdAt": "2027-05-06T10:11:12.131Z"}, "token": "d" * 32}
    assert diff(shape(one), shape(two)) == []


def test_every_difference_gets_one_readable_line():
    expected = shape({"user": {"id": "a" * 32, "role": "user"}, "redirect": False})
    actual = shape({"user": {"id": 7, "extra": 1}, "redirect": False})
    assert diff(expected, actual) == [
        "$.user.id: expected 'id32', got 'int'",
        "$.user.role: expected 'str', got '<missing>'",
        "$.user.extra: expected '<missing>', got 'int'",
    ]


def test_assert_same_names_both_servers():
    with pytest.raises(AssertionError) as raised:
        assert_same({"status": 200}, {"status": 500}, expected_name="real", actual_name="copy", what="scenario x")
    assert "copy diverges from real in scenario x" in str(raised.value)
    assert "$.status: expected 200, got 500" in str(raised.value)


@pytest.mark.node
def test_the_observations_tell_configurations_apart(pool):
    """Guard against a vacuous comparison: two real configurations must observe differently."""
    from . import observe
    from .flows import sign_in
    from .servers import REAL

    plain, prefixed = pool.get(REAL, "default"), pool.get(REAL, "secure-prefixed-cookies")
    lines = diff(
        observe.exchange(sign_in(plain, plain.client())), observe.exchange(sign_in(prefixed, prefixed.client()))
    )
    assert "$.cookies.better-auth.session_token: expected {" in "\n".join(lines)
    assert any(line.startswith("$.cookies.__Secure-myapp.session_token") for line in lines)
