"""Lesson 11's facts about the real better-auth (playground/lessons/integration.mjs): tokens
minted on a preview host carry that host as iss/aud until jwt.issuer/audience pin them, the
activeOrganizationId claim is a snapshot taken at minting, and revoke-sessions answers 500 when
the secondary storage cannot evict (issue 11326's fix) while the sessions still end."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest

from playground.backend import BackendSettings, InvalidTokenError, JWKSKeySource, TokenVerifier
from playground.backend.verify import decode_unverified
from playground.clock import Clock
from playground.lessons.integration import jwks_server, run_real_better_auth
from playground.lessons.shared_store import copy_to_sqlite, delete_session_row, mode_a_app

pytestmark = pytest.mark.node
CANONICAL, PREVIEW = "https://auth.example.com", "https://pr-42.preview.example.dev"


SECRET = secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def seen():
    return run_real_better_auth("all", secret=SECRET, demo_password=secrets.token_urlsafe(12))


def _verdicts(minted: dict) -> dict[str, str]:
    async def judge() -> dict[str, str]:
        server = jwks_server(minted["jwks"])
        settings = BackendSettings(better_auth_url=server.url, issuer=CANONICAL, audience=CANONICAL)
        verifier = TokenVerifier(JWKSKeySource.from_settings(settings), issuer=settings.issuer,
                                 audience=settings.audience, algorithms=settings.algorithms, clock=Clock.system())
        verdicts = {}
        try:
            for host, token in minted["tokens"].items():
                try:
                    await verifier.verify(token)
                    verdicts[host] = "accepted"
                except InvalidTokenError as exc:
                    verdicts[host] = exc.reason.value
        finally:
            await verifier.key_source.aclose()
            server.stop()
        return verdicts

    return asyncio.run(judge())


def test_each_allowed_host_mints_tokens_for_itself(seen):
    per_host = seen["allowed-hosts"]["per-host"]["tokens"]
    for host in (CANONICAL, PREVIEW):
        claims = decode_unverified(per_host[host]).claims
        assert claims["iss"] == claims["aud"] == host
    assert _verdicts(seen["allowed-hosts"]["per-host"]) == {CANONICAL: "accepted", PREVIEW: "wrong_issuer"}


def test_pinning_jwt_issuer_and_audience_makes_every_host_mint_the_canonical_ones(seen):
    pinned = seen["allowed-hosts"]["pinned"]
    assert {decode_unverified(token).claims["iss"] for token in pinned["tokens"].values()} == {CANONICAL}
    assert _verdicts(pinned) == {CANONICAL: "accepted", PREVIEW: "accepted"}


def test_the_active_organization_claim_is_a_snapshot_taken_at_minting(seen):
    organization = seen["organization"]
    ids = organization["organizations"]
    assert decode_unverified(organization["tokenBefore"]).claims["activeOrganizationId"] == ids["Acme"]
    assert organization["sessionActiveOrganizationId"] == ids["Globex"]
    assert decode_unverified(organization["tokenAfter"]).claims["activeOrganizationId"] == ids["Globex"]


def test_a_failed_eviction_makes_revoke_sessions_fail_closed(seen):
    for setup, result in seen["secondary-storage"].items():
        assert result["revokeStatus"] == 500, setup
        assert result["revokeBody"]["code"] == "INTERNAL_SERVER_ERROR"
        assert result["laptopAfter"] is None and result["phoneAfter"] is None, setup


def test_the_bridge_mode_a_reads_better_auths_rows_and_sees_sign_out_at_once(seen):
    tables = seen["tables"]
    assert {row["userId"] for row in tables["session"]} == {tables["user"][0]["id"]}  # one row left: the phone's
    engine = copy_to_sqlite(tables)
    app = mode_a_app(engine, secret=SECRET, origin="http://127.0.0.1:3000")

    async def me(cookie: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as client:
            return await client.get("/api/me", headers={"cookie": cookie})

    phone = asyncio.run(me(tables["phoneCookie"]))
    assert phone.status_code == 200 and phone.json()["email"] == "ada@example.com"
    assert asyncio.run(me(tables["laptopCookie"])).status_code == 401  # signed out: its row is gone
    forged = tables["phoneCookie"].replace("%3D", "A%3D")
    assert asyncio.run(me(forged)).status_code == 401  # a changed signature is refused before any lookup
    delete_session_row(engine, tables["phoneCookie"].split("=", 1)[1].split(".")[0])
    assert asyncio.run(me(tables["phoneCookie"])).status_code == 401
