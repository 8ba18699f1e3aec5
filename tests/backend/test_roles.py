"""Roles are matched exactly as Better Auth's admin plugin matches them
(``better-auth/dist/plugins/admin/has-permission.mjs``: ``(role || defaultRole || "user").split(",")``,
each piece looked up as it is): split on commas, no trimming, case kept."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends

from playground.backend import create_app, require_role
from playground.backend.user import User

GRANTS_ADMIN = ["admin", "user,admin", "admin,user", "user,,admin", "admin,admin"]
NO_ADMIN = ["user, admin", "admin\n", " admin", "admin ", "\tadmin", "Admin", "ADMIN", "user;admin", "user admin",
            "administrator", "", "user"]
NOT_A_STRING = [["admin"], {"admin": True}, True, 1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", GRANTS_ADMIN)
def test_roles_that_grant_admin(api, issuer, role):
    assert api.get("/api/admin/stats", headers=bearer(issuer.mint(role=role))).status_code == 200


@pytest.mark.parametrize("role", NO_ADMIN + NOT_A_STRING, ids=repr)
def test_roles_that_do_not_grant_admin(api, issuer, role):
    response = api.get("/api/admin/stats", headers=bearer(issuer.mint(role=role)))
    assert response.status_code == 403, response.text
    assert response.json()["reason"] == "missing_role"
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')


@pytest.mark.parametrize(
    "role, roles",
    [("user, admin", {"user", " admin"}), ("admin\n", {"admin\n"}), ("", {"user"}), (None, {"user"}),
     ("a,b,a", {"a", "b"})],
    ids=lambda value: repr(sorted(value)) if isinstance(value, set) else repr(value),  # stable across workers
)
def test_the_pieces_are_better_auths(role, roles):
    # Empty and null read as the default role, as `role || defaultRole || "user"` does.
    assert User.from_claims({"sub": "u", "role": role}).roles == roles


@pytest.mark.parametrize("role", NOT_A_STRING, ids=repr)
def test_a_role_that_is_not_a_string_grants_no_role_at_all(issuer, serve, role):
    # Not even the default one: a list or object never falls back to "user".
    app = create_app(issuer.settings(), clock=issuer.clock)

    @app.get("/api/members")
    async def members(user: Annotated[User, Depends(require_role("user"))]) -> dict:
        return {"id": user.id}

    api = serve(app)
    assert api.get("/api/members", headers=bearer(issuer.mint(role="user"))).status_code == 200
    response = api.get("/api/members", headers=bearer(issuer.mint(role=role)))
    assert (response.status_code, response.json()["reason"]) == (403, "missing_role")
    assert "role claim is not a string" in response.json()["detail"]
    assert api.get("/api/me", headers=bearer(issuer.mint(role=role))).json()["role"] is None
