"""bench/http_bench.py without a server: the day it asks for, the goals and the table it
prints, and its refusal of SQLite."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.http_bench import goals_met, june, main, table


def _run(ok_per_s: float, p50_ms: float, p95_ms: float, errors: int = 0) -> dict:
    return {
        "requests": round(ok_per_s * 20) + errors,
        "ok_per_s": ok_per_s,
        "p50_ms": p50_ms,
        "p95_ms": p95_ms,
        "errors": errors,
    }


RESULTS = {
    "readers": [1, 16],
    "load": {
        "country dashboard": {
            "path": "/",
            "runs": {"1": _run(6.1, 160.0, 170.0), "16": _run(5.0, 3100.0, 3400.0)},
        },
        "village page": {
            "path": "/desa/33.02.01.2001/",
            "runs": {"1": _run(45.5, 21.0, 25.0), "16": _run(120.0, 130.0, 200.0, errors=3)},
        },
    },
    "slow": {
        "country dashboard, past as_of": {
            "path": "/?as_of=2026-06-30",
            "reps": 3,
            "median_s": 0.42,
            "peak_rss_mb": 120.4,
            "streamed": False,
            "errors": 0,
        },
        "whole-country candidates XLSX": {
            "path": "/ekspor/candidates.xlsx",
            "reps": 3,
            "median_s": 14.8,
            "peak_rss_mb": 120.0,
            "streamed": False,
            "errors": 0,
        },
    },
}


def test_it_asks_for_the_last_june_past():
    assert june(dt.date(2026, 12, 2)) == dt.date(2026, 6, 30)
    assert june(dt.date(2026, 6, 30)) == dt.date(2025, 6, 30)
    assert june(dt.date(2027, 7, 1)) == dt.date(2027, 6, 30)


def test_a_goal_is_met_at_16_readers_without_errors_and_streamed_where_asked():
    assert goals_met(RESULTS) == {
        "country dashboard": False,  # 5 req/s, p95 3.4 s
        "village page": False,  # 120 req/s, but 3 errors
        "country dashboard, past as_of": True,
        "whole-country candidates XLSX": False,  # small enough, not streamed
    }
    fewer = {**RESULTS, "load": {"village page": {"runs": {"1": _run(200.0, 4.0, 5.0)}}}}
    assert "village page" not in goals_met(fewer)  # no run with 16 readers


def test_it_prints_the_table_of_the_issue():
    assert table({**RESULTS, "goals_met": goals_met(RESULTS)}).splitlines() == [
        "| what | 1 reader | 16 readers | goal |",
        "|---|---|---|---|",
        "| country dashboard `/` | 6.1 req/s, p50 160 ms, p95 170 ms "
        "| 5 req/s, p50 3.1 s, p95 3.4 s "
        "| ≥ 100 req/s, p95 ≤ 300 ms at 16 readers: not met |",
        "| village page `/desa/33.02.01.2001/` | 45.5 req/s, p50 21 ms, p95 25 ms "
        "| 120 req/s, p50 130 ms, p95 200 ms, **3 errors** | ≥ 100 req/s at 16 readers: not met |",
        "| country dashboard, past as_of `/?as_of=2026-06-30` "
        "| 0.42 s, 120 MB (alone, median of 3) | — | ≤ 500 ms: met |",
        "| whole-country candidates XLSX `/ekspor/candidates.xlsx` "
        "| 14.8 s, 120 MB (alone, median of 3) | — "
        "| streamed, ≤ 150 MB, or a background job: not met |",
    ]


def test_it_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    with pytest.raises(SystemExit) as exit_:
        main(["--seconds", "1"])
    assert str(exit_.value) == (
        "http_bench: set DATABASE_URL to a PostgreSQL database with generated data."
    )


def test_an_export_answered_by_a_background_job_meets_its_goal():
    queued = {
        **RESULTS["slow"]["whole-country candidates XLSX"],
        "median_s": 0.05,
        "peak_rss_mb": 277.0,  # held by the worker from an earlier request
        "job": True,
    }
    results = {**RESULTS, "slow": {"whole-country candidates XLSX": queued}}

    assert goals_met(results) == {
        "country dashboard": False,
        "village page": False,
        "whole-country candidates XLSX": True,
    }
    assert table({**results, "goals_met": goals_met(results)}).splitlines()[-1] == (
        "| whole-country candidates XLSX `/ekspor/candidates.xlsx` "
        "| 0.05 s, 277 MB, queued as a background job (alone, median of 3) | — "
        "| streamed, ≤ 150 MB, or a background job: met |"
    )
