"""Two confirms at once (PostgreSQL): the same preview confirmed twice imports once; two
previews of the same file confirmed together write once, the second finding its plan stale.

Each writer runs on a connection of its own (a thread), outside the test's transaction, so
that what it writes commits; the fixture removes it afterwards (no flush: the session's
regions stay)."""

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, transaction
from django.utils import translation

from campaign.models import Registration
from campaign.registration_import import (
    WRITE_LOCK,
    registrations_confirm,
    registrations_preview,
)
from enrollment.models import ImportRecord
from tests.campaign.conftest import GUNUNGWETAN, csv_bytes, row

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)
DATA = csv_bytes([row(), row(kode_desa=GUNUNGWETAN)])


class Writer(threading.Thread):
    """`work` on a connection of its own; its result or error kept."""

    def __init__(self, work: Callable[[], object]):
        super().__init__()
        self.work, self.result, self.error = work, None, None

    def run(self):
        try:
            with translation.override("en"):
                self.result = self.work()
        except BaseException as error:  # handed to the test
            self.error = error
        finally:
            connection.close()


def elsewhere(work: Callable[[], object]) -> object:
    writer = Writer(work)
    writer.start()
    writer.join(30)
    if writer.error is not None:
        raise writer.error
    return writer.result


def _remove() -> None:
    Registration.objects.all().delete()
    Registration.history.all().delete()
    ImportRecord.objects.filter(kind="registrations").delete()


@pytest.fixture
def previews(db) -> Iterator[Callable[[], ImportRecord]]:
    """Make committed previews of DATA (a system import); everything committed is removed."""

    def make() -> ImportRecord:
        return elsewhere(  # type: ignore[return-value]
            lambda: (
                registrations_preview(
                    data=DATA, file_name="pendaftaran.csv", user=None, skip_invalid=False
                ).record
            )
        )

    try:
        yield make
    finally:
        elsewhere(_remove)


def wait_until_blocked(query: str) -> None:
    for _attempt in range(200):
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the confirm never waited for the lock")


def held_until(release: threading.Event, work: Callable[[], object]) -> Callable[[], object]:
    """`work` in a transaction that commits only once `release` is set."""

    def run():
        with transaction.atomic():
            result = work()
            release.wait(30)
        return result

    return run


def test_the_same_preview_confirmed_twice_at_once_imports_once(previews):
    record = previews()
    release = threading.Event()
    first = Writer(held_until(release, lambda: registrations_confirm(record=record, user=None)))
    first.start()
    # The first confirm holds the record's row lock, then the import's lock, until released.
    wait_until_blocked("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    second = Writer(lambda: registrations_confirm(record=record, user=None))
    second.start()
    wait_until_blocked("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' "
                       "AND NOT granted")  # fmt: skip
    release.set()
    first.join(30)
    second.join(30)

    assert (first.error, second.error) == (None, None)
    assert (first.result.written, second.result.written) == (True, False)
    assert second.result.refused == "This preview has expired or was already imported."
    assert (Registration.objects.count(), Registration.history.count()) == (2, 2)


def test_two_previews_of_one_file_confirmed_at_once_write_once(previews):
    a, b = previews(), previews()
    release = threading.Event()

    def lock_and_confirm_a():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(WRITE_LOCK))
        return registrations_confirm(record=a, user=None)

    first = Writer(held_until(release, lock_and_confirm_a))
    first.start()
    second = Writer(lambda: registrations_confirm(record=b, user=None))
    wait_until_blocked("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    second.start()
    wait_until_blocked("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    release.set()
    first.join(30)
    second.join(30)

    assert (first.error, second.error) == (None, None)
    assert (first.result.written, second.result.written, second.result.stale) == (True, False, True)
    b.refresh_from_db()
    assert (b.status, b.created, b.unchanged) == ("previewed", 0, 2)
    assert (Registration.objects.count(), Registration.history.count()) == (2, 2)
