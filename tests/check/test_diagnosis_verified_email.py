"""An app that refuses unverified users is told so, not that it verifies HS256 (red team 2's c6)."""

from __future__ import annotations

from cli_run import check_in_process


def test_an_app_that_refuses_unverified_users_is_told_why_it_cannot_be_graded():
    result = check_in_process("--app", "targets.verified_email:create_app", "--factory", "--env",
                              "BETTER_AUTH_URL={issuer}", "--protected", "/api/me", "--only", "no-token")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "accepted the same token with emailVerified true: it refuses users whose email is not verified" \
        in result.stderr, result.stderr
    assert "HS256" not in result.stderr
