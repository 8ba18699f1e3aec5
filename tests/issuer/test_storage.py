"""Storage: in memory by default; a SQLite file keeps users, sessions and keys across restarts."""

from __future__ import annotations

import secrets

import jwt


def test_sqlite_file_survives_a_restart(start_issuer, tmp_path):
    database = tmp_path / "issuer.sqlite3"
    secret = secrets.token_urlsafe(32)
    first = start_issuer(database=database, secret=secret)
    first.client.post("/sign-up/email", json={"email": "kept@example.com", "password": "password1234", "name": "K"})
    signed = first.client.get("/get-session").headers["set-auth-jwt"]
    kid = jwt.get_unverified_header(signed)["kid"]
    token_cookie = first.client.cookies["better-auth.session_token"]
    first.server.stop()

    second = start_issuer(database=database, secret=secret)
    second.client.cookies.set("better-auth.session_token", token_cookie)
    assert second.client.get("/get-session").json()["user"]["email"] == "kept@example.com"
    assert [k["kid"] for k in second.client.get("/jwks").json()["keys"]] == [kid]
    assert second.fresh().sign_in("kept@example.com", "password1234").status_code == 200
    emails = [second.app.state.issuer.store.user_by_email(e) for e in ("ada@example.com", "grace@example.com")]
    assert all(emails)  # demo users seeded once, not duplicated


def test_memory_storage_starts_empty_each_time(start_issuer):
    first = start_issuer()
    first.client.post("/sign-up/email", json={"email": "gone@example.com", "password": "password1234", "name": "G"})
    second = start_issuer()
    response = second.client.post("/sign-in/email", json={"email": "gone@example.com", "password": "password1234"})
    assert response.status_code == 401
