"""Session lifetime: refresh after updateAge, expiry, sign-out, don't-remember sessions."""

from __future__ import annotations

from playground.clock import Clock
from playground.issuer.store import epoch


def test_session_is_extended_once_update_age_has_passed(start_issuer):
    clock = Clock.frozen()
    issuer = start_issuer(clock=clock)
    issuer.sign_in()
    first = issuer.client.get("/get-session")
    assert "set-cookie" not in first.headers  # fresh session: nothing to refresh
    clock.shift(86400 + 1)
    refreshed = issuer.client.get("/get-session")
    cookie = refreshed.headers["set-cookie"]
    assert cookie.startswith("better-auth.session_token=") and "Max-Age=604800" in cookie
    assert refreshed.headers["set-auth-token"]  # the bearer plugin hands the refreshed cookie out too
    extended = epoch(refreshed.json()["session"]["expiresAt"]) - epoch(first.json()["session"]["expiresAt"])
    assert extended == 86400 + 1


def test_expired_session_is_null_and_its_cookies_are_cleared(start_issuer):
    clock = Clock.frozen()
    issuer = start_issuer(clock=clock)
    issuer.sign_in(rememberMe=False)  # a one-day session
    clock.shift(86400 + 1)
    response = issuer.client.get("/get-session")
    assert response.text == "null"
    assert [c.split(";")[0] for c in response.headers.get_list("set-cookie")] == [
        "better-auth.session_token=", "better-auth.session_data=", "better-auth.dont_remember="]
    assert issuer.client.get("/token").status_code == 401


def test_sign_out_with_bearer_only_needs_no_origin(issuer):
    signed = issuer.sign_in().headers["set-auth-token"]
    client = issuer.fresh().client
    auth = {"Authorization": f"Bearer {signed}"}
    assert client.post("/sign-out", headers=auth).json() == {"success": True}
    assert client.get("/get-session", headers=auth).text == "null"
