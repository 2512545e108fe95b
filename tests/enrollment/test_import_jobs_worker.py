"""A roster import's write run by a real worker process (`manage.py db_worker`) and killed
with SIGKILL in the middle: nothing of it is left, its job shows as interrupted, and the
retried job writes the import once. PostgreSQL only (see tests/jobs/test_worker.py, whose
worker helpers this uses)."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.db import connection, transaction

from enrollment.imports.engine import import_preview
from enrollment.models import ImportRecord, Membership, Program
from jobs.models import Job
from jobs.services import job_enqueue, job_retry, jobs_interrupted_mark
from tests.factories import PersonFactory, PostFactory, covered
from tests.fixtures.roster.build import KEDIRI, csv_bytes, nik, row
from tests.jobs.test_worker import finished, run_lock_holder, start_worker, wait_until
from villages.models import District, Person, Post, Province, Regency, Village

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQLite test database is in memory: a worker process cannot open it",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]


@pytest.fixture
def kediri():
    """Desa Kediri and the programs (a previous transactional test may have emptied them),
    with one official covered to 31/12/2025, whose paid-until date the import moves."""
    for code, name, order in [("JKK", "Jaminan Kecelakaan Kerja", 1),
                              ("JKM", "Jaminan Kematian", 2)]:  # fmt: skip
        Program.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    province, _ = Province.objects.get_or_create(code="33", defaults={"name": "Jawa Tengah"})
    regency, _ = Regency.objects.get_or_create(
        code="33.02", defaults={"name": "Banyumas", "province": province, "kind": "kabupaten"}
    )
    district, _ = District.objects.get_or_create(
        code="33.02.18", defaults={"name": "Karanglewas", "regency": regency}
    )
    village, _ = Village.objects.get_or_create(
        code=KEDIRI, defaults={"name": "Kediri", "district": district, "kind": "desa"}
    )
    person = PersonFactory(nik=nik(1), name="Warga Satu", sex="L")
    PostFactory(person=person, village=village, code="KAUR")
    covered(person, until=dt.date(2025, 12, 31))
    return person


def test_a_worker_killed_mid_write_leaves_nothing_and_the_retried_job_writes_once(kediri, tmp_path):
    data = csv_bytes(
        [row(iuran_sampai="2027-06-30")]
        + [row(nik=nik(n), nama=f"Warga {n}", jabatan="KASI") for n in (2, 3, 4)]
    )
    record = import_preview(data=data, file_name="roster.csv", user=None, skip_invalid=False).record
    assert record is not None and (record.created, record.updated) == (3, 1)
    job = job_enqueue(kind="roster_confirm", arguments={"record": record.pk})
    log = tmp_path / "worker.log"
    before = (Person.objects.count(), Post.objects.count(), Membership.objects.count())

    with transaction.atomic():
        # The stored membership held: the job writes the new persons, posts and memberships,
        # then waits to update it (the updates of memberships are its last writes).
        list(Membership.objects.select_for_update().filter(person=kediri))
        worker = start_worker(log, "uji-1")
        wait_until(
            lambda: (holder := run_lock_holder(job)) is not None and holder[1] == "Lock",
            "the job to wait for the stored membership",
        )
        job.refresh_from_db()
        assert (job.state, job.done, job.total, job.message) == (
            "running",
            4,
            8,
            "Menulis perubahan",
        )
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
    wait_until(lambda: run_lock_holder(job) is None, "the dead worker's transaction to end")

    assert (Person.objects.count(), Post.objects.count(), Membership.objects.count()) == before
    record.refresh_from_db()
    assert record.status == "previewed"
    assert jobs_interrupted_mark() == 1
    assert job_retry(job=job) is True
    finished(start_worker(log, "uji-2"), log)

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == ("succeeded", 8, 8, 2)
    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == (ImportRecord.Status.IMPORTED, b"")
    assert (Person.objects.count(), Post.objects.count(), Membership.objects.count()) == (4, 4, 8)
    assert Person.history.filter(history_type="+").count() == 4  # the factory's one and 3
    paid = set(Membership.objects.filter(person=kediri).values_list("paid_until", flat=True))
    assert paid == {dt.date(2027, 6, 30)}
    assert Job.objects.count() == 1
