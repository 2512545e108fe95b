"""A bounded load client for bench/http_bench.py: N readers GET one URL over and over for a
fixed time, each sending its next request when the previous answer has arrived (a closed
loop: what many people reading dashboards do). A reader keeps its connection unless the
request or the server says `Connection: close`, then opens a new one.

`wrk` (Debian's package, compiled) drives the load when it is installed, so the client is not
what limits the figures on a 2-core machine; otherwise threads with `http.client`. Both give
the same record: requests answered within the time, those answered 200 per second, the
latency percentiles (nearest rank) and every answer other than 200 counted as an error.
Standard library only: no Django here.
"""

from __future__ import annotations

import http.client
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """Where to send the requests: host, port, path and the headers of every request."""

    host: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    client: str
    readers: int
    seconds: float
    requests: int  # answered within the time, whatever the status
    errors: int  # answered other than 200, or failed (connection, timeout)
    statuses: dict[str, int]
    ok_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of `values`: the smallest value with at least p % of the
    values at or below it (p50 of 1…10 is 5, p95 of 1…10 is 10). 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(
    *, client: str, readers: int, seconds: float, latencies_ms: list[float], statuses: Counter
) -> LoadResult:
    """The record of a run: `latencies_ms` of the answered requests, `statuses` counted by
    status code (as text) or by failure ("socket", "timeout")."""
    ok = statuses.get("200", 0)
    return LoadResult(
        client=client,
        readers=readers,
        seconds=round(seconds, 3),
        requests=len(latencies_ms),
        errors=sum(statuses.values()) - ok,
        statuses=dict(sorted(statuses.items())),
        ok_per_s=round(ok / seconds, 2) if seconds else 0.0,
        p50_ms=round(percentile(latencies_ms, 50), 1),
        p95_ms=round(percentile(latencies_ms, 95), 1),
        p99_ms=round(percentile(latencies_ms, 99), 1),
        max_ms=round(max(latencies_ms, default=0.0), 1),
    )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    first_byte_s: float  # to the status line and headers
    seconds: float  # to the last byte


def get(target: Target, *, timeout: float = 120) -> Answer:
    """One request on a fresh connection."""
    connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request("GET", target.path, headers=target.headers)
        response = connection.getresponse()
        first = time.perf_counter() - started
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, body, first, time.perf_counter() - started)
    finally:
        connection.close()


def run_load(
    target: Target, *, readers: int, seconds: float, timeout: float = 120, client: str = "auto"
) -> LoadResult:
    """`readers` readers for `seconds` against `target`, with wrk if installed ("auto")."""
    if client == "wrk" or (client == "auto" and shutil.which("wrk")):
        return run_wrk(target, readers=readers, seconds=seconds, timeout=timeout)
    return run_threads(target, readers=readers, seconds=seconds, timeout=timeout)


def run_threads(target: Target, *, readers: int, seconds: float, timeout: float) -> LoadResult:
    """The Python client: one thread and one connection at a time per reader. A request
    still running when the time is up is not counted (as wrk does); the call returns once
    every reader has had its answer, so the server is not left working for it."""
    start = threading.Barrier(readers + 1)
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = [0.0]

    def reader() -> None:
        mine, counted = _read_until(target, start, deadline, timeout)
        with lock:
            latencies.extend(mine)
            statuses.update(counted)

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return summarize(
        client="python", readers=readers, seconds=seconds, latencies_ms=latencies, statuses=statuses
    )


def _read_until(
    target: Target, start: threading.Barrier, deadline: list[float], timeout: float
) -> tuple[list[float], Counter]:
    latencies: list[float] = []
    statuses: Counter = Counter()
    connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    start.wait()
    while (sent := time.perf_counter()) < deadline[0]:
        try:
            connection.request("GET", target.path, headers=target.headers)
            response = connection.getresponse()
            response.read()
            status = str(response.status)
            if response.will_close:
                connection.close()  # reconnects on the next request
        except TimeoutError:
            status = "timeout"
            connection.close()
        except (OSError, http.client.HTTPException):
            status = "socket"
            connection.close()
        answered = time.perf_counter()
        if answered <= deadline[0]:
            latencies.append((answered - sent) * 1000)
            statuses[status] += 1
    connection.close()
    return latencies, statuses


# wrk counts answers by status in each thread; `done` adds the threads' counts up and prints
# one JSON line with the latency percentiles (microseconds, from wrk's exact histogram).
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body)
  local key = tostring(status)
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do total[key] = (total[key] or 0) + n end
  end
  local parts = {}
  for key, n in pairs(total) do table.insert(parts, string.format('"%s": %d', key, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "statuses": {%s}, '
      .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def run_wrk(target: Target, *, readers: int, seconds: float, timeout: float) -> LoadResult:
    """wrk with `readers` connections on up to 2 threads (this machine's cores)."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "count.lua"
        script.write_text(WRK_SCRIPT)
        command = ["wrk", "-t", str(min(readers, 2)), "-c", str(readers)]
        # wrk takes whole seconds.
        command += ["-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout:g}s"]
        command += ["-s", str(script)]
        for name, value in target.headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(f"http://{target.host}:{target.port}{target.path}")
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return wrk_result(done.stdout, readers=readers)


def wrk_result(output: str, *, readers: int) -> LoadResult:
    """The record of a run from wrk's output (the line WRK_SCRIPT prints)."""
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    statuses = Counter(data["statuses"])
    failed = {kind: data[kind] for kind in ("connect", "read", "write", "timeout") if data[kind]}
    statuses.update(failed)
    ok = statuses.get("200", 0)
    duration = data["duration_us"] / 1e6
    return LoadResult(
        client="wrk",
        readers=readers,
        seconds=round(duration, 3),
        requests=data["requests"],
        errors=sum(statuses.values()) - ok,
        statuses=dict(sorted(statuses.items())),
        ok_per_s=round(ok / duration, 2) if duration else 0.0,
        p50_ms=round(data["p50"] / 1000, 1),
        p95_ms=round(data["p95"] / 1000, 1),
        p99_ms=round(data["p99"] / 1000, 1),
        max_ms=round(data["max"] / 1000, 1),
    )
