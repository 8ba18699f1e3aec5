"""Named stand-ins for Better Auth's function-valued jwt plugin options.

A JSON option tree cannot carry a function, so the conformance suite names one of these presets
and each server (this one, and the real Better Auth twin in ``playground/better_auth``)
implements the same name. Keep the two in step: the Node side of each preset is quoted in the
docstring.

``definePayload`` presets take ``{"user": {...}, "session": {...}}`` (dates as ISO strings, as
the JWT carries them) and return the payload that *replaces* the user object; Better Auth then
forces ``sub`` back to the user id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt as pyjwt

Payload = dict[str, Any]


def minimal(session: Payload) -> Payload:
    """Only what an API needs to authorise: ``({ user }) => ({ email: user.email, role: user.role })``."""
    user = session["user"]
    return {"email": user["email"], "role": user.get("role")}


def with_session_id(session: Payload) -> Payload:
    """The user plus the session id: ``({ user, session }) => ({ ...user, sid: session.id })``."""
    return {**session["user"], "sid": session["session"]["id"]}


DEFINE_PAYLOAD: dict[str, Callable[[Payload], Payload]] = {
    "minimal": minimal,
    "with-session-id": with_session_id,
}


def define_payload(name: str) -> Callable[[Payload], Payload]:
    try:
        return DEFINE_PAYLOAD[name]
    except KeyError:
        raise ValueError(f"unknown definePayload preset {name!r}; known: {sorted(DEFINE_PAYLOAD)}") from None


def hs256_secret(secret: str) -> Callable[[Payload], str]:
    """HS256 with the auth secret, the only way the jwt plugin emits a symmetric token.

    Node: ``sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret))``. Better Auth insists on ``jwks.remoteUrl`` with a
    custom ``sign``, which turns ``/jwks`` into a 404: verifiers need the shared secret.
    """

    def sign(payload: Payload) -> str:
        return pyjwt.encode(payload, secret.encode(), algorithm="HS256", headers={"typ": None})

    return sign


SIGN: dict[str, Callable[[str], Callable[[Payload], str]]] = {"hs256-secret": hs256_secret}


def sign(name: str, secret: str) -> Callable[[Payload], str]:
    try:
        return SIGN[name](secret)
    except KeyError:
        raise ValueError(f"unknown jwt.sign preset {name!r}; known: {sorted(SIGN)}") from None
