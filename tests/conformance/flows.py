"""Small HTTP steps the scenarios share (sign up, sign in, read the credentials handed out)."""

from __future__ import annotations

import uuid

import httpx

from .servers import DEMO_EMAIL, Target

AUTH = "/api/auth"


def unique_email() -> str:
    return f"learner-{uuid.uuid4().hex[:12]}@example.org"


def sign_up(target: Target, client: httpx.Client, email: str | None = None, **extra) -> httpx.Response:
    body = {"name": "Learner", "email": email or unique_email(), "password": target.demo_password, **extra}
    return client.post(f"{AUTH}/sign-up/email", json=body)


def sign_in(
    target: Target, client: httpx.Client, email: str = DEMO_EMAIL, password: str | None = None
) -> httpx.Response:
    return client.post(f"{AUTH}/sign-in/email", json={"email": email, "password": password or target.demo_password})


def signed_in(target: Target, email: str = DEMO_EMAIL) -> tuple[httpx.Client, httpx.Response]:
    """A client holding the session cookie of ``email`` (a demo user), and the sign-in response."""
    client = target.client()
    response = sign_in(target, client, email)
    assert response.status_code == 200, f"{target.label}: sign-in failed: {response.status_code} {response.text}"
    return client, response


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
