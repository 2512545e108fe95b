"""Take the README's screenshots (docs/screenshots/*.png) from a running demo server.

    make run            # in one terminal: regions, the demo, http://127.0.0.1:8000
    .venv/bin/python -m tests.e2e.screenshots [http://127.0.0.1:8000]

Logs in with the demo logins (devdata/demo_data.py) and, for the import preview, uploads
tests/fixtures/roster/roster-example.csv without confirming it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
ROSTER = ROOT / "tests" / "fixtures" / "roster" / "roster-example.csv"
LOGINS = {
    "manajer.banyumas": "Baturraden-Sejuk-4260",
    "sekdes.karanglewas": "Gethuk-Goreng-3521",
    "staf.cabang": "Serayu-Mengalir-2718",
}
KARANGLEWAS = "33.02.03.2003"


def _page(browser, base: str, username: str, options: dict):
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **options)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", LOGINS[username])
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _open(page, url: str) -> None:
    response = page.goto(url)
    if not response.ok:
        raise SystemExit(f"{url} answered {response.status}: no screenshot of an error page.")


def _shot(page, name: str, height: int | None = None) -> None:
    page.wait_for_timeout(600)  # let the charts finish drawing
    path = OUT / f"{name}.png"
    if height:
        width = page.viewport_size["width"]
        page.screenshot(
            path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
        )
    else:
        page.screenshot(path=str(path))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _page(browser, base, "manajer.banyumas", DESKTOP)
        _open(page, f"{base}/wilayah/33.02/")
        _shot(page, "regency-dashboard", height=1800)
        _open(page, f"{base}/wilayah/33.02/desa-sadar/?status=not_yet")
        _shot(page, "desa-sadar-list", height=1400)
        _open(page, f"{base}/desa/{KARANGLEWAS}/")
        _shot(page, "village-desktop", height=1600)

        page = _page(browser, base, "sekdes.karanglewas", {**PHONE, "device_scale_factor": 1.5})
        _open(page, f"{base}/desa/{KARANGLEWAS}/")
        _shot(page, "village-phone", height=1700)

        page = _page(browser, base, "staf.cabang", DESKTOP)
        _open(page, f"{base}/daftar-kerja/")
        _shot(page, "work-list", height=1400)
        _open(page, f"{base}/admin/enrollment/importrecord/upload/")
        page.set_input_files("input[type=file]", ROSTER)
        page.click("input[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/report/" not in page.url:
            raise SystemExit(f"The upload did not reach its preview: {page.url}")
        _shot(page, "admin-import-preview")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
