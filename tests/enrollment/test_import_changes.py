"""What an import changes, shown before and after it is written: the preview's paged list of
changes (person, field, old → new), and each changed record's history in the admin under the
import's reference, in Indonesian."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from enrollment.imports.changes import ChangeLog, change_page, change_rows
from enrollment.imports.engine import imports_expire, roster_import
from enrollment.imports.writes import load_file
from enrollment.models import ImportRecord, Membership
from tests.factories import BranchOfficeFactory, MembershipFactory, PersonFactory, PostFactory
from tests.fixtures.roster.build import KEDIRI, csv_bytes, nik, row
from villages.models import AccessLog, Person, Post, Regency
from villages.roles import user_role_set

pytestmark = pytest.mark.django_db

OLD_KPJ, NEW_KPJ = "11111111111", "22222222222"


@pytest.fixture(autouse=True)
def english():
    """Labels are asserted in English, the msgids, unless a test asks for Indonesian."""
    with translation.override("en"):
        yield


def url(name: str, *args) -> str:
    return reverse(f"admin:enrollment_importrecord_{name}", args=args)


def login(client, user, language: str = "en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.fixture
def staff_user(db):
    """A Banyumas branch officer: sees full NIKs."""
    BranchOfficeFactory(name="Purwokerto").regencies.set(Regency.objects.filter(code="33.02"))
    return user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user


@pytest.fixture
def head_office_user(db):
    """Head office: may import anywhere, sees NIK and KPJ numbers masked."""
    return user_role_set(username="pusat", kind="head_office").user


@pytest.fixture
def stored(db):
    """Desa Kediri as loaded without history (as the demo and bulk loads are): Warga Satu, a
    Kaur with JKK and JKM paid to 30/06/2026, and Kepala Lama, its Kepala Desa since 2019."""
    satu = PersonFactory(nik=nik(1), name="Warga Satu")
    PostFactory(person=satu, village_id=KEDIRI, code="KAUR", term_start=dt.date(2022, 1, 1))
    for program in ("JKK", "JKM"):
        MembershipFactory(person=satu, program_id=program, paid_until=dt.date(2026, 6, 30),
                          kpj_number=OLD_KPJ)  # fmt: skip
    lama = PersonFactory(nik=nik(9), name="Kepala Lama")
    PostFactory(person=lama, village_id=KEDIRI, code="KEPALA_DESA", term_start=dt.date(2019, 1, 1))
    for model in (Person, Post, Membership):
        model.history.all().delete()
    return {"satu": satu, "lama": lama}


# Warga Satu's name, paid-until date and KPJ change; Warga Dua takes the Kepala Desa's post.
ROWS = [
    row(nama="Warga Satu Baru", iuran_sampai="2026-12-31", nomor_kpj=NEW_KPJ),
    row(nik=nik(2), nama="Warga Dua", jabatan="KEPALA_DESA", mulai_menjabat="2024-06-01"),
]
KEPALA_DESA = [KEDIRI, "KEPALA_DESA", ""]
RAW = [
    [2, nik(1), "Warga Satu Baru", "person", "name", "", "Warga Satu", "Warga Satu Baru"],
    [2, nik(1), "Warga Satu Baru", "membership", "kpj_number", "JKK JKM", OLD_KPJ, NEW_KPJ],
    [2, nik(1), "Warga Satu Baru", "membership", "paid_until", "JKK JKM", "2026-06-30",
     "2026-12-31"],
    [3, nik(2), "Warga Dua", "new_post", "", KEPALA_DESA, None, ["2024-06-01", None]],
    [3, nik(9), "Kepala Lama", "replaced", "term_end", KEPALA_DESA, None, "2024-05-31"],
    [3, nik(2), "Warga Dua", "new_memberships", "paid_until", "JKK JKM", None, "2026-12-31"],
]  # fmt: skip


def preview(client, data: bytes) -> ImportRecord:
    buffer = io.BytesIO(data)
    buffer.name = "roster.csv"
    response = client.post(url("upload"), {"file": buffer})
    assert response.status_code == 302
    return ImportRecord.objects.latest("pk")


def shown(response) -> list[tuple]:
    return [
        (c.row, c.name, c.nik, c.kind, c.what, c.field, c.old, c.new)
        for c in response.context["changes"]
    ]


# --- The list of changes ----------------------------------------------------------------------


def test_the_plan_lists_each_change_field_by_field(stored):
    result = roster_import(data=csv_bytes(ROWS), file_name="roster.csv", dry_run=True)

    assert result.plan is not None
    changes = result.plan.changes
    assert (changes.count, changes.kept) == (6, 6)
    assert change_page(changes.blob(), 0, 100) == RAW


def test_the_preview_shows_the_changes_labelled_and_stores_them_on_the_record(
    client, stored, staff_user
):
    record = preview(login(client, staff_user), csv_bytes(ROWS))

    assert change_page(load_file(record, "changes"), 0, 100) == RAW
    response = client.get(url("report", record.pk))
    assert response.status_code == 200
    kepala_desa = "Kepala Desa 33.02.18.2001"
    assert shown(response) == [
        (2, "Warga Satu Baru", nik(1), "person", "", "Name", "Warga Satu", "Warga Satu Baru"),
        (2, "Warga Satu Baru", nik(1), "membership", "JKK, JKM", "KPJ number", OLD_KPJ, NEW_KPJ),
        (2, "Warga Satu Baru", nik(1), "membership", "JKK, JKM", "Paid until", "30/06/2026",
         "31/12/2026"),
        (3, "Warga Dua", nik(2), "new post", kepala_desa, "Term", "—", "01/06/2024 – —"),
        (3, "Kepala Lama", nik(9), "replaced in post", kepala_desa, "Term end", "—",
         "31/05/2024"),
        (3, "Warga Dua", nik(2), "new membership", "JKK, JKM", "Paid until", "—", "31/12/2026"),
    ]  # fmt: skip
    assert response.context["changes_total"] == 6
    assert response.context["changes_cut"] is False


def test_the_changes_show_in_indonesian(client, stored, staff_user):
    record = preview(login(client, staff_user, "id"), csv_bytes(ROWS))

    response = client.get(url("report", record.pk))

    html = response.content.decode()
    assert "Yang akan diubah impor ini" in html
    assert "6 perubahan, orang demi orang menurut urutan baris berkas." in html
    assert [(c.kind, c.field, c.old, c.new) for c in response.context["changes"]][2:4] == [
        ("kepesertaan", "Iuran sampai", "30/06/2026", "31/12/2026"),
        ("jabatan baru", "Masa jabatan", "—", "01/06/2024 – —"),
    ]


def test_nik_and_kpj_are_masked_for_a_user_without_full_identifiers(
    client, stored, staff_user, head_office_user
):
    record = preview(login(client, staff_user), csv_bytes(ROWS))
    login(client, head_office_user)  # head office sees every import

    response = client.get(url("report", record.pk))

    rows = shown(response)
    assert [r[2] for r in rows] == ["330218******0001"] * 3 + ["330218******0002",
                                                               "330218******0009",
                                                               "330218******0002"]  # fmt: skip
    assert rows[1][6:] == ("*******1111", "*******2222")
    assert NEW_KPJ not in response.content.decode()
    assert nik(1) not in response.content.decode()


def test_the_changes_are_paged_fifty_at_a_time(client, staff_user):
    rows = [row(nik=nik(n), nama=f"Warga {n}", jabatan="LINMAS", unit=f"RT {n}")
            for n in range(1, 61)]  # fmt: skip
    record = preview(login(client, staff_user), csv_bytes(rows))

    first = client.get(url("report", record.pk))
    second = client.get(url("report", record.pk), {"page": "2"})

    # Each new person: a new post and new memberships, two changes.
    assert first.context["changes_total"] == 120
    assert [r[:2] for r in shown(first)][:3] == [(2, "Warga 1"), (2, "Warga 1"), (3, "Warga 2")]
    assert len(shown(first)) == 50
    assert [r[:2] for r in shown(second)][:2] == [(27, "Warga 26"), (27, "Warga 26")]
    assert (second.context["changes"].number, len(shown(second))) == (2, 50)
    assert 'href="?page=3#changes"' in second.content.decode()


@pytest.mark.parametrize(("page", "number"), [("abc", 1), ("0", 1), ("-1", 1), ("99", 3),
                                              ("2.5", 1), ("", 1)])  # fmt: skip
def test_a_page_that_is_not_one_gives_the_first_or_the_last(client, staff_user, page, number):
    rows = [row(nik=nik(n), nama=f"Warga {n}", jabatan="LINMAS", unit=f"RT {n}")
            for n in range(1, 61)]  # fmt: skip
    record = preview(login(client, staff_user), csv_bytes(rows))

    response = client.get(url("report", record.pk), {"page": page})

    assert response.status_code == 200
    assert response.context["changes"].number == number


def test_the_list_keeps_the_first_changes_and_counts_them_all():
    log = ChangeLog(limit=2)
    for n in range(5):
        log.add(n, nik(n), f"Warga {n}", "person", "name", "", "A", "B")

    assert (log.count, log.kept) == (5, 2)
    assert [line[0] for line in change_page(log.blob(), 0, 10)] == [0, 1]
    assert change_page(ChangeLog().blob(), 0, 10) == []


def test_a_long_list_is_read_back_whole(stored):
    """Pages past the first slice of compressed bytes read back as they were written."""
    log = ChangeLog()
    for n in range(20_000):
        log.add(n, f"{n:016d}", f"Warga {n}", "post", "term_end", KEPALA_DESA,
                dt.date(2020, 1, 1) + dt.timedelta(days=n % 3000), None)  # fmt: skip

    blob = log.blob()
    page = change_page(blob, 19_990, 20_000)
    assert len(blob) > 64 * 1024
    assert [line[0] for line in page] == list(range(19_990, 20_000))
    assert change_rows(page[:1], full_identifiers=False)[0].old == "13/06/2025"


def test_an_import_with_no_changes_lists_none(client, stored, staff_user):
    login(client, staff_user)
    unchanged = row(nama="Warga Satu", iuran_sampai="2026-06-30", nomor_kpj=OLD_KPJ)

    record = preview(client, csv_bytes([unchanged]))

    response = client.get(url("report", record.pk))
    assert shown(response) == []
    assert 'id="import-changes"' not in response.content.decode()


def test_an_expired_preview_drops_its_changes(client, stored, staff_user):
    record = preview(login(client, staff_user), csv_bytes(ROWS))
    ImportRecord.objects.filter(pk=record.pk).update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )

    assert imports_expire() == 1
    assert load_file(record, "changes") == b""


# --- Who may see the list ---------------------------------------------------------------------


def test_another_branchs_officer_gets_404(client, stored, staff_user):
    record = preview(login(client, staff_user), csv_bytes(ROWS))
    BranchOfficeFactory(name="Tuban").regencies.set(Regency.objects.filter(code="35.23"))
    tuban = user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user
    login(client, tuban)

    assert client.get(url("report", record.pk), {"page": "2"}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, stored, staff_user):
    record = preview(login(client, staff_user), csv_bytes(ROWS))
    client.logout()

    response = client.get(url("report", record.pk), {"page": "2"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_report_takes_only_get(client, stored, staff_user):
    record = preview(login(client, staff_user), csv_bytes(ROWS))

    assert client.post(url("report", record.pk), {"page": "2"}).status_code == 405


def test_full_nik_rows_shown_are_logged(client, stored, staff_user, head_office_user):
    record = preview(login(client, staff_user), csv_bytes(ROWS))
    client.get(url("report", record.pk))
    login(client, head_office_user)
    client.get(url("report", record.pk))

    what = f"import report {record.reference}: roster.csv"
    assert list(AccessLog.objects.order_by("pk").values_list("user__username", "rows", "what")) == [
        ("staf", 6, what),  # the six changes, with full NIKs and KPJ numbers
        ("pusat", 0, what),  # masked: no error rows either
    ]


# --- History after confirming -----------------------------------------------------------------


@pytest.fixture
def confirmed(client, stored, staff_user) -> ImportRecord:
    record = preview(login(client, staff_user), csv_bytes(ROWS))
    response = client.post(url("confirm", record.pk))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "imported"
    return record


def test_each_changed_record_keeps_history_under_the_import_and_user(confirmed, stored):
    reason = f"Impor {confirmed.reference}: roster.csv"
    before = f"Keadaan tersimpan sebelum impor {confirmed.reference}"
    satu, lama = stored["satu"], stored["lama"]

    assert list(
        Person.history.filter(id=satu.pk).values_list(
            "name", "history_type", "history_change_reason", "history_user__username"
        )
    ) == [("Warga Satu Baru", "~", reason, "staf"), ("Warga Satu", "~", before, None)]
    lama_post = Post.objects.get(person=lama)
    assert list(
        Post.history.filter(id=lama_post.pk).values_list(
            "term_end", "history_change_reason", "history_user__username"
        )
    ) == [(dt.date(2024, 5, 31), reason, "staf"), (None, before, None)]
    jkk = Membership.objects.get(person=satu, program_id="JKK")
    assert list(
        Membership.history.filter(id=jkk.pk).values_list(
            "paid_until", "history_change_reason", "history_user__username"
        )
    ) == [(dt.date(2026, 12, 31), reason, "staf"), (dt.date(2026, 6, 30), before, None)]
    new_post = Post.objects.get(person__nik=nik(2))
    assert list(
        Post.history.filter(id=new_post.pk).values_list(
            "history_type", "history_change_reason", "history_user__username"
        )
    ) == [("+", reason, "staf")]


def test_a_record_with_history_gets_no_second_baseline(client, stored, staff_user, confirmed):
    again = [row(nama="Warga Satu Lagi", iuran_sampai="2027-12-31", nomor_kpj=NEW_KPJ)]
    record = preview(client, csv_bytes(again))
    client.post(url("confirm", record.pk))

    reasons = Person.history.filter(id=stored["satu"].pk).values_list(
        "history_change_reason", flat=True
    )
    assert list(reasons) == [
        f"Impor {record.reference}: roster.csv",
        f"Impor {confirmed.reference}: roster.csv",
        f"Keadaan tersimpan sebelum impor {confirmed.reference}",
    ]


def history_url(model, pk: int) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[pk])


def test_the_history_pages_show_the_change_in_indonesian(client, confirmed, stored, staff_user):
    login(client, staff_user, "id")
    satu = stored["satu"]
    jkk = Membership.objects.get(person=satu, program_id="JKK")
    lama_post = Post.objects.get(person=stored["lama"])

    person = client.get(history_url(Person, satu.pk))
    membership = client.get(history_url(Membership, jkk.pk))
    post = client.get(history_url(Post, lama_post.pk))

    for response in (person, membership, post):
        html = response.content.decode()
        assert response.status_code == 200
        assert ">Perubahan</th>" in html
        assert "Changes" not in html
        assert f"Impor {confirmed.reference}: roster.csv" in html
        # The stored state before the import: written by no user.
        assert f"Keadaan tersimpan sebelum impor {confirmed.reference}" in html
        assert re.search(r"<td>\s*Tidak ada\s*</td>", html)
    (latest, _baseline) = person.context["page_obj"]
    assert latest.history_delta_changes == [
        {"field": "Nama", "old": "Warga Satu", "new": "Warga Satu Baru"}
    ]
    (latest, _baseline) = membership.context["page_obj"]
    assert latest.history_delta_changes == [
        {"field": "Nomor KPJ", "old": OLD_KPJ, "new": NEW_KPJ},
        {"field": "Iuran sampai", "old": "30/06/2026", "new": "31/12/2026"},
        {"field": "Terakhir diverifikasi pada", "old": "—", "new": _today()},
        {"field": "Diverifikasi melalui", "old": "—", "new": "Impor daftar nama"},
    ]
    (latest, _baseline) = post.context["page_obj"]
    assert latest.history_delta_changes == [
        {"field": "Akhir masa jabatan", "old": "—", "new": "31/05/2024"}
    ]


def _today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def test_the_history_masks_identifiers_for_a_user_without_full_rights(
    client, confirmed, stored, head_office_user
):
    login(client, head_office_user, "id")
    jkk = Membership.objects.get(person=stored["satu"], program_id="JKK")

    response = client.get(history_url(Membership, jkk.pk))

    (latest, _baseline) = response.context["page_obj"]
    assert latest.history_delta_changes[0] == {
        "field": "Nomor KPJ",
        "old": "*******1111",
        "new": "*******2222",
    }
    assert NEW_KPJ not in response.content.decode()
