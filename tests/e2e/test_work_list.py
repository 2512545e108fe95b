"""Branch staff open their work list from the dashboard, narrow it to the people whose coverage
is lapsing, and download the call list with the phone numbers."""

import csv

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from enrollment.exports import WORK_STATE_LABELS
from tests.e2e.conftest import KARANGLEWAS, PASSWORD, accessibility_problems, login, t
from tests.factories import BranchOfficeFactory
from villages.models import Person
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e


def test_staff_export_their_call_list(page, roster, live_server):
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    Person.objects.filter(pk=roster["kaur"].person_id).update(phone="081234567890")
    login(page, live_server, "staf.cabang")
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/")

    # From the dashboard to the work list: Sutrisno lapses in 10 days, Romini is in arrears.
    page.get_by_role(
        "link", name=t("Work list: who to call about coverage lapsing, in arrears or ended", "id")
    ).click()
    # Their one regency is chosen for them.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Work list", "id") + ": Kabupaten Banyumas"
    )
    rows = page.locator(".work-list-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Romini")
    expect(rows.nth(1)).to_contain_text("Sutrisno")
    expect(rows.nth(1).get_by_role("link", name="081234567890")).to_have_attribute(
        "href", "tel:081234567890"
    )
    assert accessibility_problems(page) == []
    page.shots("work-list")

    # Only the lapsing ones, in Jatilawang.
    page.get_by_label(t("Show", "id"), exact=True).select_option("lapsing_soon")
    page.get_by_label(t("District", "id"), exact=True).select_option("33.02.03")
    page.get_by_role("button", name=t("Show", "id"), exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sutrisno")
    with translation.override("id"):
        lapsing = str(WORK_STATE_LABELS["lapsing_soon"])
    expect(rows.first.locator(".badge")).to_have_text(lapsing)
    # The village filter now offers Jatilawang's villages.
    expect(page.get_by_label(t("Village", "id"), exact=True)).to_contain_text("Karanglewas")
    assert accessibility_problems(page) == []
    page.shots("lapsing-in-jatilawang")

    # The call list holds what the page shows, with the phone number in full.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    today = timezone.localdate().isoformat()
    assert download.value.suggested_filename == f"daftar-telepon-33.02.03-{today}.csv"
    with open(download.value.path(), encoding="utf-8-sig", newline="") as file:
        lines = list(csv.reader(file))
    assert len(lines) == 2
    assert lines[1][:5] == [KARANGLEWAS, "Karanglewas", "Jatilawang", "Sutrisno", "081234567890"]
    assert lines[1][7] == lapsing
    assert page.errors == []
