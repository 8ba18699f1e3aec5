"""The checker's targets live in ``tests/check/targets``: importable as ``targets`` here and, for
``--app targets.careful:app``, from this directory as the working directory.

``check_run``: ``check.run`` with the module's runs sharing their issuer (see ``SharedIssuers``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from playground import check
from playground.check.credentials import issuer_options
from playground.check.engine import start_issuer
from playground.check.gate import GatedAuthServer
from playground.servers import stop_all

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

#: The one case that changes the issuer for the runs after it: it retires the signing key.
ROTATES_THE_KEY = next(case for case in check.CASES if case.id == "key-rotated-in")


class SharedIssuers:
    """``check.run`` against one issuer per issuer configuration, started by the first run that needs
    it (``check.run(issuer_server=...)``, as lesson 03b grades app after app against one issuer).

    What a run leaves in the issuer: the sessions it signed in (each run signs in afresh), the gate's
    request counters (read as differences) and its mode (set back to "up" after every outage), and,
    after key-rotated-in, a retired signing key. A run that may rotate the key (key-rotated-in grades
    its credential, and ``only`` is empty or names it) or that names its issuer's port gets an issuer
    of its own, as ``check.run`` gives it: no run sees what such a run changed.
    """

    def __init__(self) -> None:
        self._issuers: dict[tuple[Any, ...], GatedAuthServer] = {}

    def run(self, config: check.CheckConfig | None = None, /, **settings: Any) -> check.CheckReport:
        config = config or check.CheckConfig(**settings)
        may_rotate = config.credential in ROTATES_THE_KEY.credentials and \
            (not config.only or ROTATES_THE_KEY.id in config.only)
        if may_rotate or config.auth_port:
            return check.run(config)
        # What start_issuer starts an issuer from, and nothing else.
        key = (config.issuer, config.deterministic, config.issuer_host,
               json.dumps(issuer_options(config), sort_keys=True))
        issuer = self._issuers.get(key)
        if issuer is None:
            issuer = self._issuers[key] = start_issuer(config)
        return check.run(config, issuer_server=issuer)

    def stop(self) -> None:
        stop_all(self._issuers.values())


@pytest.fixture(scope="module")
def check_run() -> Iterator[Any]:
    issuers = SharedIssuers()
    yield issuers.run
    issuers.stop()
