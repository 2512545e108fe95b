"""Running one job in a worker (the task `jobs.tasks.run_job` calls `job_run`), and telling
the jobs whose worker died from those still running (`worker_alive`).

While a job runs, its worker holds a session-level advisory lock named after the job on its
own database connection (PostgreSQL). A killed worker's connection closes and PostgreSQL
releases the lock, once the statement it was running has ended and its transaction has rolled
back; a job marked running whose lock nobody holds therefore has no worker left, on any
machine. The lock is taken before the job is marked running and released after it is marked
finished, so a running job without its lock is never one that is just starting or ending.
On SQLite (one machine) the worker's process id stands in for the lock.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from jobs.models import Job
from jobs.progress import job_running
from jobs.registry import KINDS

# pg_advisory_lock(key, job id), held by the worker running the job.
RUN_LOCK = 4247


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_run(*, job_id: int) -> str:
    """Run the queued job `job_id` here and record how it ended; returns its message. A job
    that is not queued (another attempt took it, it was done) is left alone. A job that
    raises is marked failed (interrupted for a KeyboardInterrupt or SystemExit: the worker is
    being stopped) and the error is raised again, for the task queue to record."""
    with _run_lock(job_id) as ours:
        if not ours:
            return "skipped: another worker is running this job"
        job = _claim(job_id)
        if job is None:
            return "skipped: the job is not queued"
        try:
            # Jobs speak the site's language (their messages are stored and shown as they
            # are), whatever language the worker's thread last served a request in.
            with translation.override(settings.LANGUAGE_CODE), job_running(job.pk):
                message = str(KINDS[job.kind].run(**job.arguments))
        except Exception as error:
            _finish(job.pk, Job.State.FAILED, f"{type(error).__name__}: {error}")
            raise
        except BaseException:
            _finish(job.pk, Job.State.INTERRUPTED, "The worker was stopped.")
            raise
        _finish(job.pk, Job.State.SUCCEEDED, message)
        return message


@contextmanager
def _run_lock(job_id: int) -> Iterator[bool]:
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, job_id])
        ours = cursor.fetchone()[0]
    try:
        yield ours
    finally:
        if ours:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, job_id])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, state=Job.State.QUEUED).first()
        if job is None:
            return None
        job.state, job.worker = Job.State.RUNNING, this_worker()
        job.started_at = job.updated_at = timezone.now()
        job.done, job.total, job.message, job.finished_at = 0, None, "", None
        job.save(
            update_fields=[
                "state",
                "worker",
                "started_at",
                "updated_at",
                "done",
                "total",
                "message",
                "finished_at",
            ]
        )
    return job


def _finish(job_id: int, state: str, message: str) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(
        state=state, message=message[:500], finished_at=now, updated_at=now
    )


def worker_alive(job: Job) -> bool:
    """Whether the worker running `job` is still there (see the module's docstring)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
                [RUN_LOCK, job.pk],
            )
            return bool(cursor.fetchone()[0])
    host, _sep, pid = job.worker.rpartition(":")
    if host != socket.gethostname():
        return True  # not ours to tell
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
