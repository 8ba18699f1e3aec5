"""Testing the notes app's protected routes, two ways.

1. **Override** ``get_current_user`` (``app.dependency_overrides``): fast tests of route logic
   with any user you like — but the verifier never runs, so they pass whatever it does.
2. **Honest**: the real verifier against a ``LocalIssuer`` (a test key pair and its JWKS served
   on loopback) and a ``mint`` fixture that signs tokens as Better Auth would. These catch a
   broken verifier or configuration (try ``BACKEND_AUDIENCE=https://wrong.example pytest ...``).

Requests go to the app in-process through ``httpx.ASGITransport`` (no server for the app); the
app reads its settings from the environment as in production, except ``BETTER_AUTH_URL``, which
points at the stand-in issuer.
"""

from __future__ import annotations

import pytest

from playground.backend import BackendSettings, User, get_current_user
from playground.lessons.testing import LocalIssuer, TestKeyPair, in_process_client
from playground.lessons.testing_example.notes_app import create_notes_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


# --- 1. Override: route logic only ------------------------------------------------------------

@pytest.fixture
async def ada():
    """Every request comes from Ada: no token, no verifier."""
    app = create_notes_app(BackendSettings(better_auth_url="http://auth.invalid"))
    app.dependency_overrides[get_current_user] = lambda: User(id="ada", email="ada@example.com")
    async with in_process_client(app) as client:
        yield client


async def test_override_a_user_reads_her_notes(ada):
    assert (await ada.post("/api/notes", json={"text": "buy milk"})).status_code == 201
    assert (await ada.get("/api/notes")).json() == ["buy milk"]


async def test_override_purge_needs_the_admin_role(ada):
    assert (await ada.delete("/api/notes")).status_code == 403


# --- 2. Honest: the real verifier, a test key pair, minted tokens -------------------------------

@pytest.fixture(scope="session")
def issuer():
    with LocalIssuer() as issuer:
        yield issuer


@pytest.fixture
async def client(issuer):
    async with in_process_client(create_notes_app(BackendSettings(better_auth_url=issuer.url))) as client:
        yield client


@pytest.fixture
def mint(issuer):
    """``mint("ada", role="admin")``: a token Better Auth could have issued, signed with the test key."""
    return issuer.mint


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_from_better_auth_is_accepted(client, mint):
    token = mint("ada", email="ada@example.com")
    added = await client.post("/api/notes", json={"text": "hi"}, headers=bearer(token))
    assert added.json() == {"author": "ada", "count": 1}
    assert (await client.get("/api/notes", headers=bearer(token))).json() == ["hi"]


async def test_the_admin_role_comes_from_the_token(client, mint):
    assert (await client.delete("/api/notes", headers=bearer(mint("grace")))).status_code == 403
    assert (await client.delete("/api/notes", headers=bearer(mint("ada", role="admin")))).status_code == 200


@pytest.mark.parametrize(("make_token", "reason"), [
    (lambda mint: mint("ada", signed_with=TestKeyPair.generate()), "unknown_kid"),
    (lambda mint: mint("ada", exp=1), "expired"),
    (lambda mint: mint("ada", aud="https://another-api.example"), "wrong_audience"),
    (lambda mint: "not-a-jwt", "malformed"),
], ids=["foreign key", "expired", "other audience", "garbage"])
async def test_a_bad_token_is_refused_with_its_reason(client, mint, make_token, reason):
    answer = await client.get("/api/notes", headers=bearer(make_token(mint)))
    assert answer.status_code == 401
    assert answer.json()["reason"] == reason
    assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_no_token_is_a_401_with_a_challenge(client):
    answer = await client.get("/api/notes")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
