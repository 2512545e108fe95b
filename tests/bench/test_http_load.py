"""The load client of bench/http_bench.py: its statistics on given lists, and short runs
against Django's live server on the test database."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from bench.http_load import (
    LoadResult,
    Target,
    get,
    percentile,
    run_threads,
    run_wrk,
    summarize,
    wrk_result,
)


def test_percentile_is_the_nearest_rank():
    values = [35.0, 20.0, 15.0, 50.0, 40.0]
    assert [percentile(values, p) for p in (5, 30, 40, 50, 95, 100)] == [
        15.0,
        20.0,
        20.0,
        35.0,
        50.0,
        50.0,
    ]
    thousand = [float(n) for n in range(1000, 0, -1)]
    assert [percentile(thousand, p) for p in (50, 95, 99)] == [500.0, 950.0, 990.0]
    assert percentile([], 50) == 0.0


def test_summarize_counts_every_answer_but_200_as_an_error():
    result = summarize(
        client="python",
        readers=4,
        seconds=2.0,
        latencies_ms=[float(n) for n in range(1, 11)],
        statuses=Counter({"200": 8, "302": 1, "socket": 1}),
    )
    assert result == LoadResult(
        client="python",
        readers=4,
        seconds=2.0,
        requests=10,
        errors=2,
        statuses={"200": 8, "302": 1, "socket": 1},
        ok_per_s=4.0,
        p50_ms=5.0,
        p95_ms=10.0,
        p99_ms=10.0,
        max_ms=10.0,
    )


def test_it_reads_the_line_its_wrk_script_prints():
    output = (
        "Running 20s test @ http://127.0.0.1:8000/\n"
        'WRK_JSON {"requests": 1203, "duration_us": 20012345, "statuses": {"200": 1200, '
        '"500": 1}, "connect": 0, "read": 2, "write": 0, "timeout": 0, '
        '"p50": 151234, "p95": 290000, "p99": 412345, "max": 900001}\n'
    )
    assert wrk_result(output, readers=16) == LoadResult(
        client="wrk",
        readers=16,
        seconds=20.012,
        requests=1203,
        errors=3,
        statuses={"200": 1200, "500": 1, "read": 2},
        ok_per_s=59.96,
        p50_ms=151.2,
        p95_ms=290.0,
        p99_ms=412.3,
        max_ms=900.0,
    )


@pytest.fixture
def server(db):
    """Django's live server on the test database, inside the test's transaction (the
    in-memory SQLite connection shared, as LiveServerTestCase does). Not pytest-django's
    live_server: its flush after the test would take the session's regions away."""
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


def test_readers_get_the_health_check_for_the_time_given(server):
    target = Target("127.0.0.1", server.port, "/healthz")
    assert get(target).status == 200
    result = run_threads(target, readers=2, seconds=1.5, timeout=10)
    assert result.requests > 0
    assert (result.client, result.readers, result.seconds) == ("python", 2, 1.5)
    assert (result.errors, result.statuses) == (0, {"200": result.requests})
    assert result.ok_per_s == round(result.requests / 1.5, 2)
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms <= result.max_ms


def test_a_redirect_to_the_login_is_an_error(server):
    target = Target("127.0.0.1", server.port, "/")
    answer = get(target)
    assert (answer.status, answer.headers["location"]) == (302, "/login/?next=/")
    result = run_threads(target, readers=1, seconds=1, timeout=10)
    assert result.requests > 0
    assert (result.errors, result.statuses, result.ok_per_s) == (
        result.requests,
        {"302": result.requests},
        0.0,
    )


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_wrk_counts_the_answers_by_status(server):
    result = run_wrk(Target("127.0.0.1", server.port, "/"), readers=2, seconds=1, timeout=10)
    assert result.requests > 0
    assert (result.client, result.errors, result.statuses) == (
        "wrk",
        result.requests,
        {"302": result.requests},
    )
