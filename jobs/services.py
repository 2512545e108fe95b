"""Writes of the background jobs: queue a job, retry it, mark the ones whose worker died,
queue the periodic jobs that are due, and refresh the planner's statistics after bulk writes.

A job is a row of `Job` plus a task in the queue (django-tasks' database backend: a row of
its own table, in the same database). Both are written in one transaction, so a worker never
finds a task whose job is not there, and a job is never queued without its task.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import Job, PeriodicJob
from jobs.registry import KINDS, Arguments, arguments_error
from jobs.runner import worker_alive

RETRYABLE = (Job.State.FAILED, Job.State.INTERRUPTED)
ACTIVE = (Job.State.QUEUED, Job.State.RUNNING)


def job_enqueue(
    *,
    kind: str,
    arguments: Arguments | None = None,
    user: User | None = None,
    day: dt.date | None = None,
    periodic_job: PeriodicJob | None = None,
    due_at: dt.datetime | None = None,
) -> Job:
    """Record a job of `kind` and queue it. Its arguments are completed from `day` (default:
    today) where they leave the day or month to it. Raises ValueError for an unknown kind or
    arguments its function does not take."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of job {kind!r}")
    spec = KINDS[kind]
    arguments = spec.complete(dict(arguments or {}), day or timezone.localdate())
    if error := arguments_error(spec, arguments):
        raise ValueError(error)
    with transaction.atomic():
        job = Job(
            kind=kind,
            arguments=arguments,
            requested_by=user,
            periodic_job=periodic_job,
            due_at=due_at,
        )
        job.full_clean(validate_constraints=False)  # the unique due time: the database's
        job.save()
        _queue(job)
    return job


def job_enqueue_once(*, kind: str, arguments: Arguments, user: User) -> Job:
    """`user`'s job of `kind` with these arguments that is still queued or running (a second
    click on the same export), else a new one queued."""
    pending = Job.objects.filter(
        kind=kind,
        arguments=KINDS[kind].complete(dict(arguments), timezone.localdate()),
        requested_by=user,
        state__in=(Job.State.QUEUED, Job.State.RUNNING),
    ).first()
    return pending or job_enqueue(kind=kind, arguments=arguments, user=user)


def job_retry(*, job: Job) -> bool:
    """Queue a failed or interrupted job again, with the same arguments (its kind is
    idempotent). False, and nothing done, when it is not failed or interrupted (already
    queued again, running, or done)."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk, state__in=RETRYABLE).first()
        if locked is None:
            return False
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.QUEUED,
            done=0,
            total=None,
            message="",
            worker="",
            started_at=None,
            finished_at=None,
            updated_at=timezone.now(),
        )
        _queue(locked)
    return True


def _queue(job: Job) -> None:
    from jobs.tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_result_id=result.id, attempts=F("attempts") + 1)
    job.refresh_from_db()  # (the immediate backend has run it already)


def jobs_interrupted_mark() -> int:
    """Mark as interrupted the running jobs whose worker is gone (killed, its machine lost;
    jobs.runner), and their task results as failed, so that they may be retried. Returns how
    many. A job whose worker finishes meanwhile is left as its worker marks it: each is
    checked with its row locked, which the worker needs to mark it finished."""
    marked = 0
    running = Job.objects.filter(state=Job.State.RUNNING).values_list("pk", flat=True)
    for pk in running:
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=Job.State.RUNNING)
                .first()
            )
            if job is None or worker_alive(job):
                continue
            _interrupted(job)
            marked += 1
    return marked


def _interrupted(job: Job) -> None:
    now = timezone.now()
    message = _("Its worker stopped before the job finished; nothing of it was kept. Retry it.")
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.INTERRUPTED, message=message, finished_at=now, updated_at=now
    )
    # The database backend would show the attempt as running for ever.
    if _is_uuid(job.task_result_id):
        DBTaskResult.objects.filter(id=job.task_result_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="jobs.services.WorkerLost",
            traceback=message,
        )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def periodic_jobs_enqueue(*, now: dt.datetime | None = None) -> list[Job]:
    """Queue every enabled periodic job that is due at `now` (default: now), once for each
    time on its schedule however many schedulers run at once: each takes its periodic job's
    row with FOR UPDATE SKIP LOCKED (a scheduler holding it is queuing it now, and the next
    look finds it done) and moves `last_enqueued_for` in the transaction that queues the job;
    the database refuses a second job for the same schedule and time besides (SQLite, which
    takes no row locks). Returns the jobs queued."""
    now = now or timezone.now()
    queued = []
    for pk in PeriodicJob.objects.filter(enabled=True).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                job = _periodic_enqueue(pk, now)
        except IntegrityError:
            continue  # another scheduler queued this time first
        if job is not None:
            queued.append(job)
    return queued


def _periodic_enqueue(pk: int, now: dt.datetime) -> Job | None:
    periodic = (
        PeriodicJob.objects.select_for_update(skip_locked=True).filter(pk=pk, enabled=True).first()
    )
    if periodic is None:
        return None
    due = periodic.due_at(now)
    if due is None:
        return None
    job = job_enqueue(
        kind=periodic.kind,
        arguments=periodic.arguments,
        day=timezone.localtime(due).date(),
        periodic_job=periodic,
        due_at=due,
    )
    periodic.last_enqueued_for = due
    periodic.save(update_fields=["last_enqueued_for"])
    return job


def statistics_refresh(*tables: type[models.Model]) -> None:
    """ANALYZE the tables of these models (PostgreSQL), after a bulk write: the planner then
    plans with their real size and values rather than a guess (a table never analyzed made
    the province page plan a nested loop: 273 ms instead of 10 ms). Nothing on SQLite."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")
