"""Browser tests: Playwright for Python driving Debian's Chromium against `live_server`.

Run them with `pytest -m e2e`. They need the `playwright` package (its bundled driver) and a
Chromium at CHROMIUM_PATH (default /usr/bin/chromium; `apt-get install chromium`);
`playwright install` is never used. Without the package nothing here is collected; without
Chromium the tests are skipped.

live_server tests are transactional: the database is flushed after each one, and the
session-wide region load of tests/conftest.py goes with it. Each test loads the province it
needs (about 1.5 s for Jawa Tengah) and a small roster from the factories; the programs of
migration 0002 come back through serialized rollback.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

try:
    import playwright  # noqa: F401
except ImportError:  # not installed (it comes with the dev extra): nothing to collect here
    collect_ignore_glob = ["test_*.py"]

from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone, translation

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, SCREENSHOTS
from tests.factories import MembershipFactory, PersonFactory, PostFactory
from villages.services import regions_load

PASSWORD = "kata-sandi-uji-123"
KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"
CIRAHAB = "33.02.01.2001"  # Kec. Lumbir, the regency's first district


@pytest.fixture
def e2e_db(django_db_serialized_rollback, live_server):
    """Jawa Tengah (33), reloaded after the previous test's flush."""
    regions_load(province_codes=["33"])
    return live_server


@pytest.fixture
def browser(e2e_db, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # Playwright's sync API keeps an event loop in this thread, and Django refuses ORM calls
    # made while one runs; the test itself sets up data through the ORM between page steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, **options):
    # Indonesian is the default interface: the browser asks for it as a village office would.
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **options)
    context.set_default_timeout(10_000)
    return context


def _page(context, test_name: str):
    """A page that keeps its screenshots helper and the script errors it met (a blocked
    inline script shows up there as a Content-Security-Policy error)."""
    page = context.new_page()
    page.shots = Shots(page, test_name)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            # A 404 answered on purpose (and the missing favicon) is not a script error.
            and not message.text.startswith("Failed to load resource")
            and page.errors.append(message.text)
        ),
    )
    return page


@pytest.fixture
def page(browser, request):
    context = _context(browser, **DESKTOP)
    yield _page(context, request.node.name)
    context.close()


@pytest.fixture
def phone_page(browser, request):
    context = _context(browser, **PHONE)
    yield _page(context, request.node.name)
    context.close()


class Shots:
    """Numbered full-page screenshots in screenshots/<test name>/ (gitignored)."""

    def __init__(self, page, test_name: str):
        self.page = page
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", test_name)
        self.count = 0
        shutil.rmtree(self.folder, ignore_errors=True)

    def __call__(self, step: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def login(page, live_server, username: str, password: str = PASSWORD, next_url: str = "/"):
    """Log in through the form, finding each field by its label (in Indonesian)."""
    page.goto(f"{live_server.url}/login/?next={next_url}")
    form = AuthenticationForm()
    with translation.override("id"):
        username_label, password_label = str(form["username"].label), str(form["password"].label)
    page.get_by_label(username_label, exact=True).fill(username)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=t("Log in", "id"), exact=True).click()


def t(msgid: str, language: str) -> str:
    """What the page shows for `msgid` in `language`, from the catalogue the server uses."""
    with translation.override(language):
        return translation.gettext(msgid)


def covered(person, days: int = 400, programs=("JKK", "JKM")):
    until = timezone.localdate() + dt.timedelta(days=days)
    for code in programs:
        MembershipFactory(person=person, program_id=code, paid_until=until)


@pytest.fixture
def roster(e2e_db):
    """Seven posts in Kab. Banyumas. Karanglewas: Kepala Desa covered, Sekretaris Desa without
    JKM, a Kaur lapsing soon, a BPD member in arrears. Gunung Wetan: a covered Kepala Desa.
    Cirahab (Kec. Lumbir): a covered Kepala Desa and an uncovered Kaur."""
    people = {
        "kades": PostFactory(
            code="KEPALA_DESA", village_id=KARANGLEWAS, person=PersonFactory(name="Wahyu Santoso")
        ),
        "sekdes": PostFactory(
            code="SEKRETARIS_DESA",
            village_id=KARANGLEWAS,
            person=PersonFactory(name="Sri Hartuti", sex="P"),
        ),
        "kaur": PostFactory(
            code="KAUR", village_id=KARANGLEWAS, person=PersonFactory(name="Sutrisno")
        ),
        "bpd": PostFactory(
            code="ANGGOTA_BPD", village_id=KARANGLEWAS, person=PersonFactory(name="Romini", sex="P")
        ),
        "gunungwetan": PostFactory(code="KEPALA_DESA", village_id=GUNUNGWETAN),
        "cirahab": PostFactory(
            code="KEPALA_DESA", village_id=CIRAHAB, person=PersonFactory(district_code="33.02.01")
        ),
        "cirahab_kaur": PostFactory(
            code="KAUR", village_id=CIRAHAB, person=PersonFactory(district_code="33.02.01")
        ),
    }
    covered(people["kades"].person)
    covered(people["sekdes"].person, programs=("JKK",))
    covered(people["kaur"].person, days=10)
    covered(people["bpd"].person, days=-20)
    covered(people["gunungwetan"].person)
    covered(people["cirahab"].person)
    return people


# WCAG 2.1 contrast of every visible text against the first opaque background behind it:
# 4.5:1, or 3:1 for large text (24px, or 18.66px bold). Returns the failures.
CONTRAST_JS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (s.visibility === "hidden" || box.width < 2 || box.height < 2 ||
        el.closest("[aria-hidden=true], .sr-only, .skip-link, option, canvas")) continue;
    const fg = lum(rgb(s.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(
      `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ` +
      `${s.color} ${ratio.toFixed(2)}:1`);
  }
  return failures;
}"""


def low_contrast(page) -> list[str]:
    """Texts on the page below the WCAG AA contrast ratio."""
    return page.evaluate(CONTRAST_JS)


# Form controls that a screen reader would announce without a name.
UNLABELLED_JS = """() => [...document.querySelectorAll("input, select, textarea, button")]
  .filter((el) => el.type !== "hidden" && !el.closest("[hidden]"))
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby") && !el.title
    && !((el.tagName === "BUTTON" || ["submit", "button"].includes(el.type))
         && (el.textContent.trim() || el.value)))
  .map((el) => el.outerHTML.slice(0, 80))"""


def unlabelled(page) -> list[str]:
    """Controls on the page without an accessible name."""
    return page.evaluate(UNLABELLED_JS)


def accessibility_problems(page) -> list[str]:
    """Low contrast and unlabelled controls on the page as it stands."""
    return low_contrast(page) + unlabelled(page)
