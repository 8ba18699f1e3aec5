"""The one client TLS context of this process, shared by every playground HTTP client.

Building a context loads the CA bundle (~18 ms of CPU), and ``playground.start()`` makes three
clients each time a lesson or test calls it. They talk plain HTTP on loopback and would use TLS
only if pointed at an https URL, so one context, made on first use, serves them all.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def client_tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()
