"""A served playground grants nothing to strangers: the teaching controls of BOTH servers refuse
every request that lacks the per-run token, names a foreign Host (DNS rebinding) or Origin, or
sends a body a cross-site page could send without a preflight — and the owner still gets in."""

from __future__ import annotations

import http.client
import os

import httpx
import pytest

from .compare import BOTH, conforms

CONTROLS = {"teaching_controls": True}
MINT = ("POST", "/__playground/tokens")
ROTATE = ("POST", "/__playground/keys/rotate")
STATE = ("GET", "/__playground/state")


def attempts(target) -> dict[str, tuple]:
    """name -> (route, headers, body bytes, expected status, expected code)."""
    port = target.url.rsplit(":", 1)[1]
    token = target.server.controls_token
    owner = {"authorization": f"Bearer {token}"}
    json_type = {"content-type": "application/json"}
    body = b'{"claims": {"role": "admin"}}'
    return {
        "no token": (MINT, json_type, body, 401, "CONTROLS_TOKEN_REQUIRED"),
        "no token (GET)": (STATE, {}, b"", 401, "CONTROLS_TOKEN_REQUIRED"),
        "basic scheme": (MINT, {**json_type, "authorization": f"Basic {token}"}, body, 401, "CONTROLS_TOKEN_REQUIRED"),
        "wrong token": (
            MINT,
            {**json_type, "authorization": f"Bearer {token[:-1]}x"},
            body,
            401,
            "CONTROLS_TOKEN_INVALID",
        ),
        "token prefix": (
            MINT,
            {**json_type, "authorization": f"Bearer {token[:8]}"},
            body,
            401,
            "CONTROLS_TOKEN_INVALID",
        ),
        "text/plain body": (MINT, {**owner, "content-type": "text/plain"}, body, 415, "UNSUPPORTED_MEDIA_TYPE"),
        "form body": (
            ROTATE,
            {**owner, "content-type": "application/x-www-form-urlencoded"},
            b"a=1",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        "no content type": (ROTATE, owner, b"", 415, "UNSUPPORTED_MEDIA_TYPE"),
        "foreign Host": (MINT, {**owner, **json_type, "host": f"attacker.example:{port}"}, body, 403, "FOREIGN_HOST"),
        "foreign Host (other port)": (STATE, {**owner, "host": "127.0.0.1:1"}, b"", 403, "FOREIGN_HOST"),
        "foreign Origin": (
            MINT,
            {**owner, **json_type, "origin": "http://attacker.example"},
            body,
            403,
            "FOREIGN_ORIGIN",
        ),
        "null Origin": (STATE, {**owner, "origin": "null"}, b"", 403, "FOREIGN_ORIGIN"),
        "own Origin": (MINT, {**owner, **json_type, "origin": f"http://127.0.0.1:{port}"}, body, 200, None),
        "localhost Host": (STATE, {**owner, "host": f"localhost:{port}"}, b"", 200, None),
        "the owner": (MINT, {**owner, "content-type": "application/json; charset=utf-8"}, body, 200, None),
    }


@pytest.mark.parametrize("kind", BOTH)
def test_teaching_controls_refuse_strangers(pool, kind):
    target = pool.get(kind, "default", **CONTROLS)
    failures = []
    with httpx.Client(base_url=target.url, timeout=10.0) as client:
        for name, ((method, path), headers, body, status, code) in attempts(target).items():
            response = client.request(method, path, headers=headers, content=body)
            got = (response.status_code, response.json().get("code") if status != 200 else None)
            if got != (status, code):
                failures.append(f"{name}: expected {(status, code)}, got {got} {response.text[:120]}")
            if status == 401 and not response.headers.get("www-authenticate", "").startswith("Bearer realm="):
                failures.append(f"{name}: a 401 without an RFC 6750 challenge")
            if status == 401 and code == "CONTROLS_TOKEN_INVALID" and 'error="invalid_token"' not in \
                    response.headers.get("www-authenticate", ""):
                failures.append(f"{name}: a wrong token's challenge must say invalid_token")
        # A second, foreign Origin behind the own one is still a foreign request.
        port = target.url.rsplit(":", 1)[1]
        twice = client.post("/__playground/tokens", content=b"{}", headers=[
            ("authorization", f"Bearer {target.server.controls_token}"), ("content-type", "application/json"),
            ("origin", f"http://127.0.0.1:{port}"), ("origin", "http://attacker.example")])
        if twice.status_code != 403:
            failures.append(f"own then foreign Origin: expected 403, got {twice.status_code}")
    assert not failures, f"{target.label}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("kind", BOTH)
def test_the_playground_client_carries_the_token(kind):
    """``start_auth_server(teaching_controls=True)`` hands one token to the server and the client."""
    from playground.auth_server import start_auth_server
    from playground.better_auth.launcher import node_available

    reason = node_available() if kind == "better-auth" else None
    if reason and os.environ.get("PLAYGROUND_REQUIRE_ALL") == "1":  # CI: a skip would hide the real server
        pytest.fail(f"PLAYGROUND_REQUIRE_ALL=1 but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)
    with start_auth_server(kind, teaching_controls=True) as server:
        assert server.controls.token == server.controls_token and len(server.controls_token) >= 32
        assert server.controls.mint_token(claims={"role": "tester"}).count(".") == 2
        stranger = httpx.post(f"{server.url}/__playground/keys/rotate", json={})
        assert stranger.status_code == 401
    with start_auth_server(kind) as plain:
        assert plain.controls is None and plain.controls_token is None
        assert httpx.get(f"{plain.url}/__playground/state").status_code == 404


@pytest.mark.parametrize("path", ["/__playground/%73tate", "/__playground/st%61te", "/__playground/./state",
                                  "/__playground/state/", "/__playground/nope", "/__playground/keys/%72otate"])
def test_control_paths_are_matched_raw_on_both_servers(pool, path):
    """server.mjs matches the raw ``req.url``: an encoded or respelled control path is an unknown
    control (after the guard), a JSON 404 there, and so here."""
    def scenario(target):
        url = httpx.URL(target.url)
        observed = {}
        for headers in ({}, {"authorization": f"Bearer {target.server.controls_token}"}):
            connection = http.client.HTTPConnection(url.host, url.port, timeout=10)
            connection.request("GET", path, headers=headers)  # sent as written, not normalised
            answer = connection.getresponse()
            observed["owner" if headers else "stranger"] = (answer.status, answer.read())
            connection.close()
        return observed

    conforms(pool, "default", scenario, **CONTROLS)
