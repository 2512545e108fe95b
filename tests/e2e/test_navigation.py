"""The header takes each role to its work: branch staff go between the dashboards and the
admin by its menu; on a phone the menu folds behind a button."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import KARANGLEWAS, PASSWORD, login, t
from tests.factories import BranchOfficeFactory
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e


def _menu(page):
    return page.get_by_role("navigation", name=t("Main menu", "id"))


def test_branch_staff_go_between_the_dashboards_and_the_admin(page, roster, live_server):
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    login(page, live_server, "staf.cabang")
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/")
    dashboards = _menu(page).get_by_role("link", name=t("Dashboards", "id"))
    expect(dashboards).to_have_attribute("aria-current", "page")

    _menu(page).get_by_role("link", name=t("Import a roster", "id")).click()
    expect(page).to_have_url(live_server.url + reverse("admin:enrollment_importrecord_upload"))
    _menu(page).get_by_role("link", name=t("Find a person", "id")).click()
    expect(page).to_have_url(live_server.url + reverse("admin:villages_person_changelist"))
    expect(_menu(page).get_by_role("link", name=t("Find a person", "id"))).to_have_attribute(
        "aria-current", "page"
    )
    # And back from the admin to the dashboards.
    _menu(page).get_by_role("link", name=t("Dashboards", "id")).click()
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/")
    # The language menu names English in English.
    expect(page.locator("#language-select option[value=en]")).to_have_text("English")
    assert page.errors == []


def test_on_a_phone_the_menu_folds_behind_its_button(phone_page, roster, live_server):
    page = phone_page
    user_role_set(
        username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS], password=PASSWORD
    )
    login(page, live_server, "sekdes")
    button = page.get_by_role("button", name=t("Menu", "id"))
    my_village = page.get_by_role("link", name=t("My village", "id"))
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(my_village).to_be_hidden()
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 80  # the brand and the button, one row

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(my_village).to_be_visible()
    expect(page.get_by_role("button", name=t("Log out", "id"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.shots("menu-open")

    button.click()
    expect(my_village).to_be_hidden()
    assert page.errors == []


def test_on_a_phone_the_admin_keeps_its_menu_in_view(phone_page, roster, live_server):
    page = phone_page
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    login(page, live_server, "staf.cabang", next_url=reverse("admin:index"))
    for name in ("Dashboards", "Import a roster", "Admin"):
        link = _menu(page).get_by_role("link", name=t(name, "id"))
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/wilayah/33.02/desa-sadar/",
        "/daftar-kerja/",
        "/kampanye/33.02/",
        "/anggaran/33.02.03.2003/",
    ],
)
def test_on_a_phone_the_lists_of_work_scroll_only_downwards(phone_page, roster, live_server, path):
    """The Desa Sadar list and the work list at 390 px: the page itself never scrolls
    sideways (a wide table scrolls inside its own box), and the filters' controls fit."""
    page = phone_page
    BranchOfficeFactory(name="Purwokerto").regencies.add("33.02")
    user_role_set(
        username="staf.cabang", kind="branch_staff", branch_name="Purwokerto", password=PASSWORD
    )
    login(page, live_server, "staf.cabang", next_url=path)
    expect(page).to_have_url(f"{live_server.url}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    controls = page.locator("main form select, main form input:visible, main form button")
    assert controls.count() > 0
    for index in range(controls.count()):
        box = controls.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, index
    assert page.errors == []
