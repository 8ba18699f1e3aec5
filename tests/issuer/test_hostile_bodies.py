"""No request stalls the embedded issuer: hostile bodies in flight, ``/api/auth/ok`` still answers.

The latency bound below is a correctness check for "does not stall" (a body whose parse is
quadratic kept the event loop busy for tens of seconds), not a speed measurement: it is
generous on purpose, and speed itself is measured in ``benchmarks/``.
"""

from __future__ import annotations

import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from playground.issuer.bodies import MAX_BODY_BYTES

STALL_BOUND_SECONDS = 2.0
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}

HOSTILE = {
    # An unterminated string of escaped quotes under deep nesting: quadratic for a backtracking tokenizer.
    "escaped quotes, deep": (b'{"a":' + b"[" * 1100 + b'"' + b'\\"' * 30_000, JSON, 400),
    "deep arrays, 1 MiB": (b'{"email":' + b"[" * (MAX_BODY_BYTES // 2 - 8) + b"]" * (MAX_BODY_BYTES // 2 - 8) + b"}",
                           JSON, 400),
    "deep objects": (b'{"email":' + b'{"a":' * 150_000 + b"1" + b"}" * 150_000 + b',"password":"x"}', JSON, 400),
    # Two million fields, parsed (the real server answers its own validation error), then one more.
    "many form fields": (b"a&" * (MAX_BODY_BYTES // 2 - 1), FORM, 400),
    "too many form fields": (b"a&" * (MAX_BODY_BYTES // 2 + 1), FORM, 413),
    # Types the endpoint does not parse are never read, whatever their size (as better-call).
    "16 MiB text/plain": (b"a" * (16 << 20), {"content-type": "text/plain"}, 415),
    "16 MiB without a type": (b"a" * (16 << 20), {}, 400),
    "16 MiB form": (b"a=" + b"b" * (16 << 20), FORM, 413),
    "16 MiB JSON string": (b'{"email":"' + b"a" * (16 << 20) + b'"}', JSON, 413),
}


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.timeout(120)
def test_ok_answers_while_hostile_bodies_are_in_flight(issuer):
    url = f"{issuer.url}/api/auth"
    peak_before = _peak_rss_mib()
    latencies: list[float] = []
    done = threading.Event()

    def probe_ok() -> None:
        with httpx.Client(timeout=30) as client:
            while not done.is_set():
                started = time.perf_counter()
                assert client.get(f"{url}/ok").json() == {"ok": True}
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

    def send(name: str) -> tuple[str, int]:
        body, headers, _ = HOSTILE[name]
        with httpx.Client(timeout=60) as client:
            return name, client.post(f"{url}/sign-in/email", content=body, headers=headers).status_code

    prober = threading.Thread(target=probe_ok, daemon=True)
    prober.start()
    try:
        with ThreadPoolExecutor(max_workers=len(HOSTILE)) as pool:
            answers = dict(pool.map(send, HOSTILE))  # all at once
    finally:
        done.set()
        prober.join(30)
    assert answers == {name: status for name, (_, _, status) in HOSTILE.items()}  # refused, never a 500
    assert latencies, "GET /ok never answered"
    assert max(latencies) < STALL_BOUND_SECONDS, f"/ok stalled for {max(latencies):.1f} s"
    # A 16 MiB form once cost ~500 MiB to parse; now bodies are capped (MAX_BODY_BYTES) and a form
    # costs memory per distinct field name only.
    assert _peak_rss_mib() - peak_before < 200, f"peak memory grew by {_peak_rss_mib() - peak_before:.0f} MiB"


def test_every_size_and_depth_is_a_4xx(issuer):
    """Around the cap and around Python's nesting limit: a clear 4xx each, never a 500."""
    url = f"{issuer.url}/api/auth/sign-in/email"
    with httpx.Client(timeout=30) as client:
        at_cap = client.post(url, content=b'{"email":"' + b"a" * (MAX_BODY_BYTES - 12) + b'"}', headers=JSON)
        over_cap = client.post(url, content=b" " * (MAX_BODY_BYTES + 1), headers=JSON)
        assert (at_cap.status_code, at_cap.json()["code"]) == (400, "VALIDATION_ERROR")
        assert (over_cap.status_code, over_cap.json()["code"]) == (413, "PAYLOAD_TOO_LARGE")
        for depth in (990, 1000, 1010, 5000):
            body = b'{"email":' + b"[" * depth + b"]" * depth + b',"password":"x"}'
            response = client.post(url, content=body, headers=JSON)
            assert response.json()["message"] == "[body.email] Invalid input: expected string, received array", depth
            for broken in (b'{"email":' + b"[" * depth,  # unbalanced
                           b'{"email":' + b"[" * depth + b"1," + b"]" * depth + b"}",  # a trailing comma deep inside
                           b'{"email":' + b"[" * depth + b'"\\q"' + b"]" * depth + b"}"):  # a bad escape deep inside
                refused = client.post(url, content=broken, headers=JSON)
                assert (refused.status_code, refused.json()["code"]) == (400, "BAD_REQUEST"), depth


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
def test_deeply_nested_cache_cookies_are_ignored_not_a_500(start_issuer, strategy):
    """The session cache cookie is attacker-controlled JSON too: nesting past Python's limit is a
    cookie that does not verify (Better Auth falls back to the database), never a server error."""
    import base64

    issuer = start_issuer(from_options={"session": {"cookieCache": {"enabled": True, "strategy": strategy}}})
    issuer.sign_in()
    deep = base64.urlsafe_b64encode(b'{"session":' + b"[" * 3000 + b"]" * 3000 + b"}").rstrip(b"=").decode()
    forged = {"compact": deep, "jwt": f"{deep}.{deep}.x", "jwe": f"{deep}..aa.aa.aa"}[strategy]
    session = issuer.client.cookies["better-auth.session_token"]
    response = issuer.client.get("/get-session", headers={
        "cookie": f"better-auth.session_token={session}; better-auth.session_data={forged}"})
    assert response.status_code == 200 and response.json()["user"]["email"] == "ada@example.com"
