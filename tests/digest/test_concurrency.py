"""Two runs of the weekly mail at once send each user's mail once (PostgreSQL).

The first run writes the user's row of the week and, while it talks to the mail server (its
transaction open), the barrier lets the second run go: it has not seen the uncommitted row,
makes the same mail, and waits on the unique index for the first to end. When the first
commits, the second finds the row and sends nothing; when the first's mail server fails, its
row is rolled back and the second sends the mail. Ordered, not hoped for: the test waits
until the second run's connection is parked on a lock before it lets the first go.

These tests commit through their own connections (threads), outside the test transaction,
and remove everything they wrote at the end.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from digest.models import DigestPreference, DigestSent
from digest.services import DigestReport, send_work_digests
from enrollment.models import CoverageDay, Membership, VillageDay
from tests.factories import PersonFactory, PostFactory, covered, make_nik
from villages.models import Person, Post, Role, RoleArea

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time: two runs cannot overlap there",
)

WEEK = dt.date(2026, 11, 16)
KARANGLEWAS = "33.02.03.2003"
USERNAME = "sekdes.balapan"
# The person these tests commit, told apart by their birth date (2 February 1991).
BORN = dt.date(1991, 2, 2)
NIK_PREFIX = "330203020291"


class HoldingBackend(EmailBackend):
    """The first run's mail server: at its first mail it meets the test at the barrier, then
    waits to be let go, and then accepts the mail or, when `fail` is set, refuses it."""

    barrier: ClassVar[threading.Barrier]
    release: ClassVar[threading.Event]
    fail: ClassVar[bool] = False

    def send_messages(self, messages):
        if threading.current_thread().name == "first":
            self.barrier.wait(10)
            self.release.wait(10)
            if self.fail:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class Run(threading.Thread):
    """A run of the weekly mail on its own connection; records its backend pid."""

    def __init__(self, name: str):
        super().__init__(name=name, daemon=True)
        self.pid: int | None = None
        self.report: DigestReport | None = None
        self.error: BaseException | None = None

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.report = send_work_digests(week=WEEK)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connection.close()


def elsewhere(function: Callable[[], Any]) -> None:
    """Run `function` on a connection of its own, so that what it writes commits."""
    failed: list[BaseException] = []

    def run():
        try:
            function()
        except BaseException as error:  # handed to the caller
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def _setup() -> None:
    """A village secretary of Karanglewas with an address, and Sutrisno lapsing there."""
    user = User.objects.create(username=USERNAME, email="balapan@karanglewas.example")
    role = Role.objects.create(user=user, kind=Role.Kind.VILLAGE_SECRETARY)
    RoleArea.objects.create(role=role, code=KARANGLEWAS)
    person = PersonFactory.create(name="Sutrisno", nik=make_nik("33.02.03", BORN, "L", 1))
    PostFactory.create(person=person, village_id=KARANGLEWAS, code="KAUR")
    covered(person, until=dt.date(2026, 12, 10))


def _remove() -> None:
    persons = list(Person.objects.filter(nik__startswith=NIK_PREFIX).values_list("id", flat=True))
    Membership.objects.filter(person_id__in=persons).delete()
    Post.objects.filter(person_id__in=persons).delete()
    Person.objects.filter(id__in=persons).delete()
    Membership.history.filter(person_id__in=persons).delete()
    Post.history.filter(person_id__in=persons).delete()
    Person.history.filter(id__in=persons).delete()
    VillageDay.objects.all().delete()
    CoverageDay.objects.all().delete()
    users = list(User.objects.filter(username=USERNAME).values_list("id", flat=True))
    roles = list(Role.objects.filter(user_id__in=users).values_list("id", flat=True))
    DigestSent.objects.filter(user_id__in=users).delete()
    User.objects.filter(id__in=users).delete()  # its role, areas and preference with it
    # The deletions above are in the histories too: removed after them.
    DigestPreference.history.filter(user_id__in=users).delete()
    RoleArea.history.filter(role_id__in=roles).delete()
    Role.history.filter(user_id__in=users).delete()


@pytest.fixture
def committed(db, settings, mailoutbox) -> Iterator[None]:
    settings.EMAIL_BACKEND = "tests.digest.test_concurrency.HoldingBackend"
    HoldingBackend.barrier = threading.Barrier(2)
    HoldingBackend.release = threading.Event()
    HoldingBackend.fail = False
    try:
        elsewhere(_setup)
        yield
    finally:
        HoldingBackend.release.set()
        elsewhere(_remove)


def _waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return cursor.fetchone()[0] > 0


def _wait_until_blocked_or_done(run: Run) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not run.is_alive():
            return "done"
        if run.pid and _waits_on_a_lock(run.pid):
            return "blocked"
        time.sleep(0.02)
    raise AssertionError("the second run neither finished nor waited")


def _race(*, first_fails: bool) -> tuple[Run, Run, str]:
    HoldingBackend.fail = first_fails
    first, second = Run("first"), Run("second")
    first.start()
    HoldingBackend.barrier.wait(10)  # the first run's row is written, uncommitted
    second.start()
    state = _wait_until_blocked_or_done(second)
    HoldingBackend.release.set()
    first.join(30)
    second.join(30)
    for run in (first, second):
        if run.error:
            raise run.error
    return first, second, state


def _sent() -> list[tuple[str, dt.date]]:
    return list(DigestSent.objects.values_list("user__username", "week_start"))


def test_two_runs_at_once_send_the_mail_once(committed):
    first, second, state = _race(first_fails=False)

    assert state == "blocked"  # the second run waited for the first's row
    assert first.report is not None and second.report is not None
    assert (first.report.sent, first.report.already) == ([USERNAME], [])
    assert (second.report.sent, second.report.already) == ([], [USERNAME])
    assert [message.to for message in mail.outbox] == [["balapan@karanglewas.example"]]
    assert _sent() == [(USERNAME, WEEK)]


def test_when_the_first_run_fails_the_second_sends_the_mail(committed):
    first, second, state = _race(first_fails=True)

    assert state == "blocked"
    assert first.report is not None and second.report is not None
    assert first.report.sent == []
    assert first.report.failed == [(USERNAME, "Connection unexpectedly closed")]
    assert (second.report.sent, second.report.already) == ([USERNAME], [])
    assert [message.to for message in mail.outbox] == [["balapan@karanglewas.example"]]
    assert _sent() == [(USERNAME, WEEK)]
