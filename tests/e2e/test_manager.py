"""A regency manager drills down from the regency to a village and downloads a table."""

import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import KARANGLEWAS, PASSWORD, accessibility_problems, login, t
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e


def _manager():
    user_role_set(username="manajer", kind="manager", area_codes=["33.02"], password=PASSWORD)


def _cell_int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_it_drills_down_and_downloads_the_figures_it_shows(page, roster, live_server, tmp_path):
    _manager()
    login(page, live_server, "manajer")

    # The start page is the manager's regency, with a row per district.
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Banyumas")
    children = page.locator("#children-table")
    jatilawang = children.locator("tbody tr", has=page.get_by_role("link", name="Jatilawang"))
    shown_posts = _cell_int(jatilawang.locator("td.num").nth(0).inner_text())
    shown_covered = _cell_int(jatilawang.locator("td.num").nth(1).inner_text())
    assert (shown_posts, shown_covered) == (5, 3)
    # Indonesian formats: a decimal comma in the percentages, the day first in dates.
    expect(jatilawang.locator("td.num").nth(2)).to_have_text("60,00 %")
    expect(page.locator(".as-of-note")).to_contain_text(timezone.localdate().strftime("%d/%m/%Y"))
    assert accessibility_problems(page) == []
    page.shots("regency")

    # The XLSX of the same table holds the same figures.
    section = page.locator("section", has=page.locator("#children-heading"))
    with page.expect_download() as info:
        section.get_by_role("link", name="XLSX").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "33.02.03")
    assert (row[1], row[2], row[3]) == ("Jatilawang", shown_posts, shown_covered)

    # Regency → district → village, by clicking names.
    jatilawang.get_by_role("link", name="Jatilawang").click()
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02.03/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jatilawang")
    page.shots("district")
    page.locator("#children-table").get_by_role("link", name="Karanglewas").click()
    expect(page).to_have_url(f"{live_server.url}/desa/{KARANGLEWAS}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Karanglewas")
    expect(page.get_by_role("heading", name=t("Desa Sadar checklist", "id"))).to_be_visible()
    # The breadcrumbs lead back up.
    crumbs = page.get_by_role("navigation", name=t("Breadcrumbs", "id"))
    expect(crumbs.get_by_role("link", name="Jatilawang")).to_be_visible()
    page.shots("village")
    assert page.errors == []
