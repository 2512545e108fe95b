"""Concurrent writers of registrations leave the campaign rollups equal to a rebuild
(PostgreSQL; SQLite lets one writer in at a time).

The triggers add each statement's figures to the rollups' rows under one lock held to commit
(campaign.rollups.WRITE_LOCK): a second writer of the same (regency, day, channel) waits for
the first to commit, then adds to what it committed. These tests commit through their own
connections (threads and processes), outside the test transaction, and remove everything
they wrote at the end."""

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

from campaign.models import (
    EventUplift,
    OutreachEvent,
    ProvinceDay,
    Registration,
    RegistrationDay,
)
from campaign.rollups import rollup_drift
from tests.campaign import rollup_writers
from tests.enrollment.test_summary_concurrency import (
    Writer,
    _url,
    _wait_until_blocked_or_done,
    elsewhere,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has a single writer at a time"
)

DAY = rollup_writers.FIRST_DAY
TITLE = "Uji serentak"
NO_DRIFT = {
    "campaign_registrationday": 0,
    "campaign_registrationmonth": 0,
    "campaign_provinceday": 0,
    "campaign_agentday": 0,
    "campaign_agentmonth": 0,
    "campaign_eventuplift": 0,
}


@pytest.fixture
def committed(db) -> Iterator[None]:
    """Removes what the test committed: registrations on its days, its events."""
    try:
        yield
    finally:
        elsewhere(_remove)


def _remove() -> None:
    last = DAY + dt.timedelta(days=rollup_writers.DAYS + 60)
    Registration.objects.filter(date__gte=DAY - dt.timedelta(days=60), date__lte=last).delete()
    Registration.history.filter(date__gte=DAY - dt.timedelta(days=60)).delete()
    for event in OutreachEvent.objects.filter(title=TITLE):
        event.villages.clear()
        event.delete()
    OutreachEvent.history.filter(title=TITLE).delete()


def _insert(village: str, count: int):
    def work():
        Registration.objects.create(
            date=DAY, village_id=village, channel="MANDIRI", count=count, contributions=count * 10
        )

    return work


def _race():
    """Both writers pass a barrier, then write the same (regency, day, channel) through two
    villages; the first stays open until the second is seen waiting (or done)."""
    barrier = threading.Barrier(2)
    release = threading.Event()

    def first_work():
        barrier.wait(10)
        _insert("33.02.03.2001", 3)()
        release.wait(20)

    def second_work():
        barrier.wait(10)
        release_after_first.wait(10)
        _insert("33.02.03.2002", 4)()

    release_after_first = threading.Event()
    first = Writer(lambda: first_work())
    second = Writer(second_work)
    first.start()
    second.start()
    # The first has written (its insert returned) once its transaction holds the lock.
    _wait_for_lock_holder(first)
    release_after_first.set()
    state = _wait_until_blocked_or_done(second)
    release.set()
    first.join(30)
    second.join(30)
    for writer in (first, second):
        if writer.error:
            raise writer.error
    row = RegistrationDay.objects.get(regency="33.02", date=DAY, channel="MANDIRI")
    province = ProvinceDay.objects.get(province="33", date=DAY, channel="MANDIRI")
    return state, (row.count, row.contributions), province.count, rollup_drift()


def _wait_for_lock_holder(writer: Writer) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = 4246 AND objid = 0 AND granted"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError(f"the first writer never took the rollups' lock: {writer.error!r}")


def test_two_writers_of_the_same_regency_day_and_channel_add_up(committed):
    state, row, province, drift = elsewhere(_race)
    assert state == "blocked"  # the second waited for the first to commit
    assert row == (7, 70)
    assert province == 7
    assert drift == NO_DRIFT


def test_a_truncate_of_the_registrations_empties_the_rollups(committed):
    def truncate():
        event = OutreachEvent.objects.create(date=DAY, title=TITLE, regency_id="33.02")
        event.villages.add("33.02.03.2001")
        _insert("33.02.03.2001", 5)()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE campaign_registration")
            result = (
                RegistrationDay.objects.count(),
                list(
                    EventUplift.objects.filter(event_id=event.pk).values_list(
                        "registered_before", "registered_after"
                    )
                ),
                rollup_drift(),
            )
            transaction.set_rollback(True)  # the other tests' rows come back
        return result

    days, uplift, drift = elsewhere(truncate)
    assert (days, uplift, drift) == (0, [(0, 0)], NO_DRIFT)


STRESS_SECONDS = float(os.environ.get("ROLLUP_STRESS_SECONDS", "8"))
STRESS_WORKERS = 3


def test_writers_in_several_processes_leave_no_drift(committed):
    """Writers in separate processes, each a mix of saves, bulk inserts and updates, moves,
    deletes and changes of an event's day and villages, over the same 11 villages and 40
    days, for a bounded time; then the rollups equal a rebuild."""

    def event() -> int:
        made = OutreachEvent.objects.create(
            date=DAY + dt.timedelta(days=20), title=TITLE, regency_id="33.02"
        )
        made.villages.set(rollup_writers.VILLAGES[:4])  # type: ignore[arg-type]
        return made.pk

    event_id = elsewhere(event)
    url = _url(connection.settings_dict)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(STRESS_WORKERS, mp_context=context) as pool:
        runs = [
            pool.submit(rollup_writers.run, url, seed, STRESS_SECONDS, event_id)
            for seed in range(STRESS_WORKERS)
        ]
        results = [run.result(timeout=STRESS_SECONDS + 120) for run in runs]
    assert sum(r["committed"] for r in results) > 30, results  # the writers really wrote
    assert elsewhere(rollup_drift) == NO_DRIFT, results
