"""Branch staff carry the campaign in the browser: they record an outreach event in the admin
(every village of a district, attendance by category), import the residents' registrations
of the days around it through the preview, and read on the campaign page what the event
changed, with the event marked on the chart of daily registrations."""

import csv
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import OutreachEvent, Registration
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import KARANGLEWAS, PASSWORD, login, t
from tests.factories import BranchOfficeFactory
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e

JATILAWANG = "33.02.03"
GUNUNGWETAN = "33.02.03.2001"


def _registrations(path, event_day: dt.date):
    """Before the event: 2 a day in Karanglewas on 3 days (6); from the event day on: 15 a
    day on 4 days in Karanglewas (60) and 5 on the event day in Gunungwetan, at the event."""
    rows = [["tanggal", "kode_desa", "kanal", "jumlah", "kode_agen", "iuran"]]
    for days in (-20, -10, -1):
        day = event_day + dt.timedelta(days=days)
        rows.append([day.strftime("%d/%m/%Y"), KARANGLEWAS, "mandiri", "2", "", ""])
    for days in range(4):
        day = event_day + dt.timedelta(days=days)
        rows.append([day.strftime("%d/%m/%Y"), KARANGLEWAS, "MANDIRI", "15", "", "Rp 252.000"])
    rows.append([event_day.strftime("%d/%m/%Y"), GUNUNGWETAN, "SOSIALISASI", "5", "", ""])
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_staff_record_an_outreach_and_see_what_it_changed(page, roster, live_server, tmp_path):
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    event_day = timezone.localdate() - dt.timedelta(days=10)
    login(page, live_server, "staf.cabang", next_url=reverse("admin:campaign_outreachevent_add"))

    # The event: held at Karanglewas' hall for every village of Kec. Jatilawang.
    page.locator("#id_date").fill(event_day.strftime("%d/%m/%Y"))
    page.locator("#id_title").fill("Sosialisasi Kecamatan Jatilawang")
    page.locator("#id_place_name").fill("Balai Desa Karanglewas")
    page.get_by_role("combobox", name=t("all villages of a district", "id")).click()
    page.locator(".select2-search__field[aria-controls='select2-id_district-results']").fill(
        "Jatilawang"
    )
    page.get_by_role("option", name="Jatilawang", exact=True).click()
    attendance = page.locator("input[name$='-count']")
    attendance.nth(0).fill("40")  # perangkat
    attendance.nth(1).fill("12")  # BPD
    page.get_by_role("button", name=t("Save", "id"), exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    event = OutreachEvent.objects.get()
    assert (event.regency_id, event.villages.count(), event.attendees) == ("33.02", 11, 52)
    assert axe_violations(page) == []

    # The registrations around it, through the import's preview.
    page.goto(live_server.url + reverse("admin:campaign_registration_import"))
    page.get_by_label(t("Registrations file (CSV or XLSX)", "id")).set_input_files(
        _registrations(tmp_path / "pendaftaran.csv", event_day)
    )
    page.get_by_role("button", name=t("Upload and preview", "id")).click()
    expect(page.locator("#import-counts")).to_be_visible()
    assert Registration.objects.count() == 0  # a preview writes nothing
    page.get_by_role("button", name=t("Confirm the import", "id")).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Registration.objects.count() == 8

    # The campaign page of the district: 71 registered, the event with 6 before and 65 after.
    page.goto(f"{live_server.url}/kampanye/{JATILAWANG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jatilawang")
    total = page.locator("#registrations-heading").locator("..").locator("..")
    expect(total).to_contain_text("71")
    row = page.locator("#events-table tbody tr").first
    cells = row.locator("td")
    expect(row).to_contain_text("Sosialisasi Kecamatan Jatilawang")
    expect(cells.nth(1)).to_have_text(event_day.strftime("%d/%m/%Y"))
    expect(cells.nth(-3)).to_have_text("6")
    expect(cells.nth(-2)).to_have_text("65")
    # The chart marks the event by its number, named in its title.
    marker = page.locator("svg .event-marker title")
    expect(marker).to_have_count(1)
    expect(marker).to_have_text(
        "1. " + event_day.strftime("%d/%m/%Y") + " Sosialisasi Kecamatan Jatilawang"
    )
    assert axe_violations(page) == []
    page.shots("campaign")
    assert page.errors == []
