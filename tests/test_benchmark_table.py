"""The README's benchmark table: rendering, the markers, and which goals a run meets.

Timings are never asserted (they are measured by ``make bench``); what is tested is the code that
turns measurements into the table: a goal missed must read "no", never vanish or pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_backend import (  # noqa: E402
    BRIDGE,
    CONTROLS,
    DOCS_STYLE,
    FIXED_USER,
    NOOP,
    ONE_TOKEN,
    PUBLIC,
    REFERENCE,
    REFERENCE_NO_CACHE,
    ROTATING,
    SESSION,
    BackendResults,
)
from http_load import Load, LoadError, parse_wrk  # noqa: E402
from readme_table import END, START, MarkersMissingError, Row, render, update_readme  # noqa: E402
from run_all import backend_rows, issuer_rows  # noqa: E402


def test_render_gives_one_line_per_row_with_issuer_goal_and_verdict():
    table = render([Row("a", "embedded issuer", "1.5×", "≤ 2×", True),
                    Row("b", "better-auth 1.7.24", "0.92×", "≥ 1×", False),
                    Row("c", "embedded issuer", "12× slower")])
    lines = table.splitlines()
    assert lines[0] == "| measure | issuer | result | goal | met |"
    assert lines[2] == "| a | embedded issuer | 1.5× | ≤ 2× | yes |"
    assert lines[3] == "| b | better-auth 1.7.24 | 0.92× | ≥ 1× | **no** |"
    assert lines[4] == "| c | embedded issuer | 12× slower | — | — |"


def test_render_escapes_pipes_so_a_cell_cannot_add_columns():
    line = render([Row("x | y", "i", "r")]).splitlines()[2]
    assert line.count(" | ") == 4 and "x \\| y" in line


def test_render_refuses_an_empty_table():
    with pytest.raises(ValueError):
        render([])


def test_update_readme_replaces_only_what_is_between_the_markers():
    readme = f"intro\n{START}\nold | table\n{END}\nafter\n"
    updated = update_readme(readme, "| new |")
    assert updated == f"intro\n{START}\n| new |\n{END}\nafter\n"
    assert update_readme(updated, "| new |") == updated  # idempotent


@pytest.mark.parametrize("readme", ["no markers", f"{END}\n{START}", f"{START}{START}{END}", f"{START} only"])
def test_update_readme_refuses_missing_or_misplaced_markers(readme):
    with pytest.raises(MarkersMissingError):
        update_readme(readme, "| t |")


def _results(reference_me: float, bridge_me: float, public: float = 4000.0) -> BackendResults:
    """Five identical rounds: the medians are the values given (req/s; CPU µs = 1e6 / req/s)."""
    rates = {
        (REFERENCE, PUBLIC): public, (REFERENCE, ONE_TOKEN): reference_me, (REFERENCE, ROTATING): reference_me,
        (REFERENCE_NO_CACHE, ONE_TOKEN): reference_me / 2, (REFERENCE_NO_CACHE, ROTATING): reference_me / 2,
        (REFERENCE_NO_CACHE, SESSION): 200.0,
        (BRIDGE, PUBLIC): public, (BRIDGE, ONE_TOKEN): bridge_me, (BRIDGE, ROTATING): bridge_me,
        (DOCS_STYLE, PUBLIC): public, (DOCS_STYLE, ONE_TOKEN): 1000.0, (DOCS_STYLE, ROTATING): 1000.0,
        (CONTROLS, PUBLIC): public, (CONTROLS, NOOP): public * 0.9, (CONTROLS, FIXED_USER): public * 0.8,
    }
    results = BackendResults("embedded issuer", 700, {"floor": 100.0, "full": 150.0, "cache hit": 1.0})
    results.rounds = [{key: Load(rate, 1e6 / rate) for key, rate in rates.items()} for _ in range(5)]
    return results


def _met(rows: list[Row], start: str) -> dict[str, bool | None]:
    return {row.measure: row.met for row in rows if row.measure.startswith(start)}


def test_backend_goals_pass_and_fail_on_the_median_ratio():
    rows = backend_rows(_results(reference_me=3600, bridge_me=1500))
    assert all(row.issuer == "embedded issuer" for row in rows)
    assert rows[0].met is True and rows[0].result.startswith("1.50×")  # 150 µs vs floor 100: within 2×
    me_over_public = rows[1]
    assert me_over_public.result.startswith("0.90× by CPU/request") and me_over_public.met is True
    versus = _met(rows, "`/api/me`, one token")
    # cache on: 3600/1500 = 2.4 ≥ 2 and 3600/1000 ≥ 2; cache off: 1800/1500 = 1.2 ≥ 1.2, 1800/1000 ≥ 1.2
    assert list(versus.values()) == [True, True, True, True]

    slower = backend_rows(_results(reference_me=2800, bridge_me=1500))
    assert slower[1].met is False  # 0.70× < 0.85×
    versus = _met(slower, "`/api/me`, one token")
    # cache on: 2800/1500 = 1.87 < 2 (bridge); cache off: 1400/1500 < 1.2
    assert list(versus.values()) == [False, False, True, True]
    assert "**no**" in render(slower)


def test_the_controls_are_reported_against_public_without_a_goal():
    controls = [row for row in backend_rows(_results(reference_me=3600, bridge_me=1500))
                if row.measure.startswith("control: ")]
    assert [row.result.split(" (")[0] for row in controls] == ["0.90× by CPU/request", "0.80× by CPU/request"]
    assert "does nothing" in controls[0].measure and "constant user" in controls[1].measure
    assert all(row.goal == "" and row.met is None for row in controls)


def test_goals_follow_cpu_per_request_when_req_s_is_disturbed():
    results = _results(reference_me=3600, bridge_me=1500)
    for measured in results.rounds:  # every reference /api/me run starved by other work: few req/s,
        measured[(REFERENCE, ONE_TOKEN)] = Load(500.0, 1e6 / 3600)  # the same CPU per request
    rows = backend_rows(results)
    assert _met(rows, "`/api/me`, one token: reference (cache on)") == {
        "`/api/me`, one token: reference (cache on) vs fastapi-better-auth-bridge (JWT mode)": True,
        "`/api/me`, one token: reference (cache on) vs FastAPI-docs style": True}
    bridge = next(row for row in rows if row.measure.endswith("(cache on) vs fastapi-better-auth-bridge (JWT mode)"))
    assert bridge.result.startswith("2.40× by CPU/request (0.33× by req/s)")


def test_medians_ignore_one_disturbed_round():
    results = _results(reference_me=3600, bridge_me=1500)
    results.rounds[2] = {key: Load(load.requests_per_second / 10, load.cpu_us_per_request * 10)
                         for key, load in results.rounds[2].items()}
    results.rounds[2][(REFERENCE, ONE_TOKEN)] = Load(100.0, 10_000.0)  # a burst of load elsewhere
    assert results.ratio((REFERENCE, ONE_TOKEN), (BRIDGE, ONE_TOKEN))[0] == pytest.approx(2.4)


def test_issuer_rows_judge_each_throughput_and_start_up():
    results = {"version": "1.7.24", "startup": {"embedded": {"ok": 0.2}, "real": {"ok": 1.0}},
               "throughput": {"embedded": {"sign-in": 46, "get-session": 900, "token": 800},
                              "real": {"sign-in": 50, "get-session": 300, "token": 300}},
               "ratio": {"sign-in": 0.92, "get-session": 3.0, "token": 2.67}}
    rows = issuer_rows(results)
    assert [row.met for row in rows] == [False, True, True, False]
    assert all(row.issuer == "embedded vs better-auth 1.7.24" for row in rows)


WRK_OK = """Running 2s test @ http://127.0.0.1:1/api/me
  2 threads and 32 connections
  7260 requests in 2.00s, 1.63MB read
Requests/sec:   3628.51
Transfer/sec:    834.12KB
"""


def test_parse_wrk_reads_rate_and_cpu_per_request():
    load = parse_wrk(WRK_OK, cpu_seconds=1.452, label="x")
    assert load.requests_per_second == pytest.approx(3628.51)
    assert load.cpu_us_per_request == pytest.approx(200.0)


@pytest.mark.parametrize("extra", ["  Non-2xx or 3xx responses: 7260\n",
                                   "  Socket errors: connect 0, read 12, write 0, timeout 0\n"])
def test_parse_wrk_voids_a_run_with_failures(extra):
    with pytest.raises(LoadError):
        parse_wrk(WRK_OK + extra, cpu_seconds=1.0, label="x")
