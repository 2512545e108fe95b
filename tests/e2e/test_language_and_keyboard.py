"""Language switch, skip link and keyboard focus on the dashboard."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, accessibility_problems, login, t
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e

# What a visible focus ring looks like in static/css/app.css.
FOCUS_STYLE = """() => {
  const s = getComputedStyle(document.activeElement);
  return {outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
          shadow: s.boxShadow !== "none"};
}"""


@pytest.fixture
def manager(roster):
    user_role_set(username="manajer", kind="manager", area_codes=["33.02"], password=PASSWORD)


def _switch(page, language: str, button: str):
    page.get_by_role("combobox", name=t("Language", button)).select_option(language)
    page.get_by_role("button", name=t("Change", button), exact=True).click()


def test_it_switches_to_english_and_back(page, manager, live_server):
    login(page, live_server, "manajer")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    heading = page.locator("#categories-heading")
    expect(heading).to_have_text(t("Coverage by category", "id"))

    _switch(page, "en", button="id")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02/")  # stays on the same page
    expect(heading).to_have_text("Coverage by category")
    assert accessibility_problems(page) == []
    page.shots("english")

    _switch(page, "id", button="en")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(heading).to_have_text(t("Coverage by category", "id"))
    assert page.errors == []


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_keyboard_reaches_the_date_and_the_table_links(page, manager, live_server):
    login(page, live_server, "manajer", next_url="/wilayah/33.02/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Banyumas")

    # The first Tab shows the skip link; Enter takes focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=t("Skip to content", "id"))
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    page.shots("skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The as-of date field: labelled, reachable, with a visible focus ring.
    _tab_to(page, "#id_as_of")
    expect(page.get_by_label(t("Figures as of", "id"))).to_be_focused()
    assert page.evaluate(FOCUS_STYLE) == {"outline": True, "shadow": True}
    page.shots("date-focused")

    # On to the district links in the children table.
    _tab_to(page, "#children-table tbody a")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Lumbir"
    assert page.evaluate(FOCUS_STYLE) == {"outline": True, "shadow": True}
    page.shots("table-link-focused")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/wilayah/33.02.01/")
    assert page.errors == []
