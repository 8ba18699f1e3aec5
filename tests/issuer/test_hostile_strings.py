"""Strings JavaScript holds and UTF-8 cannot, encoded paths, and requests that fail half-way.

The real Better Auth accepts a lone UTF-16 surrogate in any string field, stores it, and writes it
back as a JSON escape (and signs it into the JWT). The embedded issuer once answered 500 to such a
sign-up *after* inserting the user: the account existed and could never sign in. The conformance
suite compares these answers with the real server; these tests pin the embedded side without Node.
"""

from __future__ import annotations

import json

import pytest

from playground.issuer import app as issuer_app
from playground.issuer import javascript
from playground.issuer.store import Store
from playground.jose import b64url_decode

HOSTILE = {"name": "a\ud800b", "image": "\udc00", "softwareBackground": "\x00\x1b[31m", "interestArea": "\u202e\uffff"}


def post_json(client, path: str, body: dict):
    # json.dumps escapes the surrogates (\ud800): exactly what a JavaScript client sends.
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


def test_a_sign_up_with_lone_surrogates_completes_and_can_sign_in(issuer):
    email = "surrogates@example.com"
    response = post_json(issuer.client, "/sign-up/email", {"email": email, "password": "password-123", **HOSTILE})
    assert response.status_code == 200, response.text
    assert b'"name":"a\\ud800b"' in response.content  # escaped as JSON.stringify escapes it
    user = json.loads(response.content)["user"]
    assert {k: user[k] for k in HOSTILE} == HOSTILE
    issuer.client.cookies.clear()
    assert post_json(issuer.client, "/sign-in/email", {"email": email, "password": "password-123"}).status_code == 200
    assert json.loads(issuer.client.get("/get-session").content)["user"]["name"] == "a\ud800b"
    token = issuer.client.get("/token").json()["token"]
    assert json.loads(b64url_decode(token.split(".")[1]))["image"] == "\udc00"


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
def test_the_cookie_cache_carries_lone_surrogates(start_issuer, strategy):
    issuer = start_issuer(from_options={"session": {"cookieCache": {"enabled": True, "strategy": strategy}}})
    response = post_json(issuer.client, "/sign-up/email",
                         {"email": "cache@example.com", "password": "password-123", **HOSTILE})
    assert response.status_code == 200, response.text
    assert issuer.client.cookies.get("better-auth.session_data")
    session = issuer.client.get("/get-session")  # answered from the cache cookie
    assert json.loads(session.content)["user"]["name"] == "a\ud800b"


def test_a_lone_surrogate_in_a_password_is_hashed_as_text_encoder_encodes_it(issuer):
    email = "password-surrogate@example.com"
    assert post_json(issuer.client, "/sign-up/email",
                     {"name": "P", "email": email, "password": "pass\ud800word"}).status_code == 200
    for password, status in (("pass\udfffword", 200), ("pass\ufffdword", 200), ("password", 401)):
        issuer.client.cookies.clear()
        assert post_json(issuer.client, "/sign-in/email", {"email": email, "password": password}).status_code == status


def test_a_request_that_fails_after_writing_leaves_nothing_behind(issuer, monkeypatch):
    """All or nothing: a fault after the sign-up's inserts (here, building the response) is a 500
    and no account, so the same sign-up succeeds afterwards."""
    body = {"name": "Once", "email": "once@example.com", "password": "password-123"}

    def fail(*args, **kwargs):
        raise RuntimeError("injected fault after the endpoint wrote its rows")

    monkeypatch.setattr(issuer_app, "build_response", fail)
    assert post_json(issuer.client, "/sign-up/email", body).status_code == 500
    monkeypatch.undo()
    issuer.client.cookies.clear()
    assert post_json(issuer.client, "/sign-in/email", body).json()["code"] == "INVALID_EMAIL_OR_PASSWORD"
    assert post_json(issuer.client, "/sign-up/email", body).status_code == 200


def test_the_journal_undoes_inserts_replacements_and_deletions():
    store = Store()
    user = {"id": "u1", "email": "u1@example.com", "name": "U"}
    session = {"token": "t1", "userId": "u1", "expiresAt": "2099-01-01T00:00:00.000Z", "v": 1}
    store.add_user(user, "salt:key")
    store.add_session(session)
    journal = store.journal()
    try:
        store.add_user({"id": "u2", "email": "u2@example.com"}, "salt:key")
        store.add_session({**session, "v": 2})  # a refresh of t1
        store.add_session({**session, "token": "t2"})
        store.delete_session("t1")
        journal.undo()
    finally:
        journal.close()
    assert store.user_by_id("u2") is None and store.password_hash("u2") is None
    assert store.session("t1") == session and store.session("t2") is None
    assert store.user_by_id("u1") == user  # written before the journal: untouched
    store.close()


@pytest.mark.parametrize("path, status", [
    ("/api/auth/ok", 200), ("/api/auth/%6Fk", 404), ("/api/%61uth/ok", 404), ("/api/auth/get%2Dsession", 404),
    ("/api/auth/./ok", 200), ("/api/auth/%2E/ok", 200), ("/api/auth/x/%2e%2e/ok", 200), ("/api/auth/ok/.", 404),
])
def test_routes_match_the_raw_path_with_dot_segments_resolved(issuer, path, status):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", int(issuer.url.rsplit(":", 1)[1]), timeout=10)
    try:
        connection.request("GET", path)  # sent as written: httpx would normalise it first
        assert connection.getresponse().status == status
    finally:
        connection.close()


def test_stringify_and_utf8_write_what_javascript_writes():
    assert (
        javascript.stringify({"a": "\ud800", "b": "é\u2028", "c": "\x1b"})
        == '{"a":"\\ud800","b":"é\u2028","c":"\\u001b"}'
    )
    assert javascript.stringify(["\ud83d\ude00"]) == '["\U0001f600"]'  # a pair is one character
    assert javascript.utf8("a\ud800b") == "a\ufffdb".encode()
    assert javascript.utf8("\ud83d\ude00") == "\U0001f600".encode()


def test_a_callback_url_with_a_lone_surrogate_is_parsed_as_new_url_parses_it(issuer):
    """new URL() takes a USVString: "/a\\ud800" is the path "/a\\ufffd", a safe relative URL, so
    Better Auth lets it through (and Node then cannot send it as a Location: an empty 500)."""
    from playground.issuer.origins import is_safe_relative_url

    assert is_safe_relative_url("/a\ud800") and is_safe_relative_url("/a\ufffd")
    body = {"email": "ada@example.com", "password": issuer.config.demo_password, "callbackURL": "/a\ud800"}
    response = post_json(issuer.client, "/sign-in/email", body)
    assert (response.status_code, response.content) == (500, b"")
