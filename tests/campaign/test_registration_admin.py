"""The registrations import in the admin: upload → preview → confirm, rejected rows,
templates, the one history of imports, and the registrations list; each allowed, out of scope,
anonymous and wrong method."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.models import Registration
from campaign.registration_import import registrations_confirm
from enrollment.models import ImportRecord
from tests.campaign.conftest import (
    GUNUNGWETAN,
    KARANGLEWAS,
    KARANGLO,
    csv_bytes,
    row,
    stored_registration,
)
from tests.factories import BranchOfficeFactory, UserFactory
from villages.models import AccessLog, Regency
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 4, 24)


def url(name: str, *args) -> str:
    return reverse(f"admin:campaign_registration_import{name}", args=args)


@pytest.fixture(autouse=True)
def english_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def other_staff(db):
    """A Tuban branch officer: another area."""
    BranchOfficeFactory(name="Tuban").regencies.set(Regency.objects.filter(code="35.23"))
    return user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user


def upload(client, data: bytes, skip_invalid: bool = False, name: str = "pendaftaran.csv"):
    buffer = io.BytesIO(data)
    buffer.name = name
    return client.post(url(""), {"file": buffer, "skip_invalid": skip_invalid})


def preview(client, data: bytes, **options) -> ImportRecord:
    response = upload(client, data, **options)
    record = ImportRecord.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == url("_report", record.pk)
    return record


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


GOOD = csv_bytes([row(), row(kode_desa=GUNUNGWETAN, jumlah="40", iuran="Rp 672.000")])


# --- Upload, preview, confirm -----------------------------------------------------------------


def test_the_upload_page_shows_the_form_and_templates(staff):
    response = staff.get(url(""))

    assert response.status_code == 200
    assert response.context["form"].fields.keys() == {"file", "skip_invalid"}
    assert url("_template", "xlsx").encode() in response.content
    add = staff.get(reverse("admin:campaign_registration_add"))
    assert add.context["form"].fields.keys() == {"file", "skip_invalid"}


def test_a_preview_writes_nothing_and_keeps_the_file(staff):
    record = preview(staff, GOOD)

    assert (record.kind, record.status, record.origin, record.user.username) == (
        "registrations",
        "previewed",
        "admin",
        "staf",
    )
    assert bytes(record.upload) == GOOD
    assert (record.created, record.updated, record.unchanged, record.invalid) == (2, 0, 0, 0)
    assert Registration.objects.count() == 0
    page = staff.get(url("_report", record.pk))
    assert (page.status_code, page.context["can_confirm"]) == (200, True)
    assert url("_confirm", record.pk).encode() in page.content


def test_confirm_writes_what_the_preview_showed_once(staff):
    record = preview(staff, GOOD)

    response = staff.post(url("_confirm", record.pk), follow=True)

    assert messages_of(response) == ["Imported: 2 created, 0 updated, 0 unchanged, 0 rejected."]
    record.refresh_from_db()
    assert (record.status, record.created, bytes(record.upload)) == ("imported", 2, b"")
    assert sorted(Registration.objects.values_list("village_id", "count", "contributions")) == [
        (GUNUNGWETAN, 40, 672_000), (KARANGLEWAS, 15, 0)
    ]  # fmt: skip
    assert set(Registration.history.values_list("history_user__username",
                                                "history_change_reason")) == {
        ("staf", f"Impor {record.reference}: pendaftaran.csv")
    }  # fmt: skip
    again = staff.post(url("_confirm", record.pk), follow=True)
    assert messages_of(again) == ["This preview cannot be imported; upload the file again."]
    assert (Registration.objects.count(), Registration.history.count()) == (2, 2)


def test_a_second_confirm_of_the_same_preview_finds_it_imported(staff, staff_user):
    """The confirm locks its record (select_for_update) and re-reads its status: a confirm
    that got past the page's check still writes nothing the second time."""
    record = preview(staff, GOOD)

    first = registrations_confirm(record=record, user=staff_user)
    second = registrations_confirm(record=record, user=staff_user)

    assert (first.written, second.written) == (True, False)
    assert second.refused == "This preview has expired or was already imported."
    assert Registration.objects.count() == 2


def test_when_the_registrations_changed_since_the_preview_nothing_is_written(staff):
    record = preview(staff, GOOD)
    digest = record.plan_digest
    stored_registration(village_id=KARANGLEWAS, count=9)

    response = staff.post(url("_confirm", record.pk), follow=True)

    assert messages_of(response) == [
        "The records changed since the preview, so nothing was written. Check the new preview "
        "below and confirm again."
    ]
    record.refresh_from_db()
    assert (record.status, record.created, record.updated, record.plan_digest != digest) == (
        "previewed",
        1,
        1,
        True,
    )
    assert Registration.objects.get(village_id=KARANGLEWAS).count == 9
    staff.post(url("_confirm", record.pk))
    assert Registration.objects.get(village_id=KARANGLEWAS).count == 15


def test_out_of_scope_rows_are_errors_that_block_the_confirm(staff):
    record = preview(staff, csv_bytes([row(), row(kode_desa=KARANGLO)]))

    page = staff.get(url("_report", record.pk))

    assert page.context["can_confirm"] is False
    assert page.context["report"]["errors"] == [
        [3, "kode_desa", KARANGLO,
         "a village in your area: village 35.23.08.2016 is outside your area"],
    ]  # fmt: skip
    response = staff.post(url("_confirm", record.pk), follow=True)
    assert messages_of(response) == ["This preview cannot be imported; upload the file again."]
    assert Registration.objects.count() == 0


def test_skip_invalid_imports_the_rest_and_offers_the_rejected_rows(staff):
    record = preview(staff, csv_bytes([row(), row(kode_desa=KARANGLO)]), skip_invalid=True)
    staff.post(url("_confirm", record.pk))

    response = staff.get(url("_rejected", record.pk))

    assert response["Content-Disposition"] == 'attachment; filename="pendaftaran.rejected.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["24/04/2024", KARANGLO, "MANDIRI", "15", "", "",
                       "row 3, kode_desa: expected a village in your area: village "
                       "35.23.08.2016 is outside your area (found “35.23.08.2016”)"]  # fmt: skip
    assert list(Registration.objects.values_list("village_id", flat=True)) == [KARANGLEWAS]
    assert list(AccessLog.objects.values_list("user__username", "action", "rows", "what")) == [
        ("staf", "export", 1, f"import rejected rows {record.reference}: pendaftaran.rejected.csv")
    ]


def test_an_import_without_rejected_rows_has_no_download(staff):
    record = preview(staff, GOOD)

    assert staff.get(url("_rejected", record.pk)).status_code == 404


def test_a_refused_file_is_reported_on_the_form(staff):
    response = upload(staff, b"kanal\r\nMANDIRI\r\n")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Required columns are missing from the header (row 1): tanggal (date), kode_desa "
        "(village_code), jumlah (count)."
    ]
    assert ImportRecord.objects.count() == 0


def test_an_expired_preview_is_not_confirmed(staff):
    record = preview(staff, GOOD)
    ImportRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )

    staff.post(url("_confirm", record.pk))

    record.refresh_from_db()
    assert (record.status, bytes(record.upload)) == ("expired", b"")
    assert Registration.objects.count() == 0


# --- The one history of imports ---------------------------------------------------------------


def test_the_history_lists_both_kinds_and_leads_to_each_report(staff):
    record = preview(staff, GOOD)
    roster = ImportRecord.objects.create(user=record.user, origin="admin", status="previewed")

    response = staff.get(reverse("admin:enrollment_importrecord_changelist"))

    assert list(response.context["cl"].result_list) == [roster, record]
    assert b"residents&#x27; registrations" in response.content
    assert url("").encode() in response.content  # "Import registrations"
    change = staff.get(reverse("admin:enrollment_importrecord_change", args=[record.pk]))
    assert (change.status_code, change["Location"]) == (302, url("_report", record.pk))
    only = staff.get(reverse("admin:enrollment_importrecord_changelist"), {"kind": "registrations"})
    assert list(only.context["cl"].result_list) == [record]


def test_the_roster_pages_do_not_take_a_registrations_import(staff):
    """The roster's confirm would read the file as a roster: it does not find the record."""
    record = preview(staff, GOOD)

    for name, method in (("report", "get"), ("confirm", "post"), ("rejected", "get")):
        target = reverse(f"admin:enrollment_importrecord_{name}", args=[record.pk])
        assert getattr(staff, method)(target).status_code == 404
    assert Registration.objects.count() == 0


def test_the_registrations_pages_do_not_take_a_roster_import(staff, staff_user):
    roster = ImportRecord.objects.create(user=staff_user, origin="admin", status="previewed")

    assert staff.get(url("_report", roster.pk)).status_code == 404
    assert staff.post(url("_confirm", roster.pk)).status_code == 404


# --- Who may do what --------------------------------------------------------------------------


def test_another_users_import_is_not_found(staff, other_staff, client):
    record = preview(staff, csv_bytes([row(), row(jumlah="x")]), skip_invalid=True)
    client.force_login(other_staff)

    for name, method in (("_report", "get"), ("_confirm", "post"), ("_rejected", "get")):
        assert getattr(client, method)(url(name, record.pk)).status_code == 404
    assert Registration.objects.count() == 0


def test_head_office_sees_every_import(staff, client):
    record = preview(staff, GOOD)
    client.force_login(user_role_set(username="pusat", kind="head_office").user)

    assert client.get(url("_report", record.pk)).status_code == 200


@pytest.mark.parametrize("kind", ["manager", "regional_office"])
def test_users_without_the_import_permission_are_forbidden(client, staff_user, kind):
    office = BranchOfficeFactory(name="Purwokerto").regional_office.name
    user_role_set(username="baca", kind=kind, area_codes=["33.02"], regional_office_name=office)
    client.force_login(UserFactory(username="baca"))
    record = ImportRecord.objects.create(user=staff_user, kind="registrations", origin="admin",
                                         status="previewed")  # fmt: skip

    for target in (url(""), reverse("admin:campaign_registration_add"), url("_report", record.pk),
                   url("_rejected", record.pk), url("_template", "csv")):  # fmt: skip
        assert client.get(target).status_code == 403, target
    assert client.post(url("_confirm", record.pk)).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert ImportRecord.objects.count() == 1


def test_a_village_secretary_is_sent_to_the_login(client):
    user_role_set(username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS])
    client.force_login(UserFactory(username="sekdes"))

    response = upload(client, GOOD)

    assert (response.status_code, response["Location"].startswith(reverse("admin:login"))) == (
        302, True
    )  # fmt: skip
    assert ImportRecord.objects.count() == 0


@pytest.mark.parametrize(
    "name,args", [("", ()), ("_report", (1,)), ("_rejected", (1,)), ("_template", ("csv",))]
)
def test_anonymous_users_are_sent_to_the_login(client, name, args):
    response = client.get(url(name, *args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_confirm_is_sent_to_the_login(client):
    response = client.post(url("_confirm", 1))

    assert (response.status_code, response["Location"].startswith(reverse("admin:login"))) == (
        302, True
    )  # fmt: skip


def test_wrong_methods_are_refused(staff):
    record = preview(staff, GOOD)

    assert staff.put(url("")).status_code == 405
    assert staff.post(url("_report", record.pk)).status_code == 405
    assert staff.get(url("_confirm", record.pk)).status_code == 405
    assert staff.post(url("_rejected", record.pk)).status_code == 405
    assert staff.post(url("_template", "csv")).status_code == 405


# --- Templates --------------------------------------------------------------------------------


def test_the_blank_csv_template_is_the_header(staff):
    response = staff.get(url("_template", "csv"))

    assert response["Content-Disposition"] == ('attachment; filename="registrations-template.csv"')
    assert response.content.decode("utf-8-sig") == (
        "tanggal,kode_desa,kanal,jumlah,kode_agen,iuran\r\n"
    )
    assert staff.get(url("_template", "ods")).status_code == 404


def test_the_blank_xlsx_template_keeps_codes_as_text_and_lists_the_channels(staff):
    response = staff.get(url("_template", "xlsx"))

    sheet, codes = load_workbook(io.BytesIO(response.content)).worksheets
    assert [c.value for c in sheet[1]] == ["tanggal", "kode_desa", "kanal", "jumlah", "kode_agen",
                                           "iuran"]  # fmt: skip
    assert (sheet["B2"].number_format, sheet["E500"].number_format) == ("@", "@")
    listed = {r[0] for r in codes.iter_rows(values_only=True) if r and r[0]}
    assert {"PERISAI", "MANDIRI", "SOSIALISASI", "LAINNYA", "kode_agen (agent_code)"} <= listed


def test_the_template_imports_once_filled(staff):
    filled = staff.get(url("_template", "csv")).content + b"24/04/2024,3302032003,MANDIRI,3,,\r\n"

    record = preview(staff, filled)

    assert (record.created, record.invalid) == (1, 0)


# --- The registrations list -------------------------------------------------------------------


def test_the_list_shows_the_users_area_only_and_is_read_only(staff):
    inside = stored_registration(village_id=KARANGLEWAS)
    outside = stored_registration(village_id=KARANGLO)

    response = staff.get(reverse("admin:campaign_registration_changelist"))

    assert list(response.context["cl"].result_list) == [inside]
    assert url("").encode() in response.content
    view = staff.get(reverse("admin:campaign_registration_change", args=[inside.pk]))
    assert (view.status_code, view.context["has_change_permission"]) == (200, False)
    assert (
        staff.get(reverse("admin:campaign_registration_change", args=[outside.pk])).status_code
        == 404
    )
