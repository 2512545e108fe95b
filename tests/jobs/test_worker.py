"""Jobs run by real worker processes: `manage.py db_worker`, the django-tasks-db worker,
started against the test database. A job of the day runs to its end; a worker killed with
SIGKILL in the middle of a snapshot leaves nothing of it, the scheduler's look marks its job
interrupted, and the retried job completes.

PostgreSQL only: the SQLite test database lives in this process's memory, where no other
process can open it. The tests commit (transactional tests: the worker must see their rows),
so the database is emptied after each: each makes the rows it needs, the programs and the
region of the migrations and the session included."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from enrollment.models import AreaSnapshot, CoverageSnapshot, Program, VillageDay
from jobs.models import Job
from jobs.runner import RUN_LOCK
from jobs.services import job_enqueue, job_retry, jobs_interrupted_mark
from tests.factories import PostFactory, covered
from villages.models import District, Province, Regency, Village

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQLite test database is in memory: a worker process cannot open it",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]

KARANGLEWAS = "33.02.03.2003"
OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def start_worker(log: Path, name: str) -> subprocess.Popen:
    """`manage.py db_worker` on the test database, until the queue is empty (--batch)."""
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    url = f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{quote(db['NAME'])}"
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
               "--no-startup-delay", "--interval", "0.1", "--worker-id", name]  # fmt: skip
    environment = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": ""}
    with log.open("a") as output:
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=output, stderr=output
        )


def finished(worker: subprocess.Popen, log: Path) -> None:
    assert worker.wait(120) == 0, log.read_text()


def wait_until(condition: Callable[[], object], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def fetch(sql: str, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def run_lock_holder(job: Job) -> tuple | None:
    """(pid, what it waits for) of the backend that holds the job's run lock, if any."""
    fetch("SELECT pg_stat_clear_snapshot()", [])  # a transaction keeps its first look
    return fetch(
        "SELECT a.pid, a.wait_event_type FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s "
        "AND l.objid::bigint = %s AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())",
        [RUN_LOCK, job.pk],
    )


def analyzed(table: str) -> int:
    fetch("SELECT pg_stat_clear_snapshot()", [])
    row = fetch("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s", [table])
    assert row is not None
    return row[0]


@pytest.fixture
def karanglewas():
    """Desa Karanglewas with two officials, the Kepala Desa covered (JKK and JKM to
    31/12/2026); its region and the programs made if a previous test emptied the database."""
    for code, name, order in [
        ("JKK", "Jaminan Kecelakaan Kerja", 1),
        ("JKM", "Jaminan Kematian", 2),
    ]:
        Program.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    province, _ = Province.objects.get_or_create(code="33", defaults={"name": "Jawa Tengah"})
    regency, _ = Regency.objects.get_or_create(
        code="33.02", defaults={"name": "Banyumas", "province": province, "kind": "kabupaten"}
    )
    district, _ = District.objects.get_or_create(
        code="33.02.03", defaults={"name": "Jatilawang", "regency": regency}
    )
    Village.objects.get_or_create(
        code=KARANGLEWAS, defaults={"name": "Karanglewas", "district": district, "kind": "desa"}
    )
    covered(PostFactory(code="KEPALA_DESA", village_id=KARANGLEWAS).person)
    PostFactory(code="KAUR", village_id=KARANGLEWAS)


def test_a_worker_process_runs_a_job_of_the_day_to_its_end(karanglewas, tmp_path):
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-23"})
    analyses = analyzed("enrollment_villageday")

    worker = start_worker(tmp_path / "worker.log", "uji-1")
    finished(worker, tmp_path / "worker.log")

    job.refresh_from_db()
    # The worker writes its messages in the interface's language (LANGUAGE_CODE).
    message = "23/11/2026: angka hari itu sudah disusun (sebelumnya —)."
    assert (job.state, job.done, job.total, job.message, job.worker) == (
        "succeeded",
        2,
        2,
        message,
        f"{socket.gethostname()}:{worker.pid}",
    )
    result = DBTaskResult.objects.get()
    assert (result.status, result.worker_ids, result.return_value) == (
        "SUCCESSFUL",
        ["uji-1"],
        message,
    )
    day = VillageDay.objects.values_list("day", "perangkat_posts", "perangkat_covered").get()
    assert day == (dt.date(2026, 11, 23), 2, 1)
    assert analyzed("enrollment_villageday") == analyses + 1


def snapshots() -> list[tuple]:
    villages = CoverageSnapshot.objects.filter(village_id=KARANGLEWAS, category="PERANGKAT")
    country = AreaSnapshot.objects.filter(area_code="", category="PERANGKAT")
    return [
        *villages.order_by("month").values_list("month", "posts", "covered"),
        *country.order_by("month").values_list("month", "posts", "covered"),
    ]


def test_a_worker_killed_mid_job_leaves_nothing_and_the_retried_job_completes(
    karanglewas, tmp_path
):
    # October and November as an earlier, wrong run left them.
    for month in (OCTOBER, NOVEMBER):
        CoverageSnapshot.objects.create(
            village_id=KARANGLEWAS, month=month, category="PERANGKAT", posts=99, covered=0
        )
        AreaSnapshot.objects.create(
            area_code="", month=month, category="PERANGKAT", posts=99, covered=0
        )
    stale = snapshots()
    job = job_enqueue(kind="snapshot_coverage", arguments={"month": "2026-11", "months": 2})
    log = tmp_path / "worker.log"

    with transaction.atomic():
        # November's row held: the job writes October, then waits to replace November.
        list(CoverageSnapshot.objects.select_for_update().filter(month=NOVEMBER))
        worker = start_worker(log, "uji-1")
        wait_until(
            lambda: (holder := run_lock_holder(job)) is not None and holder[1] == "Lock",
            "the job to wait for November's row",
        )
        # Its progress, written on its second connection, shows while its work is open.
        job.refresh_from_db()
        assert (job.state, job.done, job.total, job.message) == ("running", 1, 3, "Bulan 11/2026")
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
    # Released, the dead worker's statement ends, finds its client gone and rolls back.
    wait_until(lambda: run_lock_holder(job) is None, "the dead worker's transaction to end")

    assert snapshots() == stale
    assert Job.objects.values_list("state", flat=True).get(pk=job.pk) == "running"
    assert jobs_interrupted_mark() == 1
    job.refresh_from_db()
    assert (job.state, job.done) == ("interrupted", 1)

    assert job_retry(job=job) is True
    finished(start_worker(log, "uji-2"), log)

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == ("succeeded", 3, 3, 2)
    assert snapshots() == [(OCTOBER, 2, 1), (NOVEMBER, 2, 1), (OCTOBER, 2, 1), (NOVEMBER, 2, 1)]
    results = DBTaskResult.objects.order_by("enqueued_at").values_list(
        "status", "worker_ids", "exception_class_path"
    )
    assert list(results) == [
        ("FAILED", ["uji-1"], "jobs.services.WorkerLost"),
        ("SUCCESSFUL", ["uji-2"], ""),
    ]
