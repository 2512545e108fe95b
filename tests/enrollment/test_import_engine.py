"""The meaning of an import, as the roster import contract gives it."""

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from enrollment.imports.engine import roster_import
from enrollment.imports.writes import create_with_history, update_with_history
from enrollment.models import ImportRecord, Membership, Program
from tests.factories import MembershipFactory, PersonFactory, PostFactory, UserFactory
from tests.fixtures.roster.build import (
    EXAMPLE,
    KEDIRI,
    PANGEBATAN,
    TUBAN_VILLAGE,
    csv_bytes,
    nik,
    row,
)
from villages.models import Person, Post
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


def run(data: bytes, **options):
    return roster_import(data=data, file_name="roster.csv", **options)


def counts(result) -> dict:
    c = result.plan.counts
    return {
        "created": c.created,
        "updated": c.updated,
        "unchanged": c.unchanged,
        "invalid": c.invalid,
        "warnings": len(result.plan.warnings),
        "replacements": len(result.plan.replacements),
    }


def errors(result) -> list[tuple]:
    return [(e.row, e.column, e.found, e.expected) for e in result.plan.errors]


def coverage(person_nik: str) -> dict:
    return {
        m.program_id: (
            m.participant_category,
            m.kpj_number,
            m.enrolled_on,
            m.paid_until,
            m.funding_source,
        )
        for m in Membership.objects.filter(person__nik=person_nik)
    }


def roster_checksum() -> str:
    """Every row of persons, posts, memberships and their history, as one hash."""
    digest = hashlib.sha256()
    for model in (Person, Post, Membership):
        for queryset in (model.objects.order_by("pk"), model.history.order_by("history_id")):
            for values in queryset.values_list():
                digest.update(repr(values).encode())
    return digest.hexdigest()


UNCOVERED = {"program": "", "kategori_peserta": "", "tanggal_daftar": "", "iuran_sampai": "",
             "sumber_iuran": ""}  # fmt: skip
NONE = {"created": 0, "updated": 0, "unchanged": 0, "invalid": 0, "warnings": 0, "replacements": 0}


# --- The example ------------------------------------------------------------------------------


def test_the_example_imports_four_people_with_their_posts_and_coverage():
    result = run(EXAMPLE.read_bytes())

    assert result.written is True
    assert counts(result) == {**NONE, "created": 4}
    posts = Post.objects.order_by("person__nik").values_list(
        "person__name", "person__sex", "village_id", "code", "category", "unit", "term_start",
        "term_end",
    )  # fmt: skip
    assert list(posts) == [
        ("Warsito", "L", KEDIRI, "KETUA_RT", "RT_RW", "RT 003 / RW 001", dt.date(2022, 1, 1), None),
        ("Sugeng Riyadi", "L", KEDIRI, "KEPALA_DESA", "PERANGKAT", "", dt.date(2022, 2, 1),
         dt.date(2028, 2, 1)),
        ("Romini", "P", KEDIRI, "ANGGOTA_BPD", "BPD", "", dt.date(2019, 9, 11), None),
        ("Sri Hartuti", "P", KEDIRI, "SEKRETARIS_DESA", "PERANGKAT", "", dt.date(2019, 6, 10),
         None),
    ]  # fmt: skip
    sugeng = ("PU", "18012345678", dt.date(2020, 3, 1), dt.date(2026, 12, 31), "APBDES")
    assert coverage("3302181204780001") == {"JKK": sugeng, "JKM": sugeng, "JHT": sugeng}
    sri = ("PU", "18012345679", dt.date(2019, 6, 10), dt.date(2026, 12, 31), "APBDES")
    assert coverage("3302185507850002") == {"JKK": sri, "JKM": sri}
    warsito = ("BPU", "", dt.date(2024, 4, 24), dt.date(2026, 10, 31), "APBD")
    assert coverage("3302181010700003") == {"JKK": warsito, "JKM": warsito}
    assert coverage("3302184203750004") == {}
    assert Person.objects.get(nik="3302185507850002").birth_date == dt.date(1985, 7, 15)


def test_the_same_file_twice_changes_nothing_the_second_time():
    run(EXAMPLE.read_bytes())
    before = roster_checksum()

    second = run(EXAMPLE.read_bytes())

    assert counts(second) == {**NONE, "unchanged": 4}
    assert roster_checksum() == before


def test_every_import_leaves_a_record_and_history_under_its_reference():
    user = UserFactory(username="importir", is_superuser=True)
    result = run(EXAMPLE.read_bytes(), user=user)

    record = ImportRecord.objects.get()
    assert (record.user, record.status, record.file_name, record.origin) == (
        user, "imported", "roster.csv", "command",
    )  # fmt: skip
    assert (record.rows, record.created, record.updated, record.unchanged, record.invalid) == (
        4, 4, 0, 0, 0,
    )  # fmt: skip
    assert record.upload == b"" or bytes(record.upload) == b""
    reason = f"Impor {record.reference}: roster.csv"  # in the site's language, Indonesian
    for model, expected in ((Person, 4), (Post, 4), (Membership, 7)):
        history = model.history.all()
        assert history.count() == expected
        assert set(
            history.values_list("history_type", "history_change_reason", "history_user")
        ) == {("+", reason, user.pk)}
    assert result.record == record


def test_a_dry_run_writes_nothing_not_even_a_record():
    result = run(EXAMPLE.read_bytes(), dry_run=True)

    assert counts(result) == {**NONE, "created": 4}
    assert result.written is False
    assert (Person.objects.count(), ImportRecord.objects.count()) == (0, 0)


# --- Persons and posts ------------------------------------------------------------------------


def test_a_known_nik_updates_name_sex_and_coverage():
    person = PersonFactory(nik=nik(1), name="Warga Lama", sex="")
    PostFactory(person=person, village_id=KEDIRI, code="KAUR", term_start=dt.date(2022, 1, 1))
    MembershipFactory(person=person, program_id="JKK", paid_until=dt.date(2025, 12, 31))

    result = run(csv_bytes([row(nama="Warga  Satu ", program="JKK", iuran_sampai="Des 2026")]))

    assert counts(result) == {**NONE, "updated": 1}
    person.refresh_from_db()
    assert (person.name, person.sex) == ("Warga Satu", "L")
    assert coverage(nik(1))["JKK"][3] == dt.date(2026, 12, 31)
    membership = Membership.objects.get(person=person)
    assert (membership.verified_on, membership.verified_source) == (timezone.localdate(), "import")


def test_a_known_nik_with_the_same_name_updates_only_its_sex():
    person = PersonFactory(nik=nik(1), name="Warga Satu")
    Person.objects.filter(pk=person.pk).update(sex="")  # as records entered before the rule
    PostFactory(person=person, village_id=KEDIRI, code="KAUR", term_start=dt.date(2022, 1, 1))

    result = run(csv_bytes([row(program="", kategori_peserta="", tanggal_daftar="",
                                iuran_sampai="", sumber_iuran="")]))  # fmt: skip

    assert counts(result) == {**NONE, "updated": 1}
    person.refresh_from_db()
    assert (person.name, person.sex) == ("Warga Satu", "L")


def test_a_new_post_is_added_and_the_persons_other_posts_stay():
    person = PersonFactory(nik=nik(1), name="Warga Satu")
    kaur = PostFactory(
        person=person, village_id=KEDIRI, code="KAUR", term_start=dt.date(2022, 1, 1)
    )

    result = run(csv_bytes([row(jabatan="Linmas", **UNCOVERED)]))

    assert counts(result) == {**NONE, "created": 1, "warnings": 1}
    assert result.plan.warnings[0].message == (
        "This NIK also holds another post (allowed for acting posts): Kepala Urusan."
    )
    assert set(Post.objects.filter(person=person).values_list("code", flat=True)) == {
        "KAUR", "LINMAS",
    }  # fmt: skip
    kaur.refresh_from_db()
    assert kaur.term_end is None


def test_the_same_nik_in_two_posts_is_a_warning():
    result = run(csv_bytes([row(), row(jabatan="Kadus", unit="Dusun Krajan")]))

    assert counts(result) == {**NONE, "created": 2, "warnings": 1}
    assert (result.plan.warnings[0].row, result.plan.warnings[0].message) == (
        3, "This NIK also holds another post (allowed for acting posts): Kepala Urusan (row 2).",
    )  # fmt: skip
    assert Person.objects.count() == 1


def test_the_same_nik_and_post_twice_is_an_error_on_the_later_row():
    result = run(csv_bytes([row(), row(kode_desa="3302182001", jabatan="kaur")]))

    assert counts(result)["invalid"] == 1
    assert errors(result) == [
        (3, "jabatan", "KAUR", "another post: row 2 already gives this NIK this post")
    ]
    assert result.written is False


def test_a_past_term_end_ends_the_post():
    run(csv_bytes([row(akhir_menjabat="2024-12-31")]))

    post = Post.objects.get()
    assert post.term_end == dt.date(2024, 12, 31)
    assert post.is_current(timezone.localdate()) is False


def test_empty_optional_cells_keep_what_is_stored():
    run(csv_bytes([row(akhir_menjabat="2030-01-01", nomor_kpj="123")]))

    result = run(csv_bytes([row(akhir_menjabat="", nomor_kpj="", jenis_kelamin="")]))

    assert counts(result) == {**NONE, "unchanged": 1}
    assert Post.objects.get().term_end == dt.date(2030, 1, 1)
    assert coverage(nik(1))["JKK"][1] == "123"


def test_a_row_without_programs_keeps_memberships_and_says_so():
    run(csv_bytes([row()]))

    result = run(csv_bytes([row(**UNCOVERED)]))

    assert counts(result) == {**NONE, "unchanged": 1, "warnings": 1}
    assert result.plan.warnings[0].message.startswith("The row does not list JKK, JKM")
    assert set(coverage(nik(1))) == {"JKK", "JKM"}


# --- Single-holder posts ----------------------------------------------------------------------


def test_a_new_village_head_ends_the_previous_term_the_day_before():
    previous = PostFactory(
        person=PersonFactory(nik=nik(9), name="Kades Lama"),
        village_id=KEDIRI, code="KEPALA_DESA", term_start=dt.date(2016, 1, 1),
    )  # fmt: skip

    result = run(csv_bytes([row(jabatan="Kepala Desa", mulai_menjabat="01/02/2022")]))

    assert counts(result) == {**NONE, "created": 1, "replacements": 1}
    replacement = result.plan.replacements[0]
    assert (replacement.row, replacement.previous, replacement.ended_on, replacement.holder) == (
        2, "Kades Lama", dt.date(2022, 1, 31), "Warga Satu",
    )  # fmt: skip
    previous.refresh_from_db()
    assert (previous.term_start, previous.term_end) == (dt.date(2016, 1, 1), dt.date(2022, 1, 31))
    assert previous.history.first().history_type == "~"
    assert Post.objects.filter(code="KEPALA_DESA").count() == 2
    for post in Post.objects.all():
        post.full_clean()


def test_a_new_holder_without_a_start_date_ends_the_previous_term_yesterday():
    today = timezone.localdate()
    previous = PostFactory(
        village_id=KEDIRI, code="SEKRETARIS_DESA", term_start=dt.date(2016, 1, 1)
    )

    result = run(csv_bytes([row(jabatan="Sekdes", mulai_menjabat="")]))

    assert counts(result) == {**NONE, "created": 1, "warnings": 1, "replacements": 1}
    previous.refresh_from_db()
    assert previous.term_end == today - dt.timedelta(days=1)
    new = Post.objects.get(person__nik=nik(1))
    assert new.term_start == today
    new.full_clean()
    assert counts(run(csv_bytes([row(jabatan="Sekdes", mulai_menjabat="")]))) == {
        **NONE, "unchanged": 1,
    }  # fmt: skip


def test_rt_heads_are_single_holders_within_their_unit_only():
    PostFactory(village_id=KEDIRI, code="KETUA_RT", unit="RT 001 / RW 001")

    result = run(csv_bytes([row(jabatan="Ketua RT", unit="RT 002 / RW 001")]))

    assert counts(result) == {**NONE, "created": 1}


def test_two_holders_of_one_post_in_one_file_is_an_error():
    result = run(csv_bytes([
        row(jabatan="KEPALA_DESA"),
        row(nik=nik(2), nama="Warga Dua", jabatan="KEPALA_DESA", mulai_menjabat="2023-01-01"),
    ]))  # fmt: skip

    assert errors(result) == [
        (3, "jabatan", "KEPALA_DESA",
         "a term that does not overlap the one row 2 gives Warga Satu"),
    ]  # fmt: skip


def test_a_holder_since_after_the_new_term_is_not_replaced():
    PostFactory(village_id=KEDIRI, code="KEPALA_DESA", term_start=dt.date(2024, 1, 1),
                person=PersonFactory(nik=nik(9), name="Kades Baru"))  # fmt: skip

    result = run(csv_bytes([row(jabatan="KEPALA_DESA", mulai_menjabat="2022-01-01")]))

    assert errors(result) == [
        (2, "jabatan", "KEPALA_DESA",
         "a term starting after 01/01/2024: Kades Baru holds this post since then; the file may "
         "be older than the records"),
    ]  # fmt: skip


# --- Errors, all or nothing, skip-invalid -----------------------------------------------------


def test_rows_of_one_person_must_agree():
    result = run(csv_bytes([
        row(),
        row(nama="Warga Lain", jabatan="LINMAS"),
        row(jabatan="PKK", iuran_sampai="2027-01-31"),
    ]))  # fmt: skip

    assert errors(result) == [
        (3, "nama", "Warga Lain", "Warga Satu, as row 2 has for this NIK"),
        (4, "program", "JKK JKM",
         "the same coverage as row 2 for this NIK, or empty coverage columns"),
    ]  # fmt: skip


def test_checks_across_cells_follow_the_models():
    result = run(csv_bytes([
        row(jenis_kelamin="P"),
        row(nik=nik(2), mulai_menjabat="2024-01-01", akhir_menjabat="2023-12-31"),
        row(nik=nik(3), tanggal_daftar="2025-01-01", iuran_sampai="2024-12-31"),
        row(nik=nik(4), program="", nomor_kpj="123"),
        row(nik=nik(5), kode_desa="33.02.18.2999"),
    ]))  # fmt: skip

    assert errors(result) == [
        (2, "jenis_kelamin", "P", "L, as the NIK says"),
        (3, "akhir_menjabat", "31/12/2023", "a date not before the term start"),
        (4, "iuran_sampai", "31/12/2024", "a date not before enrolment"),
        (5, "program", "", "the programs the coverage columns are for"),
        (6, "kode_desa", "33.02.18.2999", "a village code that exists in the Kemendagri list"),
    ]


def test_an_error_in_the_last_of_10000_rows_leaves_the_database_as_it_was():
    PostFactory(person=PersonFactory(nik=nik(1)), village_id=KEDIRI)
    born = [dt.date(1970, 1, 1), dt.date(1970, 1, 2)]
    rows = [
        row(nik=nik(serial % 9000 + 1, born=born[serial // 9000]), nama=f"Warga {serial}",
            kode_desa=(KEDIRI, PANGEBATAN)[serial % 2], jabatan="LINMAS")
        for serial in range(9_999)
    ]  # fmt: skip
    rows.append(row(nik="3.30218E+15", nama="Terakhir"))
    before = (Person.objects.count(), Post.objects.count(), roster_checksum())

    result = run(csv_bytes(rows))

    assert counts(result)["invalid"] == 1
    assert counts(result)["created"] + counts(result)["updated"] == 9_999
    assert errors(result)[0][:3] == (10_001, "nik", "3.30218E+15")
    assert result.written is False
    assert (Person.objects.count(), Post.objects.count(), roster_checksum()) == before
    assert ImportRecord.objects.count() == 0


def test_skip_invalid_writes_the_valid_rows_and_returns_the_others_with_reasons():
    data = csv_bytes([row(), row(nik="'3302181204780099", nama="Salah Tanggal",
                                 mulai_menjabat="31/02/2022")])  # fmt: skip

    result = run(data, skip_invalid=True)

    assert result.written is True
    assert counts(result) == {**NONE, "created": 1, "invalid": 1}
    assert list(Person.objects.values_list("nik", flat=True)) == [nik(1)]
    rejected = list(csv.reader(io.StringIO(result.rejected.decode("utf-8-sig"))))
    assert rejected == [
        [*row().keys(), "error"],
        [*row(nik="'3302181204780099", nama="Salah Tanggal", mulai_menjabat="31/02/2022").values(),
         "row 3, mulai_menjabat: expected a date that exists (day first: DD/MM/YYYY) "
         "(found “31/02/2022”)"],
    ]  # fmt: skip
    record = ImportRecord.objects.get()
    assert (record.created, record.invalid, bytes(record.rejected)) == (1, 1, result.rejected)


def test_a_stale_plan_writes_nothing():
    first = run(EXAMPLE.read_bytes(), dry_run=True)
    PersonFactory(nik="3302184203750004", name="Romini Lama", sex="P")

    result = run(EXAMPLE.read_bytes(), expected_digest=first.digest)

    assert result.stale is True and result.written is False
    assert Person.objects.count() == 1


def test_unknown_columns_are_one_warning():
    data = csv_bytes([[*row().values(), "x", "y"]], header=[*row().keys(), "catatan", "telepon"])

    result = run(data)

    assert [(w.row, w.message) for w in result.plan.warnings] == [
        (0, "Unknown columns are ignored: catatan, telepon.")
    ]


# --- Programs ---------------------------------------------------------------------------------


def test_a_program_added_by_head_office_imports():
    Program.objects.create(code="JKN", name="Jaminan Kesehatan Nasional", order=6)

    result = run(csv_bytes([row(program="jkn, JKK")]))

    assert (result.written, errors(result)) == (True, [])
    values = ("BPU", "", dt.date(2024, 1, 1), dt.date(2026, 12, 31), "APBDES")
    assert coverage(nik(1)) == {"JKK": values, "JKN": values}


def test_an_unknown_program_is_a_row_error_listing_the_programs_in_the_database():
    Program.objects.create(code="JKN", name="Jaminan Kesehatan Nasional", order=6)
    Program.objects.filter(code="JKP").delete()

    result = run(csv_bytes([row(program="JKK JKP")]))

    assert errors(result) == [
        (2, "program", "JKK JKP",
         "programs among JKK, JKM, JHT, JP and JKN separated by , ; / or spaces (unknown: JKP)"),
    ]  # fmt: skip
    assert (result.written, Person.objects.count()) == (False, 0)
    with translation.override("id"):
        assert errors(run(csv_bytes([row(program="JKK JKP")])))[0][3] == (
            "program dari JKK, JKM, JHT, JP dan JKN yang dipisahkan dengan , ; / atau spasi "
            "(tidak dikenal: JKP)"
        )


def test_the_programs_are_read_once_per_import():
    data = csv_bytes([row(nik=nik(n), program="JKK JKM") for n in range(1, 41)])

    with CaptureQueriesContext(connection) as queries:
        result = run(data, dry_run=True)

    assert result.plan.counts.created == 40
    assert sum('"enrollment_program"' in query["sql"] for query in queries) == 1


# --- Scope ------------------------------------------------------------------------------------


@pytest.fixture
def branch_staff(db):
    from tests.factories import BranchOfficeFactory
    from villages.models import Regency

    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user


def test_branch_staff_import_only_villages_in_their_area(branch_staff):
    result = run(csv_bytes([row(), row(nik=nik(2), kode_desa=TUBAN_VILLAGE)]), user=branch_staff,
                 skip_invalid=True)  # fmt: skip

    assert errors(result) == [
        (3, "kode_desa", TUBAN_VILLAGE,
         "a village in your area: village 35.23.01.2001 is outside your area"),
    ]  # fmt: skip
    assert list(Post.objects.values_list("village_id", flat=True)) == [KEDIRI]


# --- Masked identifiers -----------------------------------------------------------------------


def test_a_masked_nik_is_matched_to_the_person_it_came_from():
    run(csv_bytes([row()]))

    result = run(csv_bytes([row(nik="330218******0001", iuran_sampai="2027-12-31")]))

    assert counts(result) == {**NONE, "updated": 1}
    assert Person.objects.get().nik == nik(1)
    assert coverage(nik(1))["JKK"][3] == dt.date(2027, 12, 31)


def test_a_masked_nik_that_matches_no_holder_is_an_error():
    run(csv_bytes([row()]))

    result = run(csv_bytes([row(nik="330218******0001", nama="Orang Lain"),
                            row(nik="330218******0002", jabatan="LINMAS")]))  # fmt: skip

    expected = "the full NIK: the masked NIK matches no holder of this post by that name"
    assert errors(result) == [
        (2, "nik", "330218******0001", expected),
        (3, "nik", "330218******0002", expected),
    ]


def test_imported_records_pass_the_models_full_clean():
    run(EXAMPLE.read_bytes())
    run(csv_bytes([row(jabatan="Kepala Desa", mulai_menjabat="2023-01-01", nomor_kpj="99")]))

    for model in (Person, Post, Membership):
        for obj in model.objects.all():
            obj.full_clean()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_the_same_rows_and_history_as_simple_history():
    user = UserFactory(username="pembanding")
    history = {"default_user": user, "default_change_reason": "r", "default_date": timezone.now()}
    columns = ("nik", "name", "sex", "birth_date", "created_in", "phone")
    rows = [
        (nik(n), f"Warga {n}", "L", dt.date(1980, 4, 12), KEDIRI, "081234567890") for n in (1, 2)
    ]
    records = [dict(zip(columns, values, strict=True)) for values in rows]

    copied = create_with_history(Person, columns, records[:1], history=history, copy=True)
    created = create_with_history(Person, columns, records[1:], history=history, copy=False)

    def written(pk):
        record = Person.history.get(id=pk)
        return (
            Person.objects.filter(pk=pk).values_list(*columns).get(),
            (record.history_type, record.history_change_reason, record.history_user_id,
             record.history_date, record.name),
        )  # fmt: skip

    assert written(copied[0])[1] == written(created[0])[1][:4] + ("Warga 1",)
    assert written(copied[0])[0] == rows[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_updates_as_simple_history_does():
    user = UserFactory(username="pembanding")
    history = {"default_user": user, "default_change_reason": "r", "default_date": timezone.now()}
    first, second = PersonFactory(nik=nik(1)), PersonFactory(nik=nik(2))
    first.name, second.name = "Nama Baru", "Nama Baru"

    def values(person):
        return {"id": person.pk, "nik": person.nik, "name": person.name, "sex": person.sex,
                "birth_date": person.birth_date, "created_in": None, "phone": ""}  # fmt: skip

    update_with_history(Person, [values(first)], ["name"], history=history, copy=True)
    update_with_history(Person, [values(second)], ["name"], history=history, copy=False)

    def written(person):
        record = person.history.filter(history_type="~").get()
        return (
            Person.objects.filter(pk=person.pk).values_list("name", "sex", "birth_date").get(),
            (record.history_change_reason, record.history_user_id, record.history_date,
             record.name, record.sex, record.birth_date),
        )  # fmt: skip

    assert written(first) == written(second)
