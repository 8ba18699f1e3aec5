"""``playground.check.target.within``: the import deadline, in-process (the CLI's is tested through
``test_cli_bad_input.py``). ``timeout(0)``: pytest-timeout's own SIGALRM would make it stand aside."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import pytest

from playground.check.config import UsageError
from playground.check.target import within


@pytest.mark.timeout(0)
def test_an_alarm_racing_the_end_of_the_work_never_escapes_nor_stays_installed():
    assert threading.current_thread() is threading.main_thread(), "the deadline exists only in the main thread"
    before = signal.getsignal(signal.SIGALRM)
    outcomes: Counter[str] = Counter()
    for attempt in range(400):
        finish = 0.002 - (attempt % 100) * 2e-6  # ends just before, at, and just after the alarm

        def work() -> str:
            deadline = time.perf_counter() + finish
            while time.perf_counter() < deadline:
                pass
            return "finished"

        try:
            outcomes[within(0.002, "busy work", work)] += 1
        except UsageError:
            outcomes["timed out"] += 1
        assert signal.getsignal(signal.SIGALRM) is before
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert outcomes["finished"] > 0 and sum(outcomes.values()) == 400


@pytest.mark.timeout(0)
def test_work_that_swallows_the_first_alarm_still_times_out():
    def swallowing() -> None:
        try:
            time.sleep(5)
        except BaseException:
            pass
        time.sleep(5)

    started = time.monotonic()
    with pytest.raises(UsageError, match="did not finish within 0.2 s"):
        within(0.2, "swallowing work", swallowing)
    assert time.monotonic() - started < 2


def test_someone_elses_alarm_is_left_alone():
    # Under pytest-timeout (signal method) an alarm is armed: within() runs the work without its own.
    armed = signal.getitimer(signal.ITIMER_REAL)
    if armed[0] == 0:
        signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        handler = signal.getsignal(signal.SIGALRM)
        assert within(0.01, "work", lambda: time.sleep(0.05) or "done") == "done"
        assert signal.getsignal(signal.SIGALRM) is handler and signal.getitimer(signal.ITIMER_REAL)[0] > 0
    finally:
        if armed[0] == 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
