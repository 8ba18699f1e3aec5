"""Lesson 03c (choosing a library): the Python JOSE libraries, and one maintained bridge, against
a real Better Auth token.

What a library does with an EdDSA token is a fact about a release of that library, not about the
workbook, so the lesson states none of it in prose alone: each ``try_*`` function runs the library
as its documentation says and returns an ``Outcome`` (accepted, or the library's own error class
and message), and tests/lessons/test_libraries.py pins those outcomes to the installed versions.
``bridge_jwt_app`` is fastapi-better-auth-bridge's JWT mode wired as its README says (the
benchmarks measure the same app), and ``BRIDGE_MODES`` sets its three modes beside the parts of
this workbook's backend that do the same job.
"""

# No `from __future__ import annotations`: FastAPI must see ``bridge_jwt_app``'s local Annotated
# dependency as an object, not as a string it cannot resolve at module level.
import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

#: The library names as the lesson's table prints them.
PYTHON_JOSE, PYJWT, JOSERFC = "python-jose", "PyJWT", "joserfc"


@dataclass(frozen=True)
class Outcome:
    """What one library made of one token: the claims' ``sub`` when it accepted, else its error."""

    library: str
    accepted: bool
    #: ``sub`` of the accepted token, or ``"ErrorClass: message"`` exactly as the library raised it.
    detail: str
    #: Warnings the library emitted while verifying (``"Category: message"``).
    warnings: tuple[str, ...] = field(default=())


def _failure(library: str, error: BaseException, caught=()) -> Outcome:
    return Outcome(library, False, f"{type(error).__name__}: {error}", _warning_texts(caught))


def _warning_texts(caught) -> tuple[str, ...]:
    return tuple(f"{w.category.__name__}: {w.message}" for w in caught)


def try_python_jose(token: str, jwks: dict[str, Any], *, issuer: str, audience: str) -> Outcome:
    """python-jose's documented call: ``jwt.decode(token, jwk_set, algorithms=[...], ...)``."""
    from jose import jwt as jose_jwt

    try:
        claims = jose_jwt.decode(token, jwks, algorithms=["EdDSA"], issuer=issuer, audience=audience)
    except Exception as error:  # the point is which error: JWKError, not a verification failure
        return _failure(PYTHON_JOSE, error)
    return Outcome(PYTHON_JOSE, True, claims["sub"])


def try_pyjwt(token: str, jwks: dict[str, Any], *, issuer: str, audience: str,
              algorithms: list[str]) -> Outcome:
    """PyJWT with the key of the token's ``kid`` from ``jwks``; ``exp`` is checked on the wall clock
    (PyJWT reads no other), so give it a token timed by the wall clock."""
    import jwt

    try:
        kid = jwt.get_unverified_header(token)["kid"]
        key = jwt.PyJWKSet.from_dict(jwks)[kid]
        claims = jwt.decode(token, key, algorithms=algorithms, issuer=issuer, audience=audience,
                            options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except jwt.PyJWTError as error:
        return _failure(PYJWT, error)
    return Outcome(PYJWT, True, claims["sub"])


#: Run in a child interpreter in which ``import cryptography`` fails, as it does where PyJWT was
#: installed without its ``[crypto]`` extra: the installed packages stay as they are.
_WITHOUT_CRYPTOGRAPHY = """
import json, sys
sys.modules["cryptography"] = None  # any import of it now raises ModuleNotFoundError
import jwt
token, jwk = json.loads(sys.stdin.read())
report = {"has_crypto": jwt.algorithms.has_crypto}
for step, call in (("PyJWK(jwk)", lambda: jwt.PyJWK(jwk)),
                   ("decode(algorithms=['EdDSA'])", lambda: jwt.decode(token, "unused", algorithms=["EdDSA"]))):
    try:
        call()
        report[step] = "accepted"
    except Exception as error:
        report[step] = f"{type(error).__name__}: {error}"
print(json.dumps(report))
"""


def pyjwt_without_cryptography(token: str, jwk: dict[str, Any]) -> dict[str, Any]:
    """What PyJWT says about an EdDSA key and token when ``cryptography`` is not installed:
    ``{"has_crypto": False, "PyJWK(jwk)": "ErrorClass: message", "decode(...)": ...}``."""
    done = subprocess.run([sys.executable, "-c", _WITHOUT_CRYPTOGRAPHY], input=json.dumps([token, jwk]),
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"the child interpreter failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def try_joserfc(token: str, jwks: dict[str, Any], *, issuer: str, audience: str,
                now: Callable[[], float], algorithms: list[str] | None = None) -> Outcome:
    """joserfc: ``jwt.decode`` (signature; ``algorithms=None`` is its default list) then a
    ``JWTClaimsRegistry`` for the claims, which takes the clock as ``now``."""
    from joserfc import jwt as rfc_jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            decoded = rfc_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=algorithms)
            required = {"essential": True}
            registry = rfc_jwt.JWTClaimsRegistry(
                now=lambda: int(now()), iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": audience}, exp=required, iat=required, sub=required)
            registry.validate(decoded.claims)
        except JoseError as error:
            return _failure(JOSERFC, error, caught)
    return Outcome(JOSERFC, True, decoded.claims["sub"], _warning_texts(caught))


def bridge_jwt_app(auth_url: str):
    """A FastAPI app whose ``/api/me`` uses fastapi-better-auth-bridge's JWT mode (Mode B), as its
    README's quickstart wires it: ``JwtVerifier(base_url=...)`` pins ``iss``, ``aud`` and the JWKS
    URL to ``auth_url``; ``/api/public`` answers without authentication."""
    from fastapi import Depends, FastAPI
    from fastapi_better_auth import BetterAuth, JwtVerifier, Session, User

    auth = BetterAuth(verifiers=[JwtVerifier(base_url=auth_url)])
    CurrentSession = Annotated[Session[User], Depends(auth.current_session())]
    app = FastAPI()

    @app.get("/api/public")
    async def public() -> dict:
        return {"message": "Anyone can read this.", "authenticated": False}

    @app.get("/api/me")
    async def me(session: CurrentSession) -> User:
        return session.user

    return app


@dataclass(frozen=True)
class Mode:
    """One of the bridge's modes, and what in this workbook does the same job."""

    mode: str
    bridge_class: str
    credential: str
    revocation: str
    workbook: str


BRIDGE_MODES = (
    Mode("A — cookie + shared store", "CookieVerifier", "the signed session cookie",
         "instant (reads the session row)",
         "none: the backend never reads Better Auth's database. Closest: the cookie's HMAC check "
         "(`sessions.verify_session_cookie`, lesson 07), which proves the cookie was issued, not that "
         "the session still exists"),
    Mode("B — JWT / JWKS", "JwtVerifier", "`Authorization: Bearer <JWT>`", "at `exp` (15 min)",
         "`keys.JWKSKeySource` + `verify.TokenVerifier` behind `get_current_user` (`/api/me`)"),
    Mode("C — remote get-session", "RemoteVerifier", "the signed session cookie",
         "instant",
         "`sessions.SessionValidator` (`/api/session/me`), with a success cache of "
         "`BACKEND_SESSION_CACHE_TTL` s (10 by default): revocation shows within that"),
)


def outcome_table(rows: list[tuple[str, bool, str]]) -> str:
    """A Markdown table of (how the library was called, accepted?, what it said)."""
    lines = ["| library, as called | verdict | what it said |", "|---|---|---|"]
    lines += [f"| {how} | {'✓ accepted' if accepted else '✗ refused'} | `{detail}` |" for how, accepted, detail in rows]
    return "\n".join(lines)


def modes_table(modes: tuple[Mode, ...] = BRIDGE_MODES) -> str:
    """The bridge's modes beside this workbook's backend, as a Markdown table."""
    lines = ["| bridge mode | its class | credential | revocation seen | in this workbook's backend |",
             "|---|---|---|---|---|"]
    lines += [f"| {m.mode} | `{m.bridge_class}` | {m.credential} | {m.revocation} | {m.workbook} |" for m in modes]
    return "\n".join(lines)
