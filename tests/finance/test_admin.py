"""The finance admin: upload → preview → confirm as branch staff (rows of other regencies
are row errors, and nothing is written), roles refused, wrong methods, another user's
upload; the rates are head office's to edit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from finance.models import ContributionRate, FinanceImport, FinanceRecord
from tests.finance.conftest import csv_file
from villages.roles import user_role_set

UPLOAD = reverse("admin:finance_financerecord_import")
GOOD = csv_file('2023,33.02,PEKERJA_RENTAN,SEMUA,500 juta,"2,5 miliar",')
OUT = csv_file(
    '2023,33.02,PEKERJA_RENTAN,SEMUA,500 juta,"2,5 miliar",',
    "2023,35.23,PEKERJA_RENTAN,SEMUA,1,1,",
)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def _upload(client: Client, data: bytes):
    return client.post(UPLOAD, {"file": SimpleUploadedFile("iuran.csv", data)})


def test_branch_staff_upload_preview_and_confirm(users):
    client = _client(users["branch_staff"])
    assert client.get(UPLOAD).status_code == 200
    response = _upload(client, GOOD)
    upload = FinanceImport.objects.get()
    preview = reverse("admin:finance_financerecord_import_preview", args=[upload.pk])
    assert response.status_code == 302
    assert response["Location"] == preview
    assert FinanceRecord.objects.count() == 0  # a preview writes nothing
    page = client.get(preview).content.decode()
    assert "Confirm the import" in page
    confirm = reverse("admin:finance_financerecord_import_confirm", args=[upload.pk])
    response = client.post(confirm, follow=True)
    assert "Imported: 1 new, 0 replaced, 0 unchanged." in response.content.decode()
    assert list(FinanceRecord.objects.values_list("area_code", "contributions", "claims")) == [
        ("33.02", 500_000_000, 2_500_000_000)
    ]
    upload.refresh_from_db()
    assert upload.status == "imported"
    again = client.post(confirm, follow=True).content.decode()
    assert "This file has already been imported." in again
    assert FinanceRecord.objects.count() == 1


def test_rows_of_another_regency_are_errors_and_nothing_can_be_confirmed(users):
    client = _client(users["branch_staff"])
    _upload(client, OUT)
    upload = FinanceImport.objects.get()
    page = client.get(
        reverse("admin:finance_financerecord_import_preview", args=[upload.pk])
    ).content.decode()
    assert (
        "Row 3, column kode_wilayah: found “35.23”; expected a regency or province in your area."
        in page
    )
    assert "Confirm the import" not in page
    client.post(reverse("admin:finance_financerecord_import_confirm", args=[upload.pk]))
    assert FinanceRecord.objects.count() == 0


def test_a_refused_file_stays_on_the_upload_page(users):
    response = _upload(_client(users["branch_staff"]), csv_file())
    assert response.status_code == 200
    assert "The file has no data rows." in response.content.decode()
    assert FinanceImport.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 403),
        ("regional_office", 403),
        ("no_role", 403),
        ("village_secretary", 302),  # not staff: the admin's login page
        (None, 302),
    ],
)
def test_roles_that_may_not_import_are_refused(users, role, status):
    client = _client(users[role] if role else None)
    assert client.get(UPLOAD).status_code == status
    assert _upload(client, GOOD).status_code == status
    assert FinanceImport.objects.count() == 0


def test_wrong_methods(users):
    client = _client(users["branch_staff"])
    _upload(client, GOOD)
    pk = FinanceImport.objects.get().pk
    assert client.put(UPLOAD).status_code == 405
    assert (
        client.get(reverse("admin:finance_financerecord_import_confirm", args=[pk])).status_code
        == 405
    )
    assert (
        client.post(reverse("admin:finance_financerecord_import_preview", args=[pk])).status_code
        == 405
    )
    assert FinanceRecord.objects.count() == 0


def test_another_users_upload_is_not_found(users):
    _upload(_client(users["branch_staff"]), GOOD)
    pk = FinanceImport.objects.get().pk
    preview = reverse("admin:finance_financerecord_import_preview", args=[pk])
    confirm = reverse("admin:finance_financerecord_import_confirm", args=[pk])
    assert _client(users["superuser"]).get(preview).status_code == 200  # sees every upload
    second = user_role_set(username="kc2", kind="branch_staff", branch_name="Purwokerto").user
    assert _client(second).get(preview).status_code == 404
    assert _client(second).post(confirm).status_code == 404
    assert FinanceRecord.objects.count() == 0


def test_branch_staff_enter_a_record_of_their_regency_only(users):
    client = _client(users["branch_staff"])
    add = reverse("admin:finance_financerecord_add")
    fields = {
        "year": 2023,
        "group": "SEMUA",
        "program": "SEMUA",
        "contributions": 5,
        "claims": 1,
        "claim_count": "",
    }
    page = client.post(add, {**fields, "area_code": "35.23"}).content.decode()
    assert "Give a regency or province in your area." in page
    assert client.post(add, {**fields, "area_code": "3302"}).status_code == 302
    assert list(FinanceRecord.objects.values_list("area_code", flat=True)) == ["33.02"]


def test_managers_read_the_records_but_do_not_change_them(users):
    record = FinanceRecord.objects.create(
        year=2023, area_code="33.02", group="SEMUA", program="SEMUA", contributions=1, claims=1
    )
    client = _client(users["manager"])
    assert client.get(reverse("admin:finance_financerecord_changelist")).status_code == 200
    change = reverse("admin:finance_financerecord_change", args=[record.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"year": 2024}).status_code == 403


def test_only_head_office_edits_the_rates(users):
    rate = ContributionRate.objects.get(scheme="BPU", program="JKM")
    change = reverse("admin:finance_contributionrate_change", args=[rate.pk])
    for role in ("branch_staff", "manager"):
        client = _client(users[role])
        assert client.get(change).status_code == 200  # read only
        assert client.post(change, {"flat_amount": 1}).status_code == 403
    assert _client(users["head_office"]).get(change).status_code == 200


@pytest.mark.django_db
def test_the_seeded_rates():
    rows = ContributionRate.objects.order_by("scheme", "program", "risk_class").values_list(
        "scheme", "program", "risk_class", "pct", "flat_amount", "minimum", "valid_from"
    )
    shown = [
        (s, p, r, str(pct) if pct is not None else None, f, m, str(d))
        for s, p, r, pct, f, m, d in rows
    ]
    assert shown == [
        ("BPU", "JHT", None, "2.00", None, None, "2015-07-01"),
        ("BPU", "JKK", None, "1.00", None, 10000, "2015-07-01"),
        ("BPU", "JKM", None, None, 6800, None, "2015-07-01"),
        ("PU", "JHT", None, "5.70", None, None, "2015-07-01"),
        ("PU", "JKK", 1, "0.24", None, None, "2015-07-01"),
        ("PU", "JKK", 2, "0.54", None, None, "2015-07-01"),
        ("PU", "JKK", 3, "0.89", None, None, "2015-07-01"),
        ("PU", "JKK", 4, "1.27", None, None, "2015-07-01"),
        ("PU", "JKK", 5, "1.74", None, None, "2015-07-01"),
        ("PU", "JKM", None, "0.30", None, None, "2015-07-01"),
        ("PU", "JP", None, "3.00", None, None, "2015-07-01"),
    ]
