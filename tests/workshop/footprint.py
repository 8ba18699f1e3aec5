"""What one participant costs the host, read from /proc: memory (PSS: shared pages split between
the processes that map them, so the sum over participants is what the machine holds) and CPU time."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Footprint:
    processes: int
    pss_mib: float
    rss_mib: float
    cpu_seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def process_tree(pid: int) -> list[int]:
    try:
        children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]
    except FileNotFoundError:
        return []
    return [pid, *(p for child in children for p in process_tree(child))]


def _kib(path: Path, field: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def footprint(pid: int) -> Footprint:
    """The process ``pid`` and everything it started, now: memory held, CPU used so far."""
    pss = rss = ticks = count = 0
    for member in process_tree(pid):
        try:
            pss += _kib(Path(f"/proc/{member}/smaps_rollup"), "Pss")
            rss += _kib(Path(f"/proc/{member}/status"), "VmRSS")
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            count += 1
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended while we read
    return Footprint(count, round(pss / 1024, 1), round(rss / 1024, 1), round(ticks / CLOCK_TICKS, 1))


SIGN_IN = """
import playground
pg = playground.start({issuer!r}, fresh=True)
assert pg.auth.post("/api/auth/sign-in/email", json={{"email": "grace@example.com", "password": pg.demo_password}},
                    headers={{"origin": pg.auth_url}}).status_code == 200
token = pg.auth.get("/api/auth/token").json()["token"]
assert pg.api.get("/api/me", headers={{"authorization": f"Bearer {{token}}"}}).status_code == 200
"""
BROWSER = """
from playground.frontend import browser
result = browser.run_in_browser(pg.frontend_url, email="grace@example.com", password=pg.demo_password)
assert not result.error, result
"""


def measure_one_participant() -> dict[str, dict]:
    """One workbook kernel, grown as a participant's lessons grow it: idle, the embedded playground
    signed in, the real Better Auth (Node) beside it, then a Chromium page run (its peak)."""
    import threading

    from tests.kernels import IpcKernelManager

    manager = IpcKernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        pid = manager.provisioner.process.pid

        def run(code: str) -> None:
            reply = client.execute_interactive(code, timeout=300, output_hook=lambda message: None)
            assert reply["content"]["status"] == "ok", reply["content"]

        stages = {"kernel (idle)": footprint(pid)}
        run(SIGN_IN.format(issuer="embedded"))
        stages["kernel + embedded playground, signed in"] = footprint(pid)
        run(SIGN_IN.format(issuer="better-auth"))
        stages["kernel + real Better Auth (Node), signed in"] = footprint(pid)
        peak, done = [footprint(pid)], threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak.append(footprint(pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            run(BROWSER)
        finally:
            done.set()
            sampler.join()
        stages["+ a Chromium page run (peak)"] = max(peak, key=lambda f: f.pss_mib)
        return {stage: value.as_dict() for stage, value in stages.items()}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    import json

    print(json.dumps(measure_one_participant(), indent=1))
