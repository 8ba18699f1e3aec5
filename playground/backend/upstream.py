"""Reading an answer from Better Auth with bounds: at most so many bytes, within one deadline.

The backend calls Better Auth on the request path (JWKS on an unknown kid, get-session per
session request), so a misbehaving or hostile upstream must not be able to hold those requests or
fill memory. httpx alone does not bound either: its timeout applies to each read (a server that
trickles one byte per second never trips it), and ``response.content`` reads the whole body before
anyone can look at its size. Here the body is streamed and abandoned at the cap, and one deadline
covers the whole exchange: connect, headers and body.

Compressed answers are refused rather than decompressed: a few kilobytes of gzip can expand to
gigabytes in a single chunk. The request asks for ``identity``, which any proxy honours.
"""

from __future__ import annotations

import asyncio
import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every upstream client of this process shares. Building one loads
    the CA bundle (~18 ms of CPU), and each app instance makes two clients (JWKS, get-session)."""
    return httpx.create_ssl_context()


class UpstreamError(Exception):
    """Better Auth's answer could not be read within the bounds; the message says which."""


async def get_bounded(
    client: httpx.AsyncClient, url: str, *, headers: dict[str, str], max_bytes: int, deadline: float
) -> tuple[int, bytes]:
    """``GET url``: the status and, for a 200, the whole body; raises ``UpstreamError``."""
    try:
        async with asyncio.timeout(deadline):
            async with client.stream("GET", url, headers={"Accept-Encoding": "identity", **headers}) as response:
                if response.status_code != 200:
                    return response.status_code, b""
                if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
                    raise UpstreamError("the answer is compressed although identity was asked for")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise UpstreamError(f"the answer is larger than {max_bytes} bytes")
                body = bytearray()
                async for chunk in response.aiter_raw():
                    body += chunk
                    if len(body) > max_bytes:
                        raise UpstreamError(f"the answer is larger than {max_bytes} bytes")
                return response.status_code, bytes(body)
    except TimeoutError:
        raise UpstreamError(f"no complete answer within {deadline:g} s") from None
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
