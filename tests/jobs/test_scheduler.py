"""The scheduler queues each time of a periodic job once: in turn, and with two schedulers on
two connections at the same moment (PostgreSQL; SQLite lets one writer in at a time)."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import Job, PeriodicJob
from jobs.services import periodic_jobs_enqueue
from tests.jobs.conftest import wib


def daily(**values) -> PeriodicJob:
    return PeriodicJob.objects.create(
        **{
            "name": "Harian",
            "kind": "roll_coverage_day",
            "every": "day",
            "at": dt.time(0, 5),
            "last_enqueued_for": wib(2026, 11, 22, 0, 5),
            **values,
        }
    )


def test_a_due_job_is_queued_for_its_day_once(own_calendar):
    periodic = daily()

    [job] = periodic_jobs_enqueue(now=wib(2026, 11, 23, 0, 6))

    assert periodic_jobs_enqueue(now=wib(2026, 11, 23, 0, 7)) == []
    job.refresh_from_db()
    assert (job.kind, job.arguments, job.periodic_job, job.due_at, job.requested_by) == (
        "roll_coverage_day",
        {"day": "2026-11-23"},
        periodic,
        wib(2026, 11, 23, 0, 5),
        None,
    )
    periodic.refresh_from_db()
    assert periodic.last_enqueued_for == wib(2026, 11, 23, 0, 5)
    assert DBTaskResult.objects.count() == 1


def test_a_monthly_snapshot_is_queued_for_the_month_it_is_due_in(own_calendar):
    PeriodicJob.objects.create(
        name="Bulanan",
        kind="snapshot_coverage",
        arguments={"months": 2},
        every="month",
        day_of_month=1,
        at=dt.time(0, 30),
        last_enqueued_for=wib(2026, 11, 1, 0, 30),
    )
    [job] = periodic_jobs_enqueue(now=wib(2026, 12, 1, 0, 31))
    assert job.arguments == {"month": "2026-12", "months": 2}


def test_a_disabled_job_or_one_not_due_is_not_queued(own_calendar):
    daily(enabled=False)
    daily(name="Nanti", at=dt.time(23, 0), last_enqueued_for=wib(2026, 11, 22, 23, 0))
    assert periodic_jobs_enqueue(now=wib(2026, 11, 23, 12, 0)) == []
    assert Job.objects.count() == 0


def test_the_command_looks_once(own_calendar):
    periodic = daily(last_enqueued_for=None)
    PeriodicJob.objects.filter(pk=periodic.pk).update(created_at=wib(2020, 1, 1))
    periodic.refresh_from_db()
    due = timezone.localtime(periodic.latest_time(timezone.now()))
    out = StringIO()

    call_command("run_scheduler", "--once", stdout=out)

    job = Job.objects.get()
    assert out.getvalue() == f"Job #{job.pk} queued: Harian (due {due:%d/%m/%Y} 00:05).\n"
    assert job.arguments == {"day": f"{due:%Y-%m-%d}"}


# --- Two schedulers at once (PostgreSQL) ---------------------------------------------------
# The schedulers run in threads, each on a connection of its own, and commit; the test reads
# what they committed. A time before any seeded schedule was made: only the test's is due.

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one writer in at a time"
)
NOW = wib(2020, 1, 2, 0, 6)


def in_thread(function) -> tuple[threading.Thread, dict]:
    """Run `function` on a connection of its own (a thread); its outcome lands in the dict."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def joined(thread: threading.Thread, outcome: dict):
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def elsewhere(function):
    return joined(*in_thread(function))


@pytest.fixture
def committed(db):
    """A daily periodic job committed where the schedulers see it; removed afterwards with
    the jobs and tasks they queued for it."""
    periodic = elsewhere(lambda: daily(last_enqueued_for=wib(2020, 1, 1, 0, 5)))
    yield periodic

    def remove():
        jobs = Job.objects.filter(periodic_job=periodic)
        DBTaskResult.objects.filter(id__in=[job.task_result_id for job in jobs]).delete()
        jobs.delete()
        periodic.delete()

    elsewhere(remove)


def queued_for(periodic: PeriodicJob) -> list[tuple]:
    jobs = Job.objects.filter(periodic_job=periodic).order_by("due_at")
    return [
        (job.due_at, DBTaskResult.objects.filter(id=job.task_result_id).count()) for job in jobs
    ]


@postgresql_only
def test_a_second_scheduler_skips_the_job_the_first_is_queuing(committed):
    """A has queued the job and holds its periodic job's row, not yet committed, when B
    looks: B skips the row instead of waiting for it or queuing the job again."""
    a_queued, b_looked = threading.Barrier(2, timeout=30), threading.Barrier(2, timeout=30)

    def scheduler_a():
        with transaction.atomic():
            queued = periodic_jobs_enqueue(now=NOW)
            a_queued.wait()
            b_looked.wait()
        return len(queued)

    def scheduler_b():
        a_queued.wait()
        queued = periodic_jobs_enqueue(now=NOW)
        b_looked.wait()
        return len(queued)

    a, b = in_thread(scheduler_a), in_thread(scheduler_b)
    assert (joined(*a), joined(*b)) == (1, 0)
    assert elsewhere(lambda: len(periodic_jobs_enqueue(now=NOW))) == 0
    assert queued_for(committed) == [(wib(2020, 1, 2, 0, 5), 1)]


@postgresql_only
def test_schedulers_looking_at_the_same_moment_queue_each_time_once(committed):
    """Two schedulers released together, ten times over, each time with a new due time."""
    for days in range(10):
        start = threading.Barrier(2, timeout=30)

        def look(now=NOW + dt.timedelta(days=days), start=start):
            start.wait()
            return len(periodic_jobs_enqueue(now=now))

        threads = [in_thread(look) for _ in range(2)]
        assert sorted(joined(*thread) for thread in threads) == [0, 1]
    assert queued_for(committed) == [
        (wib(2020, 1, 2, 0, 5) + dt.timedelta(days=days), 1) for days in range(10)
    ]
