"""Turn an HTTP exchange into an observation: the parts of it both servers must agree on.

An observation keeps status codes, JSON shapes, error codes and messages, cookie names and
attributes, the presence (and for a few, the value) of the headers Better Auth clients read,
JWT header keys and claim kinds, and JWKS entry shapes. Values that differ on every run (ids,
tokens, times) are reduced to their kind by ``shapes.shape``; the server's own URL becomes
``<base-url>`` so two servers on two ports compare equal.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from .shapes import kind, shape

# Headers a Better Auth client, a browser or a backend acts on. Transport noise (date, server,
# content-length, connection) is not part of the contract.
HEADERS_BY_VALUE = (
    "content-type",
    "cache-control",
    "pragma",
    "www-authenticate",
    "location",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-max-age",
)
HEADERS_BY_KIND = ("set-auth-token", "set-auth-jwt")
LIST_HEADERS = ("access-control-expose-headers", "access-control-allow-methods", "access-control-allow-headers", "vary")

# Values that are the same on both servers because both seeded the same demo users.
DEMO_EMAILS = ("ada@example.com", "grace@example.com")
STABLE_USER_FIELDS = (
    "name",
    "email",
    "emailVerified",
    "image",
    "role",
    "softwareBackground",
    "hardwareBackground",
    "interestArea",
)


def b64url_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def normalise(value: Any, base_url: str | None) -> Any:
    """Replace the server's own origin with a placeholder, recursively."""
    if base_url is None:
        return value
    if isinstance(value, str):
        return "<base-url>" if value == base_url else value
    if isinstance(value, dict):
        return {k: normalise(v, base_url) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, base_url) for v in value]
    return value


def body(response: httpx.Response) -> Any:
    """The body's shape, plus exact values where they are part of the contract."""
    if not response.content:
        return "<empty>"
    try:
        data = response.json()
    except ValueError:
        return "<not json>"
    return json_observation(data)


def json_observation(data: Any) -> Any:
    observed = shape(data)
    if isinstance(data, dict):
        if "code" in data and "message" in data:  # Better Auth's error body: values are the contract
            observed = {**observed, "code": data["code"], "message": data["message"]}
        for key in ("redirect", "success", "url", "status"):
            if key in data and not isinstance(data[key], (dict, list)):
                observed[key] = data[key]
        user = data.get("user")
        if isinstance(user, dict):
            observed["user"] = {
                **observed["user"],
                **{k: user[k] for k in STABLE_USER_FIELDS if k in user and _demo(user)},
            }
    return observed


def _demo(user: dict) -> bool:
    return user.get("email") in DEMO_EMAILS


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, Any]]:
    """``name=value; Attr=x; Flag`` -> (name, value, {"attr": "x", "flag": True}); attribute names
    lower-cased, SameSite's value too (browsers compare it case-insensitively)."""
    first, *rest = header.split(";")
    name, _, value = first.strip().partition("=")
    attributes: dict[str, Any] = {}
    for part in rest:
        key, sep, attr_value = part.strip().partition("=")
        if not key:
            continue
        key = key.lower()
        attributes[key] = (attr_value.lower() if key == "samesite" else attr_value) if sep else True
    return name, value, attributes


def cookies(response: httpx.Response) -> dict[str, Any]:
    """Every Set-Cookie by name: the value's kind and the attributes."""
    observed: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        name, value, attributes = parse_set_cookie(header)
        observed[name] = {"value": kind(value), **attributes}
    return observed


def headers(response: httpx.Response) -> dict[str, Any]:
    observed: dict[str, Any] = {}
    for name in HEADERS_BY_VALUE:
        if name in response.headers:
            value = response.headers[name]
            observed[name] = value.split(";")[0].strip() if name == "content-type" else value
    for name in HEADERS_BY_KIND:
        if name in response.headers:
            observed[name] = kind(response.headers[name])
    for name in LIST_HEADERS:
        if name in response.headers:
            observed[name] = sorted(h.strip().lower() for h in response.headers[name].split(",") if h.strip())
    return observed


def exchange(response: httpx.Response) -> dict[str, Any]:
    """The whole observation of one response."""
    return {
        "status": response.status_code,
        "headers": headers(response),
        "cookies": cookies(response),
        "body": body(response),
    }


def jwt_parts(token: str) -> tuple[dict, dict]:
    header_segment, payload_segment, _ = token.split(".")
    return b64url_json(header_segment), b64url_json(payload_segment)


def jwt_observation(token: str, base_url: str | None) -> dict[str, Any]:
    """Header keys and values (kid by kind), claim names with kinds, the lifetime, and iss/aud."""
    header, claims = jwt_parts(token)
    observed_header = {k: (kind(v) if k == "kid" else v) for k, v in header.items()}
    observed_claims = shape(claims)
    exact = {k: normalise(claims[k], base_url) for k in ("iss", "aud") if k in claims}
    lifetime = (
        claims["exp"] - claims["iat"]
        if isinstance(claims.get("exp"), int) and isinstance(claims.get("iat"), int)
        else None
    )
    user_values = {k: claims[k] for k in STABLE_USER_FIELDS if k in claims and _demo(claims)}
    return {
        "header": observed_header,
        "claims": observed_claims,
        "iss/aud": exact,
        "exp - iat": lifetime,
        "sub == id": claims.get("sub") == claims.get("id") if "id" in claims else "no id claim",
        "demo user values": user_values,
    }


def jwks_observation(document: Any) -> Any:
    """Entry shapes with kty/crv/alg values (the key material itself differs on every run)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return shape(document)
    entries = []
    for entry in document["keys"]:
        observed = shape(entry)
        for k in ("kty", "crv", "alg", "use", "e"):
            if k in entry:
                observed[k] = entry[k]
        entries.append(observed)
    return {"keys": entries, "top-level keys": sorted(document)}
