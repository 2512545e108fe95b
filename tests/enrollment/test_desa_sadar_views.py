"""The Desa Sadar list page and its export: access, the list on the page, filters that keep
each other in the links, bad input, the dashboard's card, the query count.

The villages are the ladder of tests/enrollment/test_desa_sadar_list.py (Kec. Jatilawang,
as of 22/11/2026): Gunung Wetan a candidate, Karanglewas 1 official to cover, Karanganyar 2,
Margasana 3 (declared in 2025), Pekuncen 9.
"""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from enrollment.summary import roll_day
from tests.factories import UserFactory
from villages.models import AccessLog, Village
from villages.roles import user_role_set

from .conftest import GUNUNGWETAN, KARANGANYAR, KARANGLEWAS, MARGASANA, PEKUNCEN, officials_in

Q = "?as_of=2026-11-22"
PAGES = ["/desa-sadar/", "/wilayah/33/desa-sadar/", "/wilayah/33.02/desa-sadar/"]
EXPORT = "/wilayah/33.02/ekspor/candidates.csv"


@pytest.fixture
def staff_client(client, db):
    user = user_role_set(username="pusat", kind="head_office").user
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(client, db):
    """A Banyumas manager, the page in English."""
    user = user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def codes(response) -> list[str]:
    return [v.standing.code for v in response.context["list"].page.object_list]


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_it_sends_anonymous_users_to_the_login_page(client, ladder, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


@pytest.mark.parametrize("url", PAGES)
def test_it_forbids_users_without_a_role(client, ladder, url):
    client.force_login(UserFactory(username="warga"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_it_allows_head_office(staff_client, ladder, url):
    assert staff_client.get(url + Q).status_code == 200


@pytest.mark.parametrize("url", [*PAGES, EXPORT])
def test_it_refuses_post(staff_client, ladder, url):
    assert staff_client.post(url).status_code == 405


def test_a_manager_sees_their_regency_and_not_another(manager_client, ladder):
    assert manager_client.get("/wilayah/33.02.03/desa-sadar/").status_code == 200
    for url in [
        "/wilayah/35.23/desa-sadar/",
        "/wilayah/33/desa-sadar/",
        "/wilayah/35.23/ekspor/candidates.csv",
    ]:
        assert manager_client.get(url).status_code == 404, url
    # The country list leads a scoped user to their own area's.
    response = manager_client.get("/desa-sadar/")
    assert (response.status_code, response["Location"]) == (302, "/wilayah/33.02/desa-sadar/")


def test_a_village_secretary_is_sent_to_their_village(client, ladder):
    role = user_role_set(username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS])
    client.force_login(role.user)
    response = client.get("/desa-sadar/")
    assert (response.status_code, response["Location"]) == (302, f"/desa/{KARANGLEWAS}/")
    assert client.get("/wilayah/33.02/desa-sadar/").status_code == 404


@pytest.mark.parametrize(
    "url,status",
    [
        ("/wilayah/99/desa-sadar/", 404),
        ("/wilayah/33.99/desa-sadar/", 404),
        (f"/wilayah/{KARANGLEWAS}/desa-sadar/", 404),  # a village has its checklist instead
        ("/wilayah/3302/desa-sadar/?status=near_candidate", 302),
    ],
)
def test_unknown_areas_and_undotted_codes(staff_client, ladder, url, status):
    response = staff_client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == "/wilayah/33.02/desa-sadar/?status=near_candidate"


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_the_gap_as_what_is_missing(staff_client, ladder):
    response = staff_client.get("/wilayah/33.02/desa-sadar/" + Q)
    assert codes(response) == [GUNUNGWETAN, KARANGLEWAS, KARANGANYAR, MARGASANA, PEKUNCEN]
    page = html(response)
    assert "<strong>1</strong> candidates" in page
    assert "<strong>2</strong> near" in page
    assert "<strong>4</strong> not yet passing (near, declared and the others)" in page
    assert "fails at most 1 criteria and at most 2 officials are still to cover" in page
    row = re.search(r'<tr class="candidate-not_yet">.*?</tr>', page, re.S).group(0)
    assert "Pekuncen" in row and "Jatilawang" in row
    assert '<td class="num">9</td>' in row
    assert (
        "<strong>All village officials covered</strong>: 2 of 11 covered; "
        "9 more officials to cover" in row
    )
    assert '<span class="badge badge-not_yet">Not yet</span>' in row
    assert "18.18\u00a0%" in row
    row = re.search(r'<tr class="candidate-near_candidate">.*?</tr>', page, re.S).group(0)
    assert "2 of 3 covered; 1 more official to cover" in row
    assert "declared 17/08/2025" in page
    assert "Villages 1–5 of 5" in page


def test_the_filters_narrow_the_list_and_its_counts_stay(staff_client, ladder):
    response = staff_client.get(
        "/wilayah/33.02/desa-sadar/?as_of=2026-11-22&within=33.02.03&status=not_yet&max_people=2"
    )
    assert codes(response) == [KARANGLEWAS, KARANGANYAR]
    assert response.context["list"].counts["candidate"] == 1
    form = response.context["form"]
    assert list(form.fields) == ["as_of", "within", "status", "max_people", "sort"]
    assert form.fields["within"].choices[:2] == [("", "All"), ("33.02.01", "Lumbir")]
    assert form.fields["within"].label == "District"
    other = staff_client.get("/wilayah/33.02/desa-sadar/?within=33.02.04&" + Q[1:])
    assert other.context["list"].page.paginator.count == 0


def test_links_keep_the_filters(staff_client, ladder):
    response = staff_client.get(
        "/wilayah/33.02/desa-sadar/?as_of=2026-11-22&status=not_yet&sort=-gap&page=1"
    )
    assert codes(response) == [PEKUNCEN, MARGASANA, KARANGANYAR, KARANGLEWAS]
    sorts = response.context["sort_links"]
    base = "/wilayah/33.02/desa-sadar/?as_of=2026-11-22&status=not_yet"
    assert sorts["gap"] == {"url": base, "aria": "descending"}  # back to nearest first
    assert sorts["name"] == {"url": base + "&sort=name", "aria": ""}
    assert response.context["export_urls"]["xlsx"] == (
        "/wilayah/33.02/ekspor/candidates.xlsx?as_of=2026-11-22&status=not_yet&sort=-gap"
    )
    assert response.context["status_links"]["near_candidate"] == (
        "/wilayah/33.02/desa-sadar/?as_of=2026-11-22&status=near_candidate"
    )
    escaped = base.replace("&", "&amp;")
    assert f'aria-sort="descending"><a class="sort-link" href="{escaped}"' in html(response)


def test_the_list_is_paged_by_fifty(staff_client, ladder):
    others = Village.objects.filter(code__startswith="33.02.").exclude(code__startswith="33.02.03.")
    for code in others.order_by("code").values_list("code", flat=True)[:49]:
        officials_in(code, 1, 1)  # 49 more candidates: 50 in all, then the four not passing
    first = staff_client.get("/wilayah/33.02/desa-sadar/" + Q)
    assert first.context["list"].page.paginator.count == 54
    assert len(codes(first)) == 50
    assert first.context["pages"]["next"] == "/wilayah/33.02/desa-sadar/?as_of=2026-11-22&page=2"
    second = staff_client.get(first.context["pages"]["next"])
    assert codes(second) == [KARANGLEWAS, KARANGANYAR, MARGASANA, PEKUNCEN]
    page = html(second)
    assert "Villages 51–54 of 54" in page
    assert '<a href="/wilayah/33.02/desa-sadar/?as_of=2026-11-22&amp;page=1" rel="prev">' in page
    assert '<span aria-current="page">2</span>' in page


@pytest.mark.parametrize(
    "query,field",
    [
        ("status=hampir", "status"),
        ("max_people=-1", "max_people"),
        ("max_people=dua", "max_people"),
        ("sort=bobot", "sort"),
        ("within=35.23", "within"),
        ("as_of=2026-13-01", "as_of"),
    ],
)
def test_bad_filters_are_reported_and_left_out(staff_client, ladder, query, field):
    response = staff_client.get(f"/wilayah/33.02/desa-sadar/?{query}&page=zz")
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "Some filters could not be used" in html(response)
    assert response.context["list"].page.number == 1


def test_the_dashboard_shows_the_counts_and_links_to_the_list(staff_client, ladder):
    page = html(staff_client.get("/wilayah/33.02/" + Q))
    assert '<a href="/wilayah/33.02/desa-sadar/?as_of=2026-11-22"><strong>' in page
    assert (
        "<strong>2</strong> villages are near (at most 1 criteria failed and 2 officials to "
        "cover)" in page
    )
    assert "candidates-table" not in page  # the list itself is on its own page
    # The card comes before the category figures: near the top.
    assert page.index("candidates-heading") < page.index("categories-heading")


# --- Export --------------------------------------------------------------------------------


def test_the_export_carries_the_whole_filtered_list(staff_client, ladder):
    response = staff_client.get(EXPORT + "?as_of=2026-11-22&status=not_yet&sort=-gap")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Code",
        "Village",
        "District",
        "Status",
        "Officials still to cover",
        "Number of criteria not passed",
        "Criteria not passed",
        "Detail",
        "Posts",
        "Covered",
        "Coverage (%)",
        "Declared on",
    ]
    assert [row[0] for row in rows[1:]] == [PEKUNCEN, MARGASANA, KARANGANYAR, KARANGLEWAS]
    assert rows[1] == [
        PEKUNCEN,
        "Pekuncen",
        "Jatilawang",
        "Not yet",
        "9",
        "1",
        "All village officials covered",
        "2 of 11 covered",
        "11",
        "2",
        "18.18",
        "",
    ]
    assert rows[2][3:5] == ["Declared, no longer passes", "3"]
    assert rows[2][-1] == "2025-08-17"
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.area_code, log.rows) == ("33.02", 4)


def test_the_xlsx_export_of_a_district(staff_client, ladder, tmp_path):
    response = staff_client.get("/wilayah/33.02.03/ekspor/candidates.xlsx" + Q)
    path = tmp_path / "list.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in values[1:]] == [
        GUNUNGWETAN,
        KARANGLEWAS,
        KARANGANYAR,
        MARGASANA,
        PEKUNCEN,
    ]
    assert values[4][-1] == dt.datetime(2025, 8, 17)


@pytest.mark.parametrize("query", ["status=hampir", "max_people=x", "within=35.23"])
def test_the_export_refuses_bad_filters(staff_client, ladder, query):
    response = staff_client.get(f"{EXPORT}?{query}")
    assert response.status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# --- Queries -------------------------------------------------------------------------------


# The session, the user and their role (3), the area (1, none for the country), the form's
# subdivisions (1), the rule sets (1), the day kept (1); from the day the counts by status (1)
# and the page (1), in Python the figures, the declarations and the villages (3); the
# breadcrumbs (1, none for the country). An export has no breadcrumbs; from the day it reads
# every row at once (1, no counts); it counts the villages of the area (1: a large one is a
# background job instead, enrollment.jobs); it writes the access log (1).
@pytest.mark.parametrize("source", ["python", "day"])
@pytest.mark.parametrize(
    "url,queries",
    [
        ("/desa-sadar/?as_of=2026-11-22&sort=-coverage", {"python": 9, "day": 8}),
        ("/wilayah/33.02/desa-sadar/?as_of=2026-11-22&status=not_yet", {"python": 11, "day": 10}),
        ("/wilayah/33.02/ekspor/candidates.csv?as_of=2026-11-22", {"python": 12, "day": 10}),
    ],
)
def test_the_query_count_does_not_grow_with_villages(
    staff_client,
    ladder,
    django_assert_num_queries,
    source,
    url,
    queries,
):
    if source == "day":
        roll_day(dt.date(2026, 11, 22))
    staff_client.get("/wilayah/33.02.03/desa-sadar/")  # the session is saved once, here
    villages = Village.objects.filter(code__startswith="33.02.01.").values_list("code", flat=True)
    for first, last in [(0, 2), (2, 12)]:
        for code in list(villages)[first:last]:
            officials_in(code, 3, 2)
        with django_assert_num_queries(queries[source]):
            assert staff_client.get(url).status_code == 200


def test_without_a_day_the_field_shows_today_and_the_links_leave_it_out(staff_client, ladder):
    from django.utils import timezone

    response = staff_client.get("/wilayah/33.02/desa-sadar/?status=near_candidate")
    assert f'value="{timezone.localdate().isoformat()}"' in html(response)
    assert response.context["sort_links"]["name"]["url"] == (
        "/wilayah/33.02/desa-sadar/?status=near_candidate&sort=name"
    )
    assert response.context["export_urls"]["csv"] == (
        "/wilayah/33.02/ekspor/candidates.csv?status=near_candidate"
    )


def test_a_regency_with_its_own_near_setting_says_so(staff_client, ladder):
    from enrollment.models import RuleSet
    from enrollment.rules import DEFAULT_MIN_PROGRAMS

    rule_set = RuleSet.objects.create(
        name="Banyumas 2026", year=2026, regency_id="33.02", near_max_failing=2, near_max_people=9
    )
    rule_set.minimum_programs.set(DEFAULT_MIN_PROGRAMS)
    response = staff_client.get("/wilayah/33.02.03/desa-sadar/" + Q + "&status=near_candidate")
    assert codes(response) == [KARANGLEWAS, KARANGANYAR, PEKUNCEN]
    assert (
        "fails at most 2 criteria and at most 9 officials are still to cover (rule set "
        "“Banyumas 2026”)" in html(response)
    )
    dashboard = html(staff_client.get("/wilayah/33.02/" + Q))
    assert "<strong>3</strong> villages are near (at most 2 criteria failed and 9 officials" in (
        dashboard
    )
    # The country's own page speaks of the national (here the default) rule set.
    assert "at most 1 criteria and at most 2 officials" in html(
        staff_client.get("/desa-sadar/" + Q)
    )
