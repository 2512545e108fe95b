"""A village secretary, on a phone, checks their own village and nothing else."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from enrollment.exports import ROSTER_STATUS_LABELS
from tests.e2e.conftest import GUNUNGWETAN, KARANGLEWAS, PASSWORD, accessibility_problems, login, t
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e


def test_it_shows_the_checklist_and_who_blocks_it_on_a_phone(phone_page, roster, live_server):
    page = phone_page
    user_role_set(
        username="sekdes.karanglewas",
        kind="village_secretary",
        area_codes=[KARANGLEWAS],
        password=PASSWORD,
    )
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    assert accessibility_problems(page) == []
    page.shots("login")
    login(page, live_server, "sekdes.karanglewas")

    # Their start page is their own village.
    expect(page).to_have_url(f"{live_server.url}/desa/{KARANGLEWAS}/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Karanglewas")
    assert accessibility_problems(page) == []
    page.shots("village")

    checklist = page.locator("#desa-sadar-heading").locator("..")
    expect(checklist.get_by_role("heading", name=t("Desa Sadar checklist", "id"))).to_be_visible()
    expect(checklist.locator(".check-fail").first).to_be_visible()
    # The people holding the village back are named in the checklist.
    blocking = checklist.locator(".blocking")
    expect(blocking.filter(has_text="Sri Hartuti").first).to_be_visible()
    expect(blocking).not_to_contain_text("Wahyu Santoso")
    # The roster marks the member of the BPD whose protection ended.
    romini = page.locator(".roster-table tbody tr", has_text="Romini")
    with translation.override("id"):
        label = str(ROSTER_STATUS_LABELS["in_arrears"])
    expect(romini.locator(".badge")).to_have_text(label)

    # The roster fits the phone: the page itself never scrolls sideways.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.get_by_role("heading", name=t("Roster", "id")).scroll_into_view_if_needed()
    page.shots("roster")

    # On paper (for the village meeting) the page keeps the checklist and drops the controls.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".as-of-form .field")).to_be_hidden()
    expect(checklist).to_be_visible()
    page.shots("print")
    page.emulate_media(media="screen")

    # Another village, even next door, is "not found" — not "forbidden".
    response = page.goto(f"{live_server.url}/desa/{GUNUNGWETAN}/")
    assert response.status == 404
    # In Indonesian, the interface's language: "Halaman tidak ditemukan".
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Page not found", "id"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("tidak ditemukan")
    expect(page.get_by_role("link", name=t("Go to your start page", "id"))).to_be_visible()
    assert accessibility_problems(page) == []
    page.shots("other-village-404")
    assert page.errors == []


def _status_label(status: str) -> str:
    with translation.override("id"):
        return str(ROSTER_STATUS_LABELS[status])


def test_on_a_phone_the_secretary_finds_who_has_lapsed_card_by_card(
    phone_page, roster, live_server
):
    page = phone_page
    user_role_set(
        username="sekdes.karanglewas",
        kind="village_secretary",
        area_codes=[KARANGLEWAS],
        password=PASSWORD,
    )
    login(page, live_server, "sekdes.karanglewas")
    expect(page.get_by_role("heading", level=1)).to_have_text("Karanglewas")

    # Each person is a card: name, post, the status in words, programs and paid until.
    cards = page.locator(".roster-table tbody tr")
    expect(cards).to_have_count(4)
    statuses = {
        card.locator(".person-name").inner_text(): card.locator(".badge").inner_text()
        for card in cards.all()
    }
    assert statuses == {
        "Wahyu Santoso": _status_label("covered"),
        "Sri Hartuti": _status_label("not_covered"),
        "Sutrisno": _status_label("lapsing_soon"),
        "Romini": _status_label("in_arrears"),
    }
    # Who has lapsed: her card says so in words, with the day her protection was paid to.
    lapsed = [name for name, status in statuses.items() if status == _status_label("in_arrears")]
    assert lapsed == ["Romini"]
    romini = cards.filter(has_text="Romini")
    romini.scroll_into_view_if_needed()
    paid_until = (timezone.localdate() - dt.timedelta(days=20)).strftime("%d/%m/%Y")
    expect(romini.locator("td.date")).to_have_text(paid_until)
    expect(romini.locator(".person-post")).to_have_text(t("BPD member (Anggota BPD)", "id"))
    # Every cell of the card is on screen: nothing hides to the right.
    for cell in [romini, *romini.locator("th, td").all()]:
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Each program's state and paid-until say what they are (their labels, before the value).
    labels = romini.locator("td[data-label]").evaluate_all(
        "cells => cells.map((c) => getComputedStyle(c, '::before').content)"
    )
    assert labels == [
        '"NIK: "',
        '"JKK "',
        '"JKM "',
        '"JHT "',
        '"JP "',
        '"JKP "',
        f'"{t("Paid until", "id")}: "',
    ]
    # The page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert accessibility_problems(page) == []
    page.shots("roster-cards")
    assert page.errors == []
