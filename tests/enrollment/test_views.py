"""The coverage pages: access, figures on the page, drill-down, breadcrumbs, as_of, queries.

The data is the small district of tests/enrollment/test_selectors.py, in Kec. Jatilawang
(33.02.03): Karanglewas with four current posts (2 covered, 1 of them lapsing soon, 1 in
arrears, the Sekretaris Desa without JKM) and Gunungwetan with a covered Kepala Desa who is
also Pengurus LKD. Totals as of 22/11/2026: 6 posts, 4 covered, 1 lapsing soon, 1 in arrears.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from enrollment.models import CoverageSnapshot, Declaration, RuleSet
from enrollment.rules import Figures
from enrollment.services import area_snapshots_sum
from enrollment.summary import roll_day
from tests.enrollment.conftest import html
from tests.factories import PostFactory, UserFactory, covered
from villages.models import RegencyTarget, Village
from villages.roles import user_role_set

AS_OF = dt.date(2026, 11, 22)
Q = "?as_of=2026-11-22"
KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"
AREA_PAGES = ["/", "/wilayah/33/", "/wilayah/33.02/", "/wilayah/33.02.03/"]
VILLAGE_PAGE = f"/desa/{KARANGLEWAS}/"
PAGES = [*AREA_PAGES, VILLAGE_PAGE]
EXPORTS = [
    "/ekspor/children.csv",
    "/wilayah/33.02/ekspor/categories.xlsx",
    "/wilayah/33.02.03/ekspor/candidates.csv",
    f"/desa/{KARANGLEWAS}/ekspor/roster.xlsx",
]


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_it_sends_anonymous_users_to_the_login_page(client, district, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_it_forbids_users_who_are_not_staff(client, district, url):
    client.force_login(UserFactory(username="warga", is_staff=False))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_it_allows_staff(staff_client, district, url):
    assert staff_client.get(url + Q).status_code == 200


@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_it_refuses_post(staff_client, district, url):
    assert staff_client.post(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/wilayah/99/",
        "/wilayah/33.99/",
        "/wilayah/33.02.99/",
        "/wilayah/33..02/",
        "/wilayah/3/",
        "/wilayah/330203200312/",  # a code with a digit too many is not cut to a village
        "/wilayah/abc/",
        "/desa/33.02.03.9999/",
        "/desa/99.99.99.9999/",
        "/wilayah/99/ekspor/children.csv",
        "/wilayah/33.02/ekspor/people.csv",
        "/wilayah/33.02/ekspor/children.pdf",
        f"/wilayah/{KARANGLEWAS}/ekspor/children.csv",
        "/desa/33.02/ekspor/roster.csv",
        "/desa/33.02.03.9999/ekspor/roster.csv",
    ],
)
def test_it_answers_404_for_unknown_areas_and_tables(staff_client, url):
    assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url,target",
    [
        (f"/wilayah/{KARANGLEWAS}/", f"/desa/{KARANGLEWAS}/"),
        (f"/wilayah/{KARANGLEWAS}/{Q}", f"/desa/{KARANGLEWAS}/{Q}"),
        ("/desa/33.02.03/", "/wilayah/33.02.03/"),
        ("/wilayah/3302/", "/wilayah/33.02/"),
        ("/desa/3302032003/", f"/desa/{KARANGLEWAS}/"),
    ],
)
def test_it_redirects_to_the_page_of_the_code(staff_client, url, target):
    response = staff_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == target


def test_the_login_page(client):
    login = html(client.get("/login/"))
    assert 'name="username"' in login and 'name="password"' in login
    assert 'action="/logout/"' not in login
    assert login.startswith("<!doctype html>")  # it extends base.html


def test_the_logout_button_and_the_language_switch(staff_client):
    page = html(staff_client.get("/"))
    assert re.search(r'<form[^>]*action="/logout/"[^>]*method="post"', page)
    assert re.search(r'<form[^>]*action="/i18n/setlang/"[^>]*method="post"', page)
    assert '<label for="language-select">' in page


def test_logging_in_leads_back_to_the_page(client, staff):
    response = client.post(
        "/login/",
        {"username": "staf.cabang", "password": "kata-sandi-uji-123", "next": "/wilayah/33/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/wilayah/33/"


# --- Figures on the page -----------------------------------------------------------------


def test_the_district_page_shows_exact_figures(staff_client, district):
    response = staff_client.get("/wilayah/33.02.03/" + Q)
    coverage = response.context["coverage"]
    assert response.context["as_of"] == AS_OF
    assert coverage.totals == Figures(posts=6, covered=4, lapsing_soon=1, in_arrears=1)
    assert coverage.people == 5
    rows = {row.area.code: row.figures for row in coverage.children}
    assert rows[KARANGLEWAS] == Figures(4, 2, 1, 1)
    assert rows[GUNUNGWETAN] == Figures(2, 2, 0, 0)
    page = html(response)
    assert "66.67\u00a0%" in page  # 4 of 6
    assert "50.00\u00a0%" in page  # Karanglewas
    assert response.templates[0].name == "enrollment/area.html"


def test_the_figures_are_indonesian_by_default(client, staff, district):
    client.force_login(staff)
    page = html(client.get("/wilayah/33.02.03/" + Q))
    assert "66,67\u00a0%" in page
    assert '<html lang="id">' in page
    assert "23/11/2026" not in page and "22/11/2026" in page


@pytest.mark.parametrize("url", AREA_PAGES)
def test_totals_add_up_at_every_level(staff_client, district, url):
    coverage = staff_client.get(url + Q).context["coverage"]
    assert coverage.totals == Figures(6, 4, 1, 1)
    children = Figures()
    for row in coverage.children:
        children.add(row.figures)
    assert children == coverage.totals
    assert sum(f.posts for _c, f in coverage.by_category) == coverage.totals.posts
    assert sum(f.covered for _c, f in coverage.by_category) == coverage.totals.covered
    assert sum(f.lapsing_soon for _c, f in coverage.by_category) == 1
    assert sum(f.in_arrears for _c, f in coverage.by_category) == 1
    assert sum(row.candidates for row in coverage.children) == coverage.n_candidates == 1


def test_the_category_table_and_chart_show_every_category(staff_client, district):
    response = staff_client.get("/wilayah/33.02/" + Q)
    chart = response.context["categories_chart"]
    assert chart["labels"] == [
        "Village officials (perangkat desa)",
        "Village consultative body (BPD)",
        "RT/RW officials",
        "Village community institutions (LKD)",
        "Civil defence (Satlinmas)",
        "Other",
    ]
    assert chart["values"] == [75.0, 0.0, None, 100.0, None, None]
    page = html(response)
    assert '<script id="categories-chart-data" type="application/json">' in page
    assert '<canvas id="categories-chart"' in page


# --- Drill-down and breadcrumbs ------------------------------------------------------------


@pytest.mark.parametrize(
    "url,child",
    [
        ("/", "/wilayah/33/"),
        ("/wilayah/33/", "/wilayah/33.02/"),
        ("/wilayah/33.02/", "/wilayah/33.02.03/"),
        ("/wilayah/33.02.03/", f"/desa/{KARANGLEWAS}/"),
    ],
)
def test_children_rows_link_to_the_child_pages(staff_client, district, url, child):
    response = staff_client.get(url + Q)
    table = html(response).split('id="children-table"')[1].split("</table>")[0]
    assert f'<a href="{child}{Q}">' in table
    links = re.findall(r'<th scope="row" data-sort-value="[^"]*">\s*<a href="([^"]+)"', table)
    assert len(links) == len(response.context["coverage"].children)


def test_the_district_page_lists_its_eleven_villages(staff_client, district):
    coverage = staff_client.get("/wilayah/33.02.03/").context["coverage"]
    assert len(coverage.children) == 11
    assert {row.area.level for row in coverage.children} == {"village"}


def test_breadcrumbs_lead_from_indonesia_down_to_the_village(staff_client, district):
    response = staff_client.get(VILLAGE_PAGE + Q)
    assert [(a.code, a.name) for a, _linked in response.context["breadcrumbs"]] == [
        ("", "Indonesia"),
        ("33", "Jawa Tengah"),
        ("33.02", "Kabupaten Banyumas"),
        ("33.02.03", "Jatilawang"),
        (KARANGLEWAS, "Karanglewas"),
    ]
    nav = html(response).split('<nav class="breadcrumbs')[1].split("</nav>")[0]
    assert re.findall(r'href="([^"]+)"', nav) == [
        f"/{Q}",
        f"/wilayah/33/{Q}",
        f"/wilayah/33.02/{Q}",
        f"/wilayah/33.02.03/{Q}",
    ]
    assert '<span aria-current="page">Karanglewas</span>' in nav


def test_the_country_page_has_only_itself_as_breadcrumb(staff_client, district):
    response = staff_client.get("/")
    assert [a.name for a, _linked in response.context["breadcrumbs"]] == ["Indonesia"]


# --- as_of ---------------------------------------------------------------------------------


def test_as_of_defaults_to_today(staff_client, district):
    response = staff_client.get("/wilayah/33.02.03/")
    assert response.context["as_of"] == timezone.localdate()
    assert response.context["as_of_query"] == ""


def test_as_of_is_judged_on_the_given_day(staff_client, district):
    response = staff_client.get("/wilayah/33.02.03/?as_of=2027-01-01")
    assert response.context["coverage"].totals == Figures(6, 0, 0, 5)
    response = staff_client.get("/wilayah/33.02.03/?as_of=22/11/2026")
    assert response.context["as_of"] == AS_OF


@pytest.mark.parametrize(
    "value", ["31/02/2026", "kemarin", "2026-13-01", "0001-01-01", "9999-12-31", "2026-11-22x"]
)
def test_an_invalid_as_of_says_so_and_uses_today(staff_client, district, value):
    response = staff_client.get("/wilayah/33.02.03/", {"as_of": value})
    assert response.status_code == 200
    assert response.context["as_of"] == timezone.localdate()
    assert response.context["as_of_query"] == ""
    page = html(response)
    assert "That date could not be used, so the figures are as of today" in page
    assert 'role="alert"' in page


def test_an_invalid_as_of_on_a_village_page_too(staff_client, district):
    response = staff_client.get(VILLAGE_PAGE, {"as_of": "nope"})
    assert response.status_code == 200
    assert "That date could not be used" in html(response)


@pytest.mark.parametrize("url", EXPORTS)
def test_an_export_refuses_an_invalid_as_of(staff_client, district, url):
    assert staff_client.get(url, {"as_of": "31/02/2026"}).status_code == 400


# --- Target, Desa Sadar, trend -------------------------------------------------------------


def test_the_regency_target_is_shown_beside_the_covered_posts(staff_client, district):
    RegencyTarget.objects.create(regency_id="33.02", year=2026, target_pct=40, worker_base=700_000)
    response = staff_client.get("/wilayah/33.02/" + Q)
    assert response.context["coverage"].target.target_workers == 280_000
    page = html(response)
    assert "Regency target 2026" in page
    assert "40.00\u00a0% of 700,000 workers" in page
    assert "280,000" in page
    assert (
        "The regency target is 40.00\u00a0% of its worker base of 700,000 workers (all workers "
        "in the regency, formal and informal), not of the village officials' posts this "
        "page counts"
    ) in page
    assert "The district targets below" not in page  # there are none
    # No target for another year, and none below a regency.
    assert "Regency target" not in html(staff_client.get("/wilayah/33.02/?as_of=2025-11-22"))
    assert "Regency target" not in html(staff_client.get("/wilayah/33.02.03/" + Q))


def test_candidates_and_near_candidates_with_the_failing_criterion(staff_client, district):
    response = staff_client.get("/wilayah/33.02/desa-sadar/" + Q)
    rows = response.context["list"].page.object_list
    assert [(r.standing.code, r.standing.list_status) for r in rows] == [
        (GUNUNGWETAN, "candidate"),
        (KARANGLEWAS, "near_candidate"),
    ]
    assert rows[0].district == "Jatilawang"
    page = html(response)
    assert (
        "<strong>All village officials covered</strong>: 2 of 3 covered; "
        "1 more official to cover" in page
    )
    assert '<span class="badge badge-near_candidate">Near</span>' in page


def test_a_declared_village_that_no_longer_passes_is_flagged(staff_client, district):
    Declaration.objects.create(
        village_id=KARANGLEWAS, declared_on=dt.date(2025, 6, 1), declared_by="Kepala KC"
    )
    response = staff_client.get("/wilayah/33.02.03/desa-sadar/" + Q)
    rows = {r.standing.code: r for r in response.context["list"].page.object_list}
    assert rows[KARANGLEWAS].standing.list_status == "declared_failing"
    page = html(response)
    assert "Declared, no longer passes" in page
    assert "declared 01/06/2025" in page
    assert '<li class="flagged"><a href="/wilayah/33.02.03/desa-sadar/?as_of=2026-11-22' in page
    dashboard = html(staff_client.get("/wilayah/33.02.03/" + Q))
    assert '<li class="flagged"><strong>1</strong>' in dashboard


def test_the_trend_chart_reads_the_snapshots(staff_client, district):
    CoverageSnapshot.objects.create(
        village_id=KARANGLEWAS, month=dt.date(2026, 9, 1), category="PERANGKAT", posts=4, covered=1
    )
    CoverageSnapshot.objects.create(
        village_id=KARANGLEWAS, month=dt.date(2026, 10, 1), category="PERANGKAT", posts=4, covered=2
    )
    for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        area_snapshots_sum(month=month)
    response = staff_client.get("/wilayah/33.02/" + Q)
    assert response.context["trend_chart"] == {
        "label": "Coverage (%)",
        "labels": ["Sep 2026", "Oct 2026"],
        "values": [25.0, 50.0],
    }
    page = html(response)
    assert '<script id="trend-chart-data" type="application/json">' in page
    assert "September 2026" in page  # the table behind the chart


def test_without_snapshots_the_trend_says_so(staff_client, district):
    page = html(staff_client.get("/wilayah/33.02/" + Q))
    assert "No monthly snapshots yet" in page
    assert "trend-chart-data" not in page


# --- Village page --------------------------------------------------------------------------


def test_the_village_page_lists_blocking_people_and_program_states(staff_client, district):
    response = staff_client.get(VILLAGE_PAGE + Q)
    coverage = response.context["coverage"]
    assert coverage.totals == Figures(4, 2, 1, 1)
    page = html(response)
    assert "Not passed" in page
    assert "<strong>All village officials covered</strong>" in page
    assert "<strong>Sri Hartuti</strong> — Village secretary (Sekretaris Desa): no JKM" in page
    assert '<span class="state state-active">active</span>' in page
    assert '<span class="state state-none">none</span>' in page
    assert '<span class="state state-in_arrears">in arrears</span>' in page
    assert '<span class="badge badge-lapsing_soon">Covered, lapsing soon</span>' in page
    assert '<span class="badge badge-in_arrears">In arrears</span>' in page
    assert '<span class="missing">no JKM</span>' in page
    assert "31/12/2026" in page and "10/12/2026" in page
    assert [category for category, _f, _rows in response.context["groups"]] == [
        "PERANGKAT",
        "BPD",
    ]


def test_the_village_page_masks_the_nik_unless_allowed(staff_client, staff, district):
    nik = district["sekdes"].person.nik
    page = html(staff_client.get(VILLAGE_PAGE + Q))
    assert f"{nik[:6]}******{nik[12:]}" in page
    assert nik not in page
    staff.user_permissions.add(Permission.objects.get(codename="view_full_nik"))
    assert nik in html(staff_client.get(VILLAGE_PAGE + Q))


def test_a_village_without_posts_says_so(staff_client, district):
    response = staff_client.get("/desa/33.02.03.2005/" + Q)
    assert response.status_code == 200
    assert "No posts are recorded for this village on this day." in html(response)


def test_the_village_page_prints_cleanly(staff_client, district):
    page = html(staff_client.get(VILLAGE_PAGE))
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page
    from django.contrib.staticfiles import finders

    with open(finders.find("css/app.css"), encoding="utf-8") as css:
        assert "@media print" in css.read()


# --- No inline JavaScript (a Content Security Policy comes later) ---------------------------


@pytest.mark.parametrize("url", [*PAGES, "/login/"])
def test_pages_have_no_inline_scripts_or_handlers(client, staff_client, district, url):
    page = html((client if url == "/login/" else staff_client).get(url + Q))
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", page)
    assert not re.search(r"\sstyle\s*=", page)
    assert "http://" not in page and "https://" not in page


# --- Queries -------------------------------------------------------------------------------


def _add_villages(first: int, last: int) -> None:
    """Banyumas villages number `first` to `last` (in code order) get a covered Kepala Desa and
    an uncovered Kaur each."""
    codes = Village.objects.filter(code__startswith="33.02.").order_by("code")
    for code in codes.values_list("code", flat=True)[first:last]:
        covered(PostFactory(code="KEPALA_DESA", village_id=code).person)
        PostFactory(code="KAUR", village_id=code)


# Measured for a head-office user: the session and the user (2), the user's role (1), the
# breadcrumbs (1), the selectors, on regency and district pages their district targets (1),
# on regency and province pages the contributions and claims card (1), on area and village
# pages the latest outreach events (1), on area pages the villages enrolled by month (1), on
# area and village pages the data version read before all else (1: enrollment.page_cache), and
# on exports the access-log entry (1). The selectors run as many queries from the summary as
# from the figures of the day, but for the forecast: the figures of the day list its villages
# in a query of their own (the summary's way finds them among the villages it evaluates).
# (summary, day); the country page's first request of a test run also fills caches.
QUERY_CEILING = {
    # The country, province and regency pages: the national standing's card too, from the
    # figures of the day only (docs/national-standing.md, "Cost"): +6 queries; summed from the
    # summary, +2 (the rule sets and whether the day is kept), and a link to its page.
    # With the villages enrolled by month: +1 on every area page.
    "/": (16, 19),
    "/wilayah/33/": (18, 21),
    "/wilayah/33.02/": (21, 24),
    "/wilayah/33.02.01/": (17, 18),
    "/desa/33.02.01.2001/": (15, 15),
    "/wilayah/33.02/ekspor/children.xlsx": (13, 13),
    "/wilayah/33.02/ekspor/categories.csv": (13, 13),
    "/wilayah/33.02/ekspor/candidates.csv": (13, 13),
    "/wilayah/33.02/ekspor/forecast.csv": (13, 12),
    "/desa/33.02.01.2001/ekspor/roster.xlsx": (13, 13),
    "/desa/33.02.01.2001/ekspor/roster.xlsx?status=ended&": (13, 13),
    "/desa/33.02.01.2001/?status=not_covered&": (15, 15),
}


@pytest.mark.parametrize("source", ["summary", "day"])
@pytest.mark.parametrize("url", QUERY_CEILING)
def test_the_query_count_does_not_grow_with_villages(
    staff_client, django_assert_max_num_queries, url, source
):
    """A regency with 5 villages with posts, then with 50: the same number of queries,
    summed from the summary or read from the figures of the day (kept by the triggers)."""
    if source == "day":
        roll_day(dt.date(2026, 11, 22))
    ceiling = QUERY_CEILING[url][source == "day"]
    counts = []
    for first, last in [(0, 5), (5, 50)]:
        _add_villages(first, last)
        with django_assert_max_num_queries(ceiling) as queries:
            response = staff_client.get(url + Q.replace("?", "" if "?" in url else "?"))
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    if url in ("/", "/wilayah/33/", "/wilayah/33.02/"):
        assert response.context["coverage"].totals.posts == 100


# --- Users with several areas ----------------------------------------------------------------


def test_a_user_with_several_areas_lands_on_the_first_and_can_reach_every_one(client, district):
    role = user_role_set(username="kanwil", kind="manager", area_codes=["35.23", "33.02"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(role.user)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/wilayah/33.02/", 302)]
    assert [(a.code, a.name) for a in response.context["my_areas"]] == [
        ("33.02", "Kabupaten Banyumas"),
        ("35.23", "Kabupaten Tuban"),
    ]
    page = html(response)
    assert '<strong aria-current="page">Kabupaten Banyumas</strong>' in page
    assert '<a href="/wilayah/35.23/">Kabupaten Tuban</a>' in page
    assert client.get("/wilayah/35.23/").status_code == 200


def test_a_user_with_one_area_gets_no_list_of_areas(client, district):
    role = user_role_set(username="manajer", kind="manager", area_codes=["33.02"])
    client.force_login(role.user)
    response = client.get("/wilayah/33.02/")
    assert response.context["my_areas"] == []
    assert "my-areas" not in html(response)


# --- The rule set in force: the built-in default says so --------------------------------------

DEFAULT_NOTE = "No rule set is recorded for this year, so the built-in default applies."
RULE_SETS_LINK = '<a href="/admin/enrollment/ruleset/">Rule sets</a>'


@pytest.mark.parametrize("url", ["/wilayah/33.02/", VILLAGE_PAGE])
def test_pages_under_the_built_in_default_say_so_and_link_staff_to_the_rule_sets(
    staff_client, district, url
):
    page = html(staff_client.get(url + Q))
    assert f"{DEFAULT_NOTE} {RULE_SETS_LINK}" in page


def test_a_village_secretary_is_told_of_the_default_without_an_admin_link(client, district):
    user = user_role_set(username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS])
    client.force_login(user.user)
    page = html(client.get(VILLAGE_PAGE + Q, HTTP_ACCEPT_LANGUAGE="en"))
    assert DEFAULT_NOTE in page
    assert RULE_SETS_LINK not in page


@pytest.mark.parametrize("url", ["/wilayah/33.02/", VILLAGE_PAGE])
def test_a_recorded_national_rule_set_is_named_without_the_note(staff_client, district, url):
    RuleSet.objects.create(name="Nasional 2026", year=2026).minimum_programs.set(["JKK", "JKM"])
    page = html(staff_client.get(url + Q))
    assert "(rule set “Nasional 2026”)" in page
    assert DEFAULT_NOTE not in page
