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
