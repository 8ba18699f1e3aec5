"""Two things lesson 03b asks of a part that the checker cannot probe in a lesson's seconds.

* ``withdrawn_key``: a key set must stop trusting a key the issuer withdrew once the fetched set is
  older than ``solution.MAX_KEY_AGE`` (the clock is moved forward instead of waiting five minutes);
* ``outage``: while the issuer is down, the keys a key set holds still verify, and once it is back a
  key it added is found (the checker's ``jwks-outage-*`` cases take the issuer down for seconds
  and grade all four parts at once; this asks the key set alone, with the clock moved instead);
* ``issuer_down``: while the JWKS cannot be fetched, the dependency answers 503 with
  ``Retry-After`` (the issuer is down; the token may be fine), never a 500 and never a 401.

Each returns ``(right, line)``: the line is ``✓ …``, or ``✗ …`` and a hint, as ``check_part`` prints
cases. ``run(probe)`` runs one in its own event loop, in a thread: a notebook cell already runs in one.
"""

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Annotated, Any
from unittest import mock

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.servers import ServerThread

from . import solution

Probe = tuple[bool, str]


def run(probe: Coroutine[Any, Any, Probe]) -> Probe:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, probe).result()


def _jwk(kid: str) -> dict[str, Any]:
    public = Ed25519PrivateKey.generate().public_key()
    return {**jwt.algorithms.OKPAlgorithm.to_jwk(public, as_dict=True), "alg": "EdDSA", "kid": kid}


@contextmanager
def _clock_moved(seconds: float) -> Iterator[None]:
    """time.monotonic and time.time, ``seconds`` later than they are (whichever the part reads)."""
    monotonic, wall = time.monotonic, time.time
    with mock.patch("time.monotonic", lambda: monotonic() + seconds), mock.patch("time.time", lambda: wall() + seconds):
        yield


async def withdrawn_key(key_set_class: type) -> Probe:
    """A key withdrawn from the JWKS must stop verifying once the fetched set is older than MAX_KEY_AGE."""
    age = solution.MAX_KEY_AGE
    hint = (f"    hint: refetch the JWKS when the fetched set is older than MAX_KEY_AGE ({age} s), and replace "
            "the key set instead of merging it")
    published = {"keys": [_jwk("old-key")]}

    async def jwks(request):
        return JSONResponse(published)

    server = ServerThread(Starlette(routes=[Route("/jwks", jwks)]), name="03b probe JWKS").start()
    try:
        keys = key_set_class(f"{server.url}/jwks")
        await keys.get("old-key")
        published["keys"] = [_jwk("new-key")]  # the issuer withdrew old-key
        with _clock_moved(age + 1):
            await keys.get("old-key")
    except jwt.PyJWTError:
        return True, f"✓ max-key-age: a withdrawn key is refused once the set is {age} s old"
    except Exception as exc:  # the learner's code: say what it raised, as a case would
        return False, f"✗ max-key-age: get() raised {type(exc).__name__}: {exc}\n{hint}"
    finally:
        server.stop()
    return False, f"✗ max-key-age: a key the issuer withdrew is still trusted {age + 1} s later\n{hint}"


async def outage(key_set_class: type) -> Probe:
    """The JWKS answers 503 for a while: a known kid is still served, and after the issuer's return
    (and the refetch interval) a key it added is fetched."""
    step = solution.REFETCH_INTERVAL + 1
    published, down = {"keys": [_jwk("kid-1")]}, [False]

    async def jwks(request):
        return JSONResponse({"error": "unavailable"}, status_code=503) if down[0] else JSONResponse(published)

    server = ServerThread(Starlette(routes=[Route("/jwks", jwks)]), name="03b probe JWKS").start()
    try:
        keys = key_set_class(f"{server.url}/jwks")
        await keys.get("kid-1")
        down[0] = True
        with _clock_moved(step):
            try:
                await keys.get("kid-unknown")  # it refetches, and the fetch fails
            except Exception:  # any refusal will do: a 503 or a 401 is the dependency's to choose
                pass
            try:
                await keys.get("kid-1")
            except Exception as exc:
                return False, (f"✗ issuer-outage: while the issuer was down, a key it had served was refused "
                               f"({type(exc).__name__}: {exc})\n    hint: keep the last good key set when a "
                               "refetch fails: replace the keys only after a successful fetch")
        down[0] = False
        published["keys"].append(_jwk("kid-2"))
        with _clock_moved(2 * step):
            try:
                await keys.get("kid-2")
            except Exception as exc:
                return False, (f"✗ issuer-outage: once the issuer was back, its new key was not found "
                               f"({type(exc).__name__}: {exc})\n    hint: after a failed fetch, fetch again on "
                               "the next unknown kid once REFETCH_INTERVAL has passed; never keep the failure")
    finally:
        server.stop()
    return True, "✓ issuer-outage: held keys verify while the issuer is down, and its new key is found after"


class _Unreachable:
    """A key set whose issuer is down: every fetch fails as httpx fails when nothing answers."""

    def __init__(self, jwks_url: str = "http://127.0.0.1:9/api/auth/jwks") -> None:
        self.jwks_url = jwks_url

    async def get(self, kid: str) -> jwt.PyJWK:
        raise httpx.ConnectError(f"cannot reach {self.jwks_url} (the probe's issuer is down)")


async def issuer_down(authenticate: Callable[..., Any]) -> Probe:
    """With the JWKS unreachable, ``authenticate`` answers 503 with Retry-After."""
    issuer = "http://127.0.0.1:9"
    app = FastAPI()
    # FastAPI reads this alias when the route is declared: hence no postponed annotations in this module.
    current_user = Annotated[solution.User, Depends(authenticate(_Unreachable(), issuer, solution.verify_token))]

    @app.get("/api/me")
    async def me(user: current_user) -> solution.User:
        return user

    # Any token with a kid: verify_token asks the key set for it, and the key set cannot answer.
    token = jwt.encode({"sub": "ada"}, "a key the probe never checks, 32+ bytes", headers={"kid": "k1"})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
        answer = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    got = f"{answer.status_code}" + (f", Retry-After: {answer.headers['retry-after']}"
                                     if "retry-after" in answer.headers else ", no Retry-After")
    if answer.status_code == 503 and "retry-after" in answer.headers:
        return True, "✓ issuer-down-503: the JWKS unreachable is a 503 with Retry-After, not the token's fault"
    return False, (f"✗ issuer-down-503: with the JWKS unreachable, the app answered {got}\n"
                   "    hint: catch httpx.HTTPError around verify(...) and raise HTTPException(503, ..., "
                   'headers={"Retry-After": "5"}): the issuer is down, the token may be fine')


#: The probes each part gets after its cases pass, by part name: (the id it fails as, the probe).
PROBES: dict[str, tuple[tuple[str, Callable[[Any], Coroutine[Any, Any, Probe]]], ...]] = {
    "KeySet": (("max-key-age", withdrawn_key), ("issuer-outage", outage)),
    "authenticate": (("issuer-down-503", issuer_down),),
}
