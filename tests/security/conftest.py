"""Fixtures for the security corpus: one fake issuer and one backend per module (the cases only
read; sharing the servers keeps the corpus fast).

The fake issuer lives in tests/backend/fake_issuer.py; test directories are not packages, so
that directory is put on the import path explicitly here.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))

import httpx
import pytest
from fake_issuer import FakeIssuer

from playground.backend import create_app
from playground.clock import Clock
from playground.servers import ServerThread


@pytest.fixture(scope="module")
def issuer():
    fake = FakeIssuer(Clock.frozen()).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def backend(issuer):
    app = create_app(issuer.settings(), clock=issuer.clock)
    server = ServerThread(app, name="backend").start()
    yield app, server
    server.stop()


@pytest.fixture(scope="module")
def api(backend):
    with httpx.Client(base_url=backend[1].url, timeout=10) as client:
        yield client
