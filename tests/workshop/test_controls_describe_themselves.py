"""The teaching controls say how to call them where a learner looks: ``serve``'s output (the index
at ``/__playground/`` is covered in test_isolation), and the playground under a hub says which
URLs its learner's browser can open."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from playground import runtime
from playground.issuer.teaching_routes import CONTROLS
from tests.workshop import processes


def test_serve_prints_each_control_with_its_method_path_and_body():
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BETTER_AUTH_", "PLAYGROUND_"))}
    process = subprocess.Popen([sys.executable, "-m", "playground", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=environment)
    printed = []
    try:
        for line in process.stdout:
            printed.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
    finally:
        processes.stop(process)
        process.stdout.close()
    for control in CONTROLS:
        body = f" {json.dumps(control.body)}" if control.body is not None else ""
        assert any(line.startswith(f"  {control.method} {control.path}{body} -> ") for line in printed), \
            (control, printed)
    assert any("/__playground/; POST bodies are Content-Type: application/json" in line for line in printed)


def test_browser_urls_go_through_the_hubs_proxy_only_under_a_hub(monkeypatch):
    monkeypatch.delenv(runtime.HUB_PREFIX_VARIABLE, raising=False)
    assert runtime.browser_url("http://127.0.0.1:41701/api/public") == "http://127.0.0.1:41701/api/public"
    monkeypatch.setenv(runtime.HUB_PREFIX_VARIABLE, "/user/ada/")
    assert runtime.browser_url("http://127.0.0.1:41701/api/public") == "/user/ada/proxy/41701/api/public"
    assert runtime.browser_url("http://127.0.0.1:41702") == "/user/ada/proxy/41702/"


@pytest.mark.parametrize("variables, shared", [
    ({}, False),
    ({runtime.HUB_PREFIX_VARIABLE: "/user/ada/"}, True),
    ({runtime.SHARED_HOST_VARIABLE: "1"}, True),
    ({runtime.SHARED_HOST_VARIABLE: "0"}, False),
    ({runtime.HUB_PREFIX_VARIABLE: "/user/ada/", runtime.SHARED_HOST_VARIABLE: "0"}, False),
])
def test_a_hub_marks_the_host_shared(monkeypatch, variables, shared):
    for name in (runtime.HUB_PREFIX_VARIABLE, runtime.SHARED_HOST_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert runtime.shared_host() is shared


def test_the_playground_says_what_a_hub_learner_can_open(monkeypatch):
    monkeypatch.delenv(runtime.HUB_PREFIX_VARIABLE, raising=False)
    with runtime.start(fresh=True) as pg:
        laptop = repr(pg)
    monkeypatch.setenv(runtime.HUB_PREFIX_VARIABLE, "/user/ada/")
    with runtime.start(fresh=True) as pg:
        hub = repr(pg)
        port = pg.api_url.rsplit(":", 1)[1]
    assert "browser" not in laptop  # a lesson's stored output stays as it is on a laptop
    assert f"the backend's API at /user/ada/proxy/{port}/api/public" in hub
    assert "the frontend page and /docs need a local install" in hub
    assert "separate origins" in hub
