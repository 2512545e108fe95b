"""How far the running job has got: `report_progress(done, total, message)`, for the
functions of the kinds of job (jobs.registry) to call; outside a job (a command run inline)
it does nothing.

A job that writes in one transaction (nothing partial if its worker is killed) reports from
inside that transaction. Written on the job's own connection, its progress would show only at
the commit and roll back with the work, so on PostgreSQL it goes through a second connection
of its own, committed at once. SQLite lets one writer in at a time: there it is written on
the job's connection and shows at the commit (SQLite is the one-machine development set-up).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from jobs.models import Job

MESSAGE_LENGTH = Job._meta.get_field("message").max_length or 500


@dataclass
class _Running:
    pk: int
    # The job began outside any transaction (a worker): a transaction open now is its own.
    # Run inside one (a test, the immediate backend), its progress is written in it.
    own_transactions: bool
    side: BaseDatabaseWrapper | None = None

    def connection(self) -> BaseDatabaseWrapper:
        if not (self.own_transactions and connection.in_atomic_block):
            return connection
        if connection.vendor != "postgresql":
            return connection
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        return self.side


_current: ContextVar[_Running | None] = ContextVar("jobs_current", default=None)


@contextmanager
def job_running(pk: int) -> Iterator[None]:
    """Within: progress reports are job `pk`'s."""
    running = _Running(pk=pk, own_transactions=not connection.in_atomic_block)
    token = _current.set(running)
    try:
        yield
    finally:
        _current.reset(token)
        if running.side is not None:
            running.side.close()


def current_job_id() -> int | None:
    running = _current.get()
    return running.pk if running else None


def report_progress(done: int, total: int | None = None, message: str = "") -> None:
    """Record that the running job has done `done` steps of `total` (None: not known yet),
    with a short `message` of what it does now. Nothing outside a job."""
    running = _current.get()
    if running is None:
        return
    if done < 0 or (total is not None and done > total):
        raise ValueError(f"progress {done} of {total} is not possible")
    # SQL of its own: the second connection is no alias the ORM knows.
    target = running.connection()
    now = target.ops.adapt_datetimefield_value(timezone.now())
    with target.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Job._meta.db_table} SET done = %s, total = %s, message = %s, "
            "updated_at = %s WHERE id = %s",
            [done, total, str(message)[:MESSAGE_LENGTH], now, running.pk],
        )
