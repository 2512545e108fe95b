"""Concurrent writers of registrations and of a village's old figure leave the self-enrolled
totals equal to a rebuild (PostgreSQL; SQLite lets one writer in at a time).

The race the lock closes: a writer's recompute reads the registrations and the village as its
statement sees them. Without the lock, a writer that changes the old figure's day recomputes
without a registration another writer has not committed yet, and the last to commit wins. The
triggers take one lock (`campaign.self_enrolled.WRITE_LOCK`) before the statement that
recomputes, so the second writer waits, then sees what the first committed.

These tests commit through their own connections (threads and processes), outside the test
transaction, and remove everything they wrote at the end.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from django.db import connection, transaction

from campaign import self_enrolled
from campaign.models import Registration, VillageSelfEnrolled
from tests.campaign import self_enrolled_writers
from villages.models import Village

from .conftest import CIRAHAB, GUNUNGWETAN, KARANGLEWAS

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has a single writer at a time"
)

VILLAGES = [KARANGLEWAS, GUNUNGWETAN, CIRAHAB]
SINCE = dt.date(2026, 7, 1)


def elsewhere(function, *args):
    """Run `function` on a connection of its own (a thread), outside the test's transaction,
    so that what it writes commits; return its result or raise its error."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # handed to the caller
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _remove() -> None:
    Registration.objects.filter(village_id__in=VILLAGES).delete()
    Registration.history.filter(village_id__in=VILLAGES).delete()
    Village.objects.filter(code__in=VILLAGES).update(
        self_enrolled_residents=None, self_enrolled_updated_on=None
    )


@pytest.fixture
def committed(db) -> Iterator[None]:
    """Whatever the test commits to the three villages is removed afterwards."""
    elsewhere(_remove)
    try:
        yield
    finally:
        elsewhere(_remove)
        assert (
            elsewhere(lambda: VillageSelfEnrolled.objects.filter(village_id__in=VILLAGES).count())
            == 0
        )


def _backend_waits_on_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return cursor.fetchone()[0] > 0


class Writer(threading.Thread):
    """Runs `work` in its own transaction on its own connection, once `barrier` lets it go
    (the first writer has written and stays open); records its backend pid."""

    def __init__(self, work, barrier: threading.Barrier):
        super().__init__(daemon=True)
        self.work, self.barrier, self.pid, self.error = work, barrier, None, None

    def run(self):
        try:
            with transaction.atomic():
                self.pid = _pid()
                self.barrier.wait(10)
                self.work()
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connection.close()


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wait_until_blocked_or_done(writer: Writer) -> str:
    """Ordered, not hoped for: returns once the writer is parked on a lock or has finished."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not writer.is_alive():
            return "done"
        if writer.pid and _backend_waits_on_lock(writer.pid):
            return "blocked"
        time.sleep(0.02)
    raise AssertionError("the second writer neither finished nor waited")


def _register(day: dt.date, count: int, channel: str = "MANDIRI"):
    def work():
        Registration.objects.create(date=day, village_id=KARANGLEWAS, channel=channel, count=count)

    return work


def _old_figure_on(day: dt.date):
    def work():
        Village.objects.filter(code=KARANGLEWAS).update(
            self_enrolled_residents=100, self_enrolled_updated_on=day
        )

    return work


def _race(first, second):
    """`first` writes and stays open; `second`, released by the barrier once the first has
    written, writes the other half and waits (or runs past); then the first commits."""
    barrier = threading.Barrier(2)
    with transaction.atomic():
        first()
        writer = Writer(second, barrier)
        writer.start()
        barrier.wait(10)
        state = _wait_until_blocked_or_done(writer)
    writer.join(30)
    if writer.error:
        raise writer.error
    kept = VillageSelfEnrolled.objects.filter(village_id=KARANGLEWAS)
    return state, self_enrolled.drift(), list(kept.values_list("since_figure", "last_date"))


def _setup_earlier() -> None:
    Village.objects.filter(code=KARANGLEWAS).update(
        self_enrolled_residents=50, self_enrolled_updated_on=dt.date(2026, 1, 1)
    )
    Registration.objects.create(
        date=SINCE - dt.timedelta(10), village_id=KARANGLEWAS, channel="LAINNYA", count=3
    )


def test_two_writers_of_one_village_never_drift(committed):
    def race():
        _setup_earlier()
        return _race(
            _register(SINCE, 7), _register(SINCE + dt.timedelta(1), 11, channel="SOSIALISASI")
        )

    state, drift, kept = elsewhere(race)
    assert drift == 0
    assert kept == [(3 + 7 + 11, SINCE + dt.timedelta(1))]
    assert state == "blocked"  # the second writer waited for the first to commit


@pytest.mark.parametrize("first", ["old figure", "registration"])
def test_a_new_old_figure_day_and_a_registration_never_drift(committed, first):
    """The old figure moves to SINCE (the earlier registration is now in it) while a
    registration after SINCE comes in: whichever writes first, the total is that one."""
    works = {
        "old figure": _old_figure_on(SINCE),
        "registration": _register(SINCE + dt.timedelta(2), 9),
    }
    second = "registration" if first == "old figure" else "old figure"

    def race():
        _setup_earlier()
        return _race(works[first], works[second])

    state, drift, kept = elsewhere(race)
    assert drift == 0
    assert kept == [(9, SINCE + dt.timedelta(2))]
    assert state == "blocked"


def test_the_drift_check_sees_a_total_out_of_step(committed):
    def check():
        _setup_earlier()
        before = self_enrolled.drift()
        with transaction.atomic():
            VillageSelfEnrolled.objects.filter(village_id=KARANGLEWAS).update(since_figure=5)
            after = self_enrolled.drift()
            transaction.set_rollback(True)
        return before, after

    assert elsewhere(check) == (0, 2)  # one kept, one rebuilt


def test_a_truncate_empties_the_totals(committed):
    """PostgreSQL's TRUNCATE fires no delete trigger; a trigger of its own empties the totals
    (inside a transaction rolled back, so the test's other rows stay)."""

    def truncate():
        _setup_earlier()
        with transaction.atomic():
            before = VillageSelfEnrolled.objects.filter(village_id=KARANGLEWAS).count()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks
                cursor.execute("TRUNCATE campaign_registration")
            after = (VillageSelfEnrolled.objects.count(), self_enrolled.drift())
            transaction.set_rollback(True)
        return before, after

    assert elsewhere(truncate) == (1, (0, 0))


# --- Several processes, the same villages, a bounded time --------------------------------

STRESS_SECONDS = float(os.environ.get("SELF_ENROLLED_STRESS_SECONDS", "8"))
STRESS_WORKERS = 3


def test_writers_in_several_processes_leave_no_drift(committed):
    """Writers in separate processes, each a mix of admin-style saves, bulk inserts, COPY,
    moves to another village or day, recounts, deletes and changes of the old figure, over
    the same three villages for a bounded time; then the kept totals equal a rebuild."""
    url = _url(connection.settings_dict)
    # Fresh interpreters (spawn): a forked child would share this process's connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(STRESS_WORKERS, mp_context=context) as pool:
        runs = [
            pool.submit(self_enrolled_writers.run, url, seed, VILLAGES, STRESS_SECONDS)
            for seed in range(STRESS_WORKERS)
        ]
        results = [run.result(timeout=STRESS_SECONDS + 120) for run in runs]
    done = sum(r["committed"] for r in results)
    assert done > 30, results  # the writers really wrote
    assert elsewhere(self_enrolled.drift) == 0, results
    assert elsewhere(lambda: Registration.objects.filter(village_id__in=VILLAGES).count()) > 0


def _url(settings: dict) -> str:
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
