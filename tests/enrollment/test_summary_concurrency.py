"""Concurrent writers of posts and memberships leave the summary, the shared holders and the
day's rows equal to a rebuild (PostgreSQL; SQLite lets one writer in at a time).

The race that once made them drift: one transaction gives a person a post in a new village
while another changes that person's memberships. The second cannot see the first's post, so
its refresh skipped the new village; the first refreshed it with the memberships it could see,
the old ones. The triggers now take one lock before they look up what to refresh, and each
statement after it sees every transaction that committed before the lock was granted.

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

from enrollment.models import CoverageDay, CoverageSummary, Membership, VillageDay
from enrollment.summary import roll_day
from enrollment.summary_check import summary_drift
from tests.enrollment import summary_writers
from tests.factories import PersonFactory, PostFactory, covered, make_nik
from villages.models import Person, Post

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has a single writer at a time"
)

TODAY = dt.date(2026, 11, 30)
OLD_UNTIL = dt.date(2026, 12, 31)
NEW_UNTIL = dt.date(2027, 6, 30)
# Kec. Jatilawang, Kab. Banyumas: the villages the writers share.
VILLAGES = [f"33.02.03.20{n:02d}" for n in range(1, 12)]
# The people these tests commit, told apart by their birth date (1 January 1990).
BORN = dt.date(1990, 1, 1)
NIK_PREFIX = "330203010190"
NO_DRIFT = {
    "enrollment_coveragesummary": 0,
    "enrollment_sharedholderpost": 0,
    "enrollment_villageday": 0,
}


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


@pytest.fixture
def committed(db) -> Iterator[list[int]]:
    """The ids of the persons a test commits; they are removed afterwards with their posts,
    memberships and history, and so is the kept day."""
    persons: list[int] = []
    try:
        yield persons
    finally:
        elsewhere(_remove, persons)


def _remove(persons: list[int]) -> None:
    prefixed = Person.objects.filter(nik__startswith=NIK_PREFIX).values_list("id", flat=True)
    ids = sorted(set(prefixed) | set(persons))
    Membership.objects.filter(person_id__in=ids).delete()
    Post.objects.filter(person_id__in=ids).delete()
    Person.objects.filter(id__in=ids).delete()
    Membership.history.filter(person_id__in=ids).delete()
    Post.history.filter(person_id__in=ids).delete()
    Person.history.filter(id__in=ids).delete()
    VillageDay.objects.all().delete()
    CoverageDay.objects.all().delete()


def _person(persons: list[int], village: str, serial: int):
    nik = make_nik("33.02.03", BORN, "L", serial)
    person = PersonFactory.create(nik=nik, name=f"Uji {serial}")
    persons.append(person.pk)
    PostFactory(person=person, village_id=village, code="ANGGOTA_BPD", unit=f"u{serial}")
    covered(person, until=OLD_UNTIL)
    return person


def _backend_waits_on_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return cursor.fetchone()[0] > 0


class Writer(threading.Thread):
    """Runs `work` in its own transaction on its own connection; records its backend pid."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.pid, self.error = work, None, None
        self.started_work = threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                self.pid = _pid()
                self.started_work.set()
                self.work()
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            self.started_work.set()
            connection.close()


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wait_until_blocked_or_done(writer: Writer) -> str:
    """Ordered, not hoped for: returns once the writer is parked on a lock or has finished."""
    writer.started_work.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not writer.is_alive():
            return "done"
        if writer.pid and _backend_waits_on_lock(writer.pid):
            return "blocked"
        time.sleep(0.02)
    raise AssertionError("the second writer neither finished nor waited")


def _new_post(person, village):
    def work():
        PostFactory(person=person, village_id=village, code="ANGGOTA_BPD", unit="baru")

    return work


def _pay(person):
    def work():
        Membership.objects.filter(person_id=person.pk).update(paid_until=NEW_UNTIL)

    return work


@pytest.mark.parametrize("first", ["post", "membership"])
def test_a_new_post_and_a_membership_change_of_its_holder_never_drift(committed, first):
    """Two real connections, ordered: the first writes and stays open; the second writes the
    other half and either waits for the first (the fix) or runs past it (the old race); then
    the first commits, then the second."""
    state, drift, summary, covered_on_day = elsewhere(_race, committed, first)
    assert drift == NO_DRIFT
    assert summary == [(NEW_UNTIL, 1)]
    assert covered_on_day == 1
    assert state == "blocked"  # the second writer waited for the first to commit


def _race(committed: list[int], first: str):
    person = _person(committed, VILLAGES[0], 1)
    roll_day(TODAY)
    works = {"post": _new_post(person, VILLAGES[1]), "membership": _pay(person)}
    second = "membership" if first == "post" else "post"
    with transaction.atomic():
        works[first]()
        writer = Writer(works[second])
        writer.start()
        state = _wait_until_blocked_or_done(writer)
    writer.join(30)
    if writer.error:
        raise writer.error
    summary = CoverageSummary.objects.filter(village_id=VILLAGES[1])
    day = VillageDay.objects.get(day=TODAY, village_id=VILLAGES[1])
    # The day's columns are added to the model through locals(), out of mypy's sight.
    bpd_covered = day.bpd_covered  # type: ignore[attr-defined]
    return state, summary_drift(), list(summary.values_list("until", "posts")), bpd_covered


def test_the_drift_check_sees_a_summary_out_of_step(committed):
    def check():
        _person(committed, VILLAGES[0], 2)
        roll_day(TODAY)
        before = summary_drift()
        with transaction.atomic():
            CoverageSummary.objects.filter(village_id=VILLAGES[0]).update(posts=5)
            after = summary_drift()
            transaction.set_rollback(True)
        return before, after

    before, after = elsewhere(check)
    assert before == NO_DRIFT
    assert after == {**NO_DRIFT, "enrollment_coveragesummary": 2}  # one kept, one rebuilt


# --- Several processes, overlapping people, a bounded time ------------------------------

STRESS_SECONDS = float(os.environ.get("SUMMARY_STRESS_SECONDS", "8"))
STRESS_WORKERS = 3


def test_writers_in_several_processes_leave_no_drift(committed):
    """Writers in separate processes, each a mix of admin-style saves, bulk updates, bulk
    inserts, COPY, moves and deletes over the same 24 people in 11 villages, for a bounded
    time; then the kept rows equal a rebuild."""
    people = elsewhere(_people, committed)
    url = _url(connection.settings_dict)
    # Fresh interpreters (spawn): a forked child would share this process's connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(STRESS_WORKERS, mp_context=context) as pool:
        runs = [
            pool.submit(summary_writers.run, url, seed, people, STRESS_SECONDS)
            for seed in range(STRESS_WORKERS)
        ]
        results = [run.result(timeout=STRESS_SECONDS + 120) for run in runs]
    done = sum(r["committed"] for r in results)
    assert done > 30, results  # the writers really wrote
    assert elsewhere(summary_drift) == NO_DRIFT, results


def _people(committed: list[int]) -> list[int]:
    people = [_person(committed, VILLAGES[i % len(VILLAGES)], 100 + i).pk for i in range(24)]
    roll_day(TODAY)
    return people


def _url(settings: dict) -> str:
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
