"""The roster import pages in the admin: upload → preview → confirm, the history of imports,
templates, rejected rows and export; each allowed, out of scope, anonymous and wrong method."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from enrollment.imports.engine import imports_expire
from enrollment.models import ImportRecord, Program
from tests.factories import BranchOfficeFactory, PersonFactory, UserFactory
from tests.fixtures.roster.build import EXAMPLE, KEDIRI, TUBAN_VILLAGE, csv_bytes, nik, row
from villages.models import AccessLog, Person, Regency
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the msgids; the interface itself is Indonesian."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def english_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(name: str, *args) -> str:
    return reverse(f"admin:enrollment_importrecord_{name}", args=args)


def upload_file(data: bytes, name: str = "roster.csv"):
    return io.BytesIO(data), name


@pytest.fixture
def staff(client):
    """A Banyumas branch officer, logged in."""
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    user = user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
    client.force_login(user)
    return client


@pytest.fixture
def other_staff(db):
    """A Tuban branch officer: another area."""
    BranchOfficeFactory(name="Tuban").regencies.set(Regency.objects.filter(code="35.23"))
    return user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user


def upload(client, data: bytes, skip_invalid: bool = False):
    buffer = io.BytesIO(data)
    buffer.name = "roster.csv"
    return client.post(url("upload"), {"file": buffer, "skip_invalid": skip_invalid})


def preview(client, data: bytes, **options) -> ImportRecord:
    response = upload(client, data, **options)
    record = ImportRecord.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == url("report", record.pk)
    return record


# --- Upload, preview, confirm -----------------------------------------------------------------


def test_the_upload_page_shows_the_form_and_templates(staff):
    response = staff.get(url("upload"))

    assert response.status_code == 200
    assert response.context["form"].fields.keys() == {"file", "skip_invalid"}
    assert url("template", "xlsx").encode() in response.content


def test_a_preview_writes_nothing_and_keeps_the_file_on_the_server(staff):
    record = preview(staff, EXAMPLE.read_bytes())

    assert (record.status, record.user.username, record.origin) == ("previewed", "staf", "admin")
    assert bytes(record.upload) == EXAMPLE.read_bytes()
    assert (record.created, record.updated, record.unchanged, record.invalid) == (4, 0, 0, 0)
    assert Person.objects.count() == 0
    page = staff.get(url("report", record.pk))
    assert page.status_code == 200
    assert page.context["can_confirm"] is True
    assert url("confirm", record.pk).encode() in page.content


def test_confirm_writes_exactly_what_the_preview_showed(staff):
    record = preview(staff, EXAMPLE.read_bytes())

    response = staff.post(url("confirm", record.pk), {"anything": "ignored"})

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.created, bytes(record.upload)) == ("imported", 4, b"")
    assert Person.objects.count() == 4
    assert set(Person.history.values_list("history_user__username", flat=True)) == {"staf"}
    again = staff.post(url("confirm", record.pk))
    assert again.status_code == 302
    assert Person.objects.count() == 4


def test_when_the_data_changed_since_the_preview_nothing_is_written(staff):
    record = preview(staff, EXAMPLE.read_bytes())
    digest = record.plan_digest
    PersonFactory(nik="3302184203750004", name="Romini", sex="P")

    response = staff.post(url("confirm", record.pk), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "The records changed since the preview, so nothing was written. Check the new preview "
        "below and confirm again."
    ]
    record.refresh_from_db()
    # Romini is now known: her row adds a post to a stored person instead of a new person.
    assert (record.status, record.created, record.updated) == ("previewed", 4, 0)
    assert record.plan_digest != digest
    assert Person.objects.count() == 1
    staff.post(url("confirm", record.pk))
    assert Person.objects.count() == 4


def test_invalid_rows_are_listed_and_block_the_confirm(staff):
    data = csv_bytes([row(), row(nik=nik(2), kode_desa=TUBAN_VILLAGE)])
    record = preview(staff, data)

    page = staff.get(url("report", record.pk))

    assert page.context["can_confirm"] is False
    assert page.context["report"]["errors"] == [
        [3, "kode_desa", TUBAN_VILLAGE,
         "a village in your area: village 35.23.01.2001 is outside your area"],
    ]  # fmt: skip
    assert staff.post(url("confirm", record.pk)).status_code == 302
    assert Person.objects.count() == 0


def test_skip_invalid_imports_the_rest_and_offers_the_rejected_rows(staff):
    record = preview(staff, csv_bytes([row(), row(nik=nik(2), jabatan="?")]), skip_invalid=True)
    staff.post(url("confirm", record.pk))

    response = staff.get(url("rejected", record.pk))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="roster.rejected.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (len(rows), rows[1][1], rows[1][-1][:22]) == (2, nik(2), "row 3, jabatan: expect")
    assert Person.objects.count() == 1


def test_downloading_the_rejected_rows_is_logged(staff):
    """The file holds full NIKs: who took it is in the access log."""
    record = preview(staff, csv_bytes([row(), row(nik=nik(2), jabatan="?")]), skip_invalid=True)

    assert staff.get(url("rejected", record.pk)).status_code == 200

    assert list(AccessLog.objects.values_list("user__username", "action", "area_code", "rows",
                                              "what")) == [
        ("staf", "export", "", 1, f"import rejected rows {record.reference}: roster.rejected.csv"),
    ]  # fmt: skip


def test_viewing_an_import_report_is_logged(staff):
    """The report echoes the cells of invalid rows, full NIKs among them, and lists the changes
    with full NIKs to staff who may see them: two errors and the valid row's two changes (its
    new post and new memberships), one log row a view."""
    record = preview(staff, csv_bytes([row(), row(nik=nik(2), jabatan="?"), row(nik="123")]))

    change_page = reverse("admin:enrollment_importrecord_change", args=[record.pk])
    assert staff.get(url("report", record.pk)).status_code == 200
    assert staff.get(change_page).status_code == 200

    logged = ("staf", "full_identifiers", "", 4, f"import report {record.reference}: roster.csv")
    assert list(AccessLog.objects.values_list("user__username", "action", "area_code", "rows",
                                              "what")) == [logged, logged]  # fmt: skip


def test_a_refused_file_is_reported_on_the_form(staff):
    response = upload(staff, b"nama\r\nSugeng\r\n")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Required columns are missing from the header (row 1): kode_desa (village_code), "
        "nik (nik), jabatan (post)."
    ]
    assert ImportRecord.objects.count() == 0


# --- Who may do what --------------------------------------------------------------------------


def test_another_users_import_is_not_found(staff, other_staff, client):
    record = preview(staff, EXAMPLE.read_bytes())
    client.force_login(other_staff)

    for name, method in (("report", "get"), ("confirm", "post"), ("rejected", "get")):
        assert getattr(client, method)(url(name, record.pk)).status_code == 404
    assert (
        client.get(reverse("admin:enrollment_importrecord_changelist")).context["cl"].result_count
        == 0
    )


def test_the_history_of_imports_lists_the_users_own(staff, other_staff):
    record = preview(staff, EXAMPLE.read_bytes())
    ImportRecord.objects.create(user=other_staff, origin="admin", status="previewed")

    response = staff.get(reverse("admin:enrollment_importrecord_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [record]
    change = staff.get(reverse("admin:enrollment_importrecord_change", args=[record.pk]))
    assert (change.status_code, change.context["record"]) == (200, record)
    add = staff.get(reverse("admin:enrollment_importrecord_add"))
    assert add.context["form"].fields.keys() == {"file", "skip_invalid"}


@pytest.mark.parametrize("kind", ["manager", "regional_office"])
def test_users_without_the_import_permission_are_forbidden(client, kind):
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    office = BranchOfficeFactory(name="Purwokerto").regional_office.name
    user_role_set(username="baca", kind=kind, area_codes=["33.02"], regional_office_name=office)
    client.force_login(UserFactory(username="baca"))
    record = ImportRecord.objects.create(user=None, origin="command", status="previewed")

    for target in (
        url("upload"),
        reverse("admin:enrollment_importrecord_add"),
        reverse("admin:enrollment_importrecord_change", args=[record.pk]),
        reverse("admin:enrollment_importrecord_changelist"),
        url("report", record.pk),
        url("template", "csv"),
        url("export"),
    ):
        assert client.get(target).status_code == 403, target
    assert client.post(url("confirm", record.pk)).status_code == 403


@pytest.mark.parametrize(
    "name,args", [("upload", ()), ("report", (1,)), ("template", ("csv",)), ("export", ())]
)
def test_anonymous_users_are_sent_to_the_login(client, name, args):
    response = client.get(url(name, *args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_wrong_methods_are_refused(staff):
    record = preview(staff, EXAMPLE.read_bytes())

    assert staff.put(url("upload")).status_code == 405
    assert staff.post(url("report", record.pk)).status_code == 405
    assert staff.get(url("confirm", record.pk)).status_code == 405
    assert staff.post(url("rejected", record.pk)).status_code == 405
    assert staff.post(url("template", "csv")).status_code == 405
    assert staff.post(url("export")).status_code == 405


# --- Templates and export ---------------------------------------------------------------------


def test_the_blank_csv_template_is_the_header(staff):
    response = staff.get(url("template", "csv"))

    assert response.content.decode("utf-8-sig") == (
        "kode_desa,nik,nama,jenis_kelamin,jabatan,unit,mulai_menjabat,akhir_menjabat,nomor_kpj,"
        "kategori_peserta,program,tanggal_daftar,iuran_sampai,sumber_iuran\r\n"
    )
    assert staff.get(url("template", "ods")).status_code == 404


def test_the_blank_xlsx_template_has_text_identifiers_and_a_sheet_of_codes(staff):
    response = staff.get(url("template", "xlsx"))

    workbook = load_workbook(io.BytesIO(response.content))
    roster, codes = workbook.worksheets
    assert [c.value for c in roster[1]][:3] == ["kode_desa", "nik", "nama"]
    assert roster.column_dimensions["B"].number_format == "@"  # nik
    assert roster.column_dimensions["I"].number_format == "@"  # nomor_kpj
    assert (roster["B2"].number_format, roster["I500"].number_format) == ("@", "@")
    listed = {row[0] for row in codes.iter_rows(values_only=True) if row and row[0]}
    assert {"KEPALA_DESA", "PENGURUS_LKD", "JKK", "JKP", "APBDES", "MANDIRI"} <= listed
    assert ("PENGURUS_LKD", "Pengurus LKD", "LKD", "PKK, Karang Taruna, LPMD, Kader Posyandu") in {
        row[:4] for row in codes.iter_rows(values_only=True)
    }


def test_the_xlsx_template_lists_the_programs_in_the_database(staff):
    Program.objects.create(code="JKN", name="Jaminan Kesehatan Nasional", order=6)

    response = staff.get(url("template", "xlsx"))

    codes = load_workbook(io.BytesIO(response.content)).worksheets[1]
    rows = {row[0]: row for row in codes.iter_rows(values_only=True) if row and row[0]}
    assert rows["program (programs)"][2] == (
        "JKK, JKM, JHT, JP, JKP, JKN separated by , ; / or spaces; empty = not enrolled"
    )
    assert rows["JKN"][:2] == ("JKN", "Jaminan Kesehatan Nasional")


def test_export_masks_identifiers_without_the_full_nik_permission(staff, client):
    staff.post(url("confirm", preview(staff, EXAMPLE.read_bytes()).pk))
    masked = UserFactory(username="masked", is_staff=True)
    user_role_set(username="masked", kind="branch_staff", branch_name="Purwokerto")
    masked.groups.clear()
    masked.user_permissions.add(Permission.objects.get(codename="add_membership"))
    client.force_login(masked)

    response = client.get(url("export"), {"area": "33.02.18", "format": "csv"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted((r[1], r[8]) for r in rows[1:]) == [
        ("330218******0001", "*******5678"),
        ("330218******0002", "*******5679"),
        ("330218******0003", ""),
        ("330218******0004", ""),
    ]
    log = AccessLog.objects.get(user__username="masked")
    assert (log.action, log.area_code, log.what, log.rows) == (
        "export",
        "33.02.18",
        "admin roster export roster-33.02.18.csv",
        4,  # counted before the CSV streams
    )


def test_export_of_an_area_outside_the_users_scope_is_not_found(staff):
    assert staff.get(url("export"), {"area": "35.23", "format": "csv"}).status_code == 404
    assert staff.get(url("export"), {"area": "99.99", "format": "csv"}).status_code == 404
    assert staff.get(url("export")).status_code == 200


def test_export_then_import_changes_nothing(staff):
    staff.post(url("confirm", preview(staff, EXAMPLE.read_bytes()).pk))
    response = staff.get(url("export"), {"area": KEDIRI, "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.active["B2"].number_format == "@"

    buffer = io.BytesIO(response.content)
    buffer.name = "ekspor.xlsx"
    staff.post(url("upload"), {"file": buffer})

    record = ImportRecord.objects.latest("pk")
    assert (record.created, record.updated, record.unchanged, record.invalid) == (0, 0, 4, 0)


def test_previews_older_than_a_day_expire_and_drop_the_file(staff):
    record = preview(staff, EXAMPLE.read_bytes())
    ImportRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )

    assert imports_expire() == 1

    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("expired", b"")
    assert staff.get(url("report", record.pk)).context["can_confirm"] is False
    staff.post(url("confirm", record.pk))
    assert Person.objects.count() == 0


def test_a_preview_older_than_a_day_is_not_confirmed_even_before_any_new_upload(staff):
    """Expiry used to run only when a file was uploaded: an old preview could still be
    confirmed. Confirming expires old previews first."""
    record = preview(staff, EXAMPLE.read_bytes())
    ImportRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )

    staff.post(url("confirm", record.pk))

    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("expired", b"")
    assert Person.objects.count() == 0
