"""axe-core in the browser tests: the page as it stands, checked against axe's rules (WCAG
2.x A and AA and its best practices). Critical and serious violations fail a test.

axe-core 4.14.1 is vendored in tests/e2e/vendor/axe-core/ (axe.min.js from `npm pack
axe-core`; MPL-2.0, its licences beside it): nothing is fetched at run time. It is evaluated
through Playwright, which the pages' Content-Security-Policy (no inline script) does not
apply to.
"""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("critical", "serious")

_RUN_JS = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    count: v.nodes.length,
  }));
}"""


def axe_run(page) -> list[dict]:
    """Every violation axe finds on the page: {id, impact, help, targets, count}."""
    # The admin draws some widgets (and static/js/admin-a11y.js names them) after "load".
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {" + AXE_JS.read_text(encoding="utf-8") + "\n}")
    return page.evaluate(_RUN_JS)


def axe_violations(page, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[str]:
    """The critical and serious violations on the page, one line each (empty: none)."""
    return [
        f"{v['id']} ({v['impact']}, {v['count']}x): {v['help']} — {'; '.join(v['targets'])}"
        for v in axe_run(page)
        if v["impact"] in impacts
    ]
