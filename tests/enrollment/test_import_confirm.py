"""Confirming an import writes what its preview showed, from the records its preview saw, or
nothing: another import in between, overlapping or not, is never overwritten without notice."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import translation

from enrollment.imports.engine import import_confirm, import_preview
from enrollment.models import ImportRecord, Program
from tests.factories import BranchOfficeFactory, PersonFactory, PostFactory
from tests.fixtures.roster.build import KEDIRI, csv_bytes, nik, row
from villages.locks import WRITE_LOCK
from villages.models import Person, Regency, Village
from villages.roles import user_role_set
from villages.services import regions_load

UNCOVERED = {"program": "", "kategori_peserta": "", "tanggal_daftar": "", "iuran_sampai": "",
             "sumber_iuran": ""}  # fmt: skip
STALE = (
    "The records changed since the preview, so nothing was written. Check the new preview "
    "below and confirm again."
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


@pytest.fixture
def regions(db):
    """Jawa Tengah. A transactional test flushes the database, the session's regions with it:
    the next one loads them again."""
    if not Village.objects.filter(code=KEDIRI).exists():
        regions_load(province_codes=["33"])


@pytest.fixture
def staff_user(regions):
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user


@pytest.fixture
def holder(regions):
    """Warga Lama, Kaur of Desa Kediri since 2022, as a file that renames her would leave her."""
    person = PersonFactory(nik=nik(1), name="Warga Lama")
    PostFactory(person=person, village_id=KEDIRI, code="KAUR", term_start=dt.date(2022, 1, 1))
    return person


def renaming(name: str, *others: dict) -> bytes:
    return csv_bytes([row(nama=name, **UNCOVERED), *others])


def preview(user, data: bytes) -> ImportRecord:
    result = import_preview(data=data, file_name="roster.csv", user=user, skip_invalid=False)
    assert result.refused == ""
    assert result.record is not None
    return result.record


@pytest.mark.django_db
def test_a_confirm_after_another_import_changed_its_persons_is_refused(client, staff_user, holder):
    """Preview A and preview B both rename Warga Lama; B is confirmed first. A's plan writes
    the same as at its preview (the digest covered only what it writes), so A used to overwrite
    B's name without notice."""
    a = preview(staff_user, renaming("Warga A", row(nik=nik(2), nama="Warga Dua", **UNCOVERED)))
    b = preview(staff_user, renaming("Warga B"))
    client.force_login(staff_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    confirmed = [
        client.post(
            reverse("admin:enrollment_importrecord_confirm", args=[record.pk]), follow=True
        )  # fmt: skip
        for record in (b, a)
    ]

    assert [[str(m) for m in page.context["messages"]] for page in confirmed] == [
        ["Imported: 0 created, 1 updated, 0 unchanged, 0 rejected."],
        [STALE],
    ]
    assert list(Person.objects.values_list("nik", "name")) == [(nik(1), "Warga B")]
    a.refresh_from_db()
    assert (a.status, a.created, a.updated) == ("previewed", 1, 1)


@pytest.mark.django_db
def test_a_confirm_whose_records_did_not_change_is_written(staff_user, holder):
    a = preview(staff_user, renaming("Warga A"))
    preview(staff_user, csv_bytes([row(nik=nik(3), nama="Warga Tiga", **UNCOVERED)]))

    result = import_confirm(record=a, user=staff_user)

    assert (result.written, result.stale) == (True, False)
    assert Person.objects.get(nik=nik(1)).name == "Warga A"


@pytest.mark.django_db
def test_a_confirm_in_another_language_than_its_preview_is_written(staff_user, holder):
    """The digest covered the report's messages, which are translated: a preview in English
    and its confirm in Indonesian read as "the records changed"."""
    other_post = row(nama="Warga A", jabatan="LINMAS", **UNCOVERED)  # a warning: two posts
    a = preview(staff_user, csv_bytes([row(nama="Warga A", **UNCOVERED), other_post]))
    assert a.warnings == 1

    with translation.override("id"):
        result = import_confirm(record=a, user=staff_user)

    assert (result.written, result.stale) == (True, False)


@pytest.mark.django_db
def test_a_program_removed_since_the_preview_makes_it_stale(staff_user):
    """A preview names a program that head office then removes: its confirm writes nothing
    and shows the new preview, where the row is an error (the programs are part of what a
    plan is made from)."""
    program = Program.objects.create(code="JKN", name="Jaminan Kesehatan Nasional", order=6)
    record = preview(staff_user, csv_bytes([row(program="JKK JKN")]))
    program.delete()

    result = import_confirm(record=record, user=staff_user)

    assert (result.written, result.stale) == (False, True)
    assert [(e.row, e.column, e.found) for e in result.plan.errors] == [(2, "program", "JKK JKN")]
    assert Person.objects.count() == 0


# --- Concurrent writers (PostgreSQL) ---------------------------------------------------------


def in_thread(function) -> tuple[threading.Thread, list]:
    """Run `function` in a thread with its own database connection; its result in the list."""
    results: list = []

    def target():
        try:
            results.append(function())
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, results


def wait_until_blocked(query: str) -> None:
    """Wait until another connection waits for a lock that `query` counts."""
    for _attempt in range(200):
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the import never waited for the lock")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_confirm_waits_for_an_import_under_way_and_then_finds_its_records_changed(
    staff_user, holder
):
    """B holds the import lock and has renamed Warga Lama, not yet committed, when A is
    confirmed: A waits, then plans from B's name and writes nothing."""
    a = preview(staff_user, renaming("Warga A"))

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK)
        Person.objects.filter(pk=holder.pk).update(name="Warga B")
        thread, results = in_thread(lambda: import_confirm(record=a, user=staff_user))
        wait_until_blocked("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND NOT granted")  # fmt: skip
    thread.join(30)

    assert (results[0].written, results[0].stale) == (False, True)
    assert Person.objects.get(pk=holder.pk).name == "Warga B"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_person_saved_elsewhere_while_the_import_writes_makes_it_stale(staff_user):
    """The one IntegrityError that means "the records changed": a person with a NIK the plan
    creates is saved outside the imports between the plan and its write."""
    a = preview(staff_user, csv_bytes([row(nik=nik(2), nama="Warga Dua", **UNCOVERED)]))

    with transaction.atomic():
        with connection.cursor() as cursor:  # the import's writes to persons wait for us
            cursor.execute("LOCK TABLE villages_person IN SHARE MODE")
        thread, results = in_thread(lambda: import_confirm(record=a, user=staff_user))
        wait_until_blocked("SELECT count(*) FROM pg_locks WHERE NOT granted "
                           "AND relation = 'villages_person'::regclass")  # fmt: skip
        PersonFactory(nik=nik(2), name="Warga Dua Lain")
    thread.join(30)

    assert (results[0].written, results[0].stale, results[0].refused) == (False, True, "")
    assert list(Person.objects.values_list("name", flat=True)) == ["Warga Dua Lain"]
    digest = a.plan_digest
    a.refresh_from_db()  # the new preview: Warga Dua Lain renamed, her post added
    assert (a.status, a.created, a.updated, a.plan_digest != digest) == ("previewed", 1, 0, True)
