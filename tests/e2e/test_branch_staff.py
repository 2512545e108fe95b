"""Branch staff import a roster in the admin: upload, read the preview and its errors,
confirm, and find the imported people."""

import csv
import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.models import Declaration
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import KARANGLEWAS, PASSWORD, accessibility_problems, login, t
from tests.factories import BranchOfficeFactory, make_nik
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e

HEADER = [
    "kode_desa", "nik", "nama", "jenis_kelamin", "jabatan", "unit", "mulai_menjabat",
    "akhir_menjabat", "nomor_kpj", "kategori_peserta", "program", "tanggal_daftar",
    "iuran_sampai", "sumber_iuran",
]  # fmt: skip


def _roster(path):
    """Two good rows for Karanglewas and one whose NIK is a digit short (row 4)."""
    paid = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    kadus = make_nik("33.02.03", dt.date(1979, 3, 14), "L", 701)
    kasi = make_nik("33.02.03", dt.date(1988, 8, 2), "P", 702)
    rows = [
        [KARANGLEWAS, kadus, "Slamet Widodo", "L", "Kepala Dusun", "Dusun I", "2023-01-02",
         "", "", "BPU", "JKK,JKM", "2023-02-01", paid, "APBDES"],
        [KARANGLEWAS, kasi, "Tri Wulandari", "P", "Kepala Seksi", "Pemerintahan", "2021-05-03",
         "", "", "BPU", "JKK,JKM", "2021-06-01", paid, "APBDES"],
        [KARANGLEWAS, "330203140379070", "Budi Pekerti", "L", "Kepala Seksi", "Pelayanan",
         "2021-05-03", "", "", "BPU", "JKK,JKM", "2021-06-01", paid, "APBDES"],
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def test_it_imports_a_roster_through_the_preview(page, roster, live_server, tmp_path):
    try:
        upload_url = reverse("admin:enrollment_importrecord_upload")
    except NoReverseMatch:
        pytest.skip("roster import admin not present")
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    login(page, live_server, "staf.cabang", next_url=upload_url)
    expect(page).to_have_url(live_server.url + upload_url)
    expect(page.locator("#site-name")).to_contain_text("bpjs-desa")
    page.shots("upload")

    page.get_by_label(t("Roster file (CSV or XLSX)", "id")).set_input_files(
        _roster(tmp_path / "roster-karanglewas.csv")
    )
    page.get_by_label(t("Skip invalid rows", "id")).check()
    page.get_by_role("button", name=t("Upload and preview", "id")).click()

    # The preview: counts, and the bad row named with its column.
    counts = page.locator("#import-counts tbody td")
    expect(counts.nth(0)).to_have_text("3")  # rows
    expect(counts.nth(4)).to_have_text("1")  # invalid
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("4")
    expect(errors.first).to_contain_text("nik")
    assert accessibility_problems(page) == []
    page.shots("preview")

    page.get_by_role("button", name=t("Confirm the import", "id")).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.shots("confirmed")

    # The people are in the admin, and on the village page.
    page.goto(live_server.url + reverse("admin:villages_person_changelist"))
    page.locator("#searchbar").fill("Wulandari")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list")).to_contain_text("Tri Wulandari")
    page.shots("person-found")
    page.goto(f"{live_server.url}/desa/{KARANGLEWAS}/")
    roster_table = page.locator(".roster")
    expect(roster_table).to_contain_text("Slamet Widodo")
    expect(roster_table).to_contain_text("Tri Wulandari")
    expect(roster_table).not_to_contain_text("Budi Pekerti")
    page.shots("village")
    assert page.errors == []


def test_declaring_a_village_that_fails_its_rules_needs_a_confirmation(page, roster, live_server):
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    login(page, live_server, "staf.cabang")
    # From the header's menu to the declarations, and to a new one.
    page.get_by_role("navigation", name=t("Main menu", "id")).get_by_role(
        "link", name=t("Declarations", "id")
    ).click()
    expect(page).to_have_url(live_server.url + reverse("admin:enrollment_declaration_changelist"))
    page.goto(live_server.url + reverse("admin:enrollment_declaration_add"))

    # The village through its autocomplete, today's date, who signed.
    page.get_by_role("combobox", name=t("village", "id")).click()
    page.locator(".select2-search__field").fill("Karanglewas")
    page.get_by_role("option", name=f"Karanglewas ({KARANGLEWAS})").click()
    today = timezone.localdate()
    page.get_by_label(t("declared on", "id")).fill(today.strftime("%d/%m/%Y"))
    page.get_by_label(t("declared by", "id")).fill("Kepala KC Purwokerto")
    save = page.get_by_role("button", name=t("Save", "id"), exact=True)
    save.click()

    # Refused: the form lists the criterion Karanglewas fails (its Sekretaris Desa has no JKM).
    errors = page.locator(".field-confirm_ineligible .errorlist li")
    expect(errors).to_have_text(
        [
            f"Karanglewas belum memenuhi aturan “Default {today.year}” pada {today:%d/%m/%Y}:",
            "Semua perangkat desa terlindungi: 2 dari 3 terlindungi",
            "Centang kotak ini untuk tetap mencanangkannya: pencanangan lalu dicatat sebagai "
            "dibuat ketika kriteria ini belum terpenuhi.",
        ]
    )
    assert Declaration.objects.count() == 0
    assert axe_violations(page) == []
    page.shots("refused")

    page.get_by_label(t(CONFIRM_LABEL, "id")).check()
    save.click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    declaration = Declaration.objects.get()
    assert (
        declaration.village_id,
        declaration.eligible_when_declared,
        declaration.failed_criteria,
    ) == (KARANGLEWAS, False, "Semua perangkat desa terlindungi: 2 dari 3 terlindungi")
    page.shots("declared")
    assert page.errors == []


CONFIRM_LABEL = (
    "I understand this village does not yet meet the Desa Sadar criteria, and declare it anyway"
)
