"""gunicorn for bench/http_bench.py, run as docs/deployment.md runs it, with what the bench
reads of its workers through /proc: their peak RSS and CPU time."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.http_load import Target, get

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "bpjs-httpbench"  # application_name of gunicorn's connections (pg_stat_activity)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with `workers` gthread workers of `threads` threads, timeout 60 s, its access
    log and the application's log in `log`."""

    def __init__(self, *, workers: int, threads: int, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        command = [sys.executable, "-m", "gunicorn", "bpjs_desa.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--threads", str(threads), "--timeout", "60"]
        command += ["--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1"]
        self.log = log.open("w")
        env = {**env, "PGAPPNAME": APP_NAME}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def target(self, path: str, cookie: str | None = None, keep_alive: bool = False) -> Target:
        """A request as the TLS proxy in front of gunicorn passes it on in production: nginx
        (docs/deployment.md) speaks HTTP/1.0 to gunicorn, a connection per request, so each
        request lands on whichever worker accepts it first. `keep_alive`: the connection is
        kept instead, and stays with one worker."""
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        if not keep_alive:
            headers["Connection"] = "close"
        if cookie:
            headers["Cookie"] = cookie
        return Target("127.0.0.1", self.port, path, headers)

    def wait_ready(self, limit: float = 60) -> None:
        """Until /healthz answers 200 and every worker has started."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"http_bench: gunicorn exited ({self.process.returncode}); see its log")
            try:
                status = get(self.target("/healthz"), timeout=5).status
            except OSError:
                status = 0
            if status == 200 and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.5)
        sys.exit(f"http_bench: gunicorn did not answer /healthz within {limit:g} s")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def peak_reset(self) -> None:
        """Reset the workers' VmHWM to their current RSS (Linux: clear_refs 5)."""
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_rss_mb(self) -> float:
        """The highest VmHWM of the workers, since the last reset or their start (MiB)."""
        return max(_status_kb(pid, "VmHWM") for pid in self.worker_pids()) / 1024

    def cpu_ticks(self) -> int:
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total

    def wait_idle(self, active_queries, limit: float = 120) -> float:
        """Wait until the server has finished what the last run left it (wrk stops at the
        time; gunicorn still answers the requests sent): no worker CPU and no query of its
        running (`active_queries()`) for a second. Returns the seconds waited."""
        started = time.monotonic()
        quiet = 0
        while quiet < 2 and time.monotonic() - started < limit:
            before = self.cpu_ticks()
            time.sleep(0.5)
            idle = self.cpu_ticks() - before <= 1 and not active_queries()
            quiet = quiet + 1 if idle else 0
        return round(time.monotonic() - started, 1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0
