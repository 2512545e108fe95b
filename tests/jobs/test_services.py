"""Queuing, running, retrying and reaping jobs, in this process: the task queue is the real
database backend (its rows are read back), and a job is run as a worker runs it
(`run_job.call`). tests/jobs/test_worker.py runs them in real worker processes."""

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from enrollment.summary import day_in_store
from jobs.models import Job
from jobs.progress import job_running, report_progress
from jobs.runner import RUN_LOCK, this_worker
from jobs.services import job_enqueue, job_retry, jobs_interrupted_mark, statistics_refresh
from jobs.tasks import run_job
from tests.factories import PostFactory, UserFactory, covered

KARANGLEWAS = "33.02.03.2003"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks and ANALYZE are PostgreSQL's"
)


def results() -> list[tuple]:
    return list(
        DBTaskResult.objects.order_by("enqueued_at").values_list(
            "status", "task_path", "args_kwargs", "queue_name"
        )
    )


def test_a_job_is_recorded_and_queued_with_the_day_it_leaves_open_filled_in(db):
    user = UserFactory(username="pusat")
    job = job_enqueue(kind="roll_coverage_day", user=user, day=dt.date(2026, 11, 23))

    job.refresh_from_db()
    assert (job.kind, job.arguments, job.state, job.requested_by, job.attempts) == (
        "roll_coverage_day",
        {"day": "2026-11-23"},
        "queued",
        user,
        1,
    )
    assert results() == [
        ("READY", "jobs.tasks.run_job", {"args": [job.pk], "kwargs": {}}, "default")
    ]
    assert job.task_result_id == str(DBTaskResult.objects.get().id)


def test_arguments_given_are_kept_as_given(db):
    job = job_enqueue(
        kind="snapshot_coverage",
        arguments={"month": "2026-10", "months": 3},
        day=dt.date(2026, 11, 23),
    )
    assert job.arguments == {"month": "2026-10", "months": 3}


@pytest.mark.parametrize(
    ("kind", "arguments", "error"),
    [
        ("shred_everything", {}, "unknown kind of job 'shred_everything'"),
        ("roll_coverage_day", {"days": 3}, "got an unexpected keyword argument 'days'"),
    ],
)
def test_an_unknown_kind_or_argument_is_refused_and_nothing_queued(db, kind, arguments, error):
    with pytest.raises(ValueError, match=error):
        job_enqueue(kind=kind, arguments=arguments)
    assert (Job.objects.count(), DBTaskResult.objects.count()) == (0, 0)


@pytest.fixture
def karanglewas(db):
    """Two officials of Karanglewas, one covered (JKK and JKM to 31/12/2026)."""
    covered(PostFactory(code="KEPALA_DESA", village_id=KARANGLEWAS).person)
    PostFactory(code="KAUR", village_id=KARANGLEWAS)


def test_a_job_runs_to_the_end_and_reports_its_progress(karanglewas):
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-23"})

    assert run_job.call(job.pk) == "23/11/2026: angka hari itu sudah disusun (sebelumnya —)."

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.message, job.worker) == (
        "succeeded",
        2,
        2,
        "23/11/2026: angka hari itu sudah disusun (sebelumnya —).",
        this_worker(),
    )
    assert job.started_at <= job.finished_at
    assert day_in_store() == dt.date(2026, 11, 23)


def test_a_job_is_run_once_however_often_its_task_is_delivered(karanglewas):
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-23"})
    run_job.call(job.pk)
    finished = Job.objects.values_list("finished_at", flat=True).get(pk=job.pk)

    assert run_job.call(job.pk) == "skipped: the job is not queued"
    assert Job.objects.values_list("state", "finished_at").get(pk=job.pk) == (
        "succeeded",
        finished,
    )


def test_a_job_that_raises_is_marked_failed_with_the_error_and_raises_it_again(db):
    job = job_enqueue(kind="snapshot_coverage", arguments={"month": "2026-13"})

    with pytest.raises(ValueError, match="month must be in 1..12"):
        run_job.call(job.pk)

    job.refresh_from_db()
    assert (job.state, job.message) == ("failed", "ValueError: month must be in 1..12")


def test_progress_outside_a_job_is_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        report_progress(1, 2, "nothing to report to")


def test_progress_cannot_pass_its_total(db):
    job = Job.objects.create(kind="roll_coverage_day", state="running")
    with job_running(job.pk):
        report_progress(0, None, "counting")
        job.refresh_from_db()
        assert (job.done, job.total, job.message) == (0, None, "counting")
        report_progress(1500, 2000, "x" * 600)
        with pytest.raises(ValueError, match="progress 3 of 2 is not possible"):
            report_progress(3, 2)
    job.refresh_from_db()
    assert (job.done, job.total, job.message) == (1500, 2000, "x" * 500)


def test_a_failed_job_is_queued_again_once(db):
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-23"})
    first = job.task_result_id
    Job.objects.filter(pk=job.pk).update(state="failed", done=1, total=2, message="boom")

    assert job_retry(job=job) is True
    assert job_retry(job=job) is False

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.message, job.attempts) == (
        "queued",
        0,
        None,
        "",
        2,
    )
    assert job.task_result_id != first
    ids = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert ids == {first, job.task_result_id}


@pytest.mark.parametrize("state", ["queued", "running", "succeeded"])
def test_a_job_that_is_not_failed_or_interrupted_is_not_retried(db, state):
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-23"})
    Job.objects.filter(pk=job.pk).update(state=state)
    assert job_retry(job=job) is False
    assert Job.objects.values_list("state", "attempts").get(pk=job.pk) == (state, 1)


def _dead_process() -> str:
    """The worker name of a process of this machine that has ended."""
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                             capture_output=True, text=True)  # fmt: skip
    return f"{socket.gethostname()}:{process.stdout.strip()}"


def _running(worker: str) -> Job:
    job = job_enqueue(kind="roll_coverage_day", arguments={"day": "2026-11-23"})
    DBTaskResult.objects.filter(id=job.task_result_id).update(status="RUNNING")
    Job.objects.filter(pk=job.pk).update(state="running", worker=worker)
    return job


def test_a_running_job_whose_worker_is_gone_is_marked_interrupted(db):
    job = _running(_dead_process())

    assert jobs_interrupted_mark() == 1

    job.refresh_from_db()
    assert (job.state, job.message) == (
        "interrupted",
        "Its worker stopped before the job finished; nothing of it was kept. Retry it.",
    )
    result = DBTaskResult.objects.get(id=job.task_result_id)
    assert (result.status, result.exception_class_path) == ("FAILED", "jobs.services.WorkerLost")
    assert job_retry(job=job) is True


def test_a_running_job_whose_worker_is_there_is_left_running(db):
    job = _running(this_worker())
    if connection.vendor == "postgresql":  # what the worker running it holds
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK, job.pk])
    try:
        assert jobs_interrupted_mark() == 0
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, job.pk])
    assert Job.objects.values_list("state", flat=True).get(pk=job.pk) == "running"
    assert DBTaskResult.objects.values_list("status", flat=True).get() == "RUNNING"


def test_a_worker_of_another_machine_is_not_judged_by_process_ids(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL judges by the worker's lock, whatever its machine")
    _running(f"elsewhere.example:{os.getpid() + 100000}")
    assert jobs_interrupted_mark() == 0


@postgresql_only
def test_statistics_are_refreshed_for_the_tables_given(db):
    def analyzed() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT relname, analyze_count FROM pg_stat_user_tables "
                "WHERE relname IN ('jobs_job', 'jobs_periodicjob') ORDER BY relname"
            )
            return [count for _name, count in cursor.fetchall()]

    before = analyzed()
    statistics_refresh(Job)
    assert analyzed() == [before[0] + 1, before[1]]


def test_statistics_are_nothing_on_sqlite(db, django_assert_num_queries):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with django_assert_num_queries(0):
        statistics_refresh(Job)
