"""The Banyumas manager of the demo finds the ten villages nearest to Desa Sadar and opens the
first: from the dashboard to the whole list, filtered to the villages not yet passing and
sorted by what they still miss, on the server."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from devdata.demo import demo_load
from devdata.demo_data import DEMO_USERS
from enrollment.selectors import NOT_YET, ListQuery, desa_sadar_list
from tests.e2e.conftest import accessibility_problems, login, t
from villages.selectors import area_get
from villages.services import regions_load

pytestmark = pytest.mark.e2e

MANAGER = next(user for user in DEMO_USERS if user.username == "manajer.banyumas")


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_the_manager_finds_the_ten_villages_nearest_to_ready(page, live_server):
    regions_load(province_codes=["35", "36"])  # the demo's other regencies (33 is loaded)
    demo_load()
    login(page, live_server, MANAGER.username, MANAGER.password)
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/")

    # The dashboard's Desa Sadar card, near the top, leads to the whole list.
    card = page.locator("section", has=page.locator("#candidates-heading"))
    card.get_by_role(
        "link", name=t("Every village and what it still misses, nearest to passing first", "id")
    ).click()
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/desa-sadar/")
    page.get_by_label(t("Status", "id")).select_option(NOT_YET)
    page.get_by_role("button", name=t("Show", "id"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/wilayah/33\.02/desa-sadar/\?.*status=not_yet"))

    # Nearest first: the ten first rows are the ten smallest gaps of every village in the
    # regency, not of a first page of 200 by code.
    rows = page.locator("#candidates-table tbody tr")
    expect(rows).to_have_count(50)
    first_ten = [rows.nth(i) for i in range(10)]
    shown = [row.locator("td.num").first.inner_text() for row in first_ten]
    gaps = [_number(text) for text in shown]
    assert gaps == sorted(gaps)
    expected = desa_sadar_list(
        area=area_get(code="33.02"), as_of=timezone.localdate(), query=ListQuery(status=NOT_YET)
    )
    nearest = expected.page.object_list[:10]
    assert [row.locator("th a").inner_text() for row in first_ten] == [
        v.standing.name for v in nearest
    ]
    assert gaps == [v.standing.people_missing for v in nearest]
    assert all(v.standing.people_missing <= 2 for v in nearest)  # the demo has enough near ones
    total = expected.page.paginator.count
    expect(page.locator("#list-count")).to_contain_text(f"{total:,}".replace(",", "."))
    assert accessibility_problems(page) == []
    page.shots("nearest")

    # The first opens on its village page, with its checklist.
    first = nearest[0].standing
    first_ten[0].get_by_role("link", name=first.name).click()
    expect(page).to_have_url(re.compile(rf"/desa/{re.escape(first.code)}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(first.name)
    expect(page.get_by_role("heading", name=t("Desa Sadar checklist", "id"))).to_be_visible()
    page.shots("village")
    assert page.errors == []
