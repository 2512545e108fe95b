"""Villages enrolled (a perangkat post's holder covered) and villages with every official
covered, at every level: the small district of conftest.py (Karanglewas enrolled, its
Sekretaris Desa not covered; Gunung Wetan with every official covered), its pages, the
"100 %" mark, the ranking of a regency's districts, read from the summary and from the
figures of the day. The API's fields: test_api.py; the exports: test_exports.py; SQL against
a plain count over random rosters: test_summary.py."""

import datetime as dt
from decimal import Decimal

import pytest

from enrollment.summary import roll_day
from tests.enrollment.conftest import GUNUNGWETAN, KARANGLEWAS, html
from tests.factories import PostFactory, covered
from villages.models import DistrictTarget, Village

AS_OF = dt.date(2026, 11, 22)
Q = "?as_of=2026-11-22"
LEVELS = {
    "/": "",
    "/wilayah/33/": "33.",
    "/wilayah/33.02/": "33.02.",
    "/wilayah/33.02.03/": "33.02.03.",
}


def villages_below(prefix: str) -> int:
    return Village.objects.filter(code__startswith=prefix).count()


def enroll_every_village_of(district: str) -> None:
    """A covered Kepala Desa in every village of `district` that has no post yet."""
    for code in Village.objects.filter(district_id=district).values_list("code", flat=True):
        if code not in (KARANGLEWAS, GUNUNGWETAN):
            covered(PostFactory(code="KEPALA_DESA", village_id=code).person)


@pytest.mark.parametrize("source", ["summary", "day"])
@pytest.mark.parametrize("url", LEVELS)
def test_every_level_counts_the_two_villages_and_adds_up(staff_client, district, url, source):
    if source == "day":
        roll_day(AS_OF)
    coverage = staff_client.get(url + Q).context["coverage"]
    assert coverage.villages == villages_below(LEVELS[url])
    assert coverage.villages_enrolled == 2
    assert coverage.villages_officials_covered == 1
    assert sum(row.area.villages for row in coverage.children) == coverage.villages
    assert sum(row.villages_enrolled for row in coverage.children) == 2
    assert sum(row.villages_officials_covered for row in coverage.children) == 1


@pytest.mark.parametrize("source", ["summary", "day"])
def test_the_district_counts_each_village(staff_client, district, source):
    if source == "day":
        roll_day(AS_OF)
    coverage = staff_client.get("/wilayah/33.02.03/" + Q).context["coverage"]
    rows = {
        row.area.code: (row.area.villages, row.villages_enrolled, row.villages_officials_covered)
        for row in coverage.children
    }
    assert rows[KARANGLEWAS] == (1, 1, 0)  # the Sekretaris Desa holds JKK only
    assert rows[GUNUNGWETAN] == (1, 1, 1)
    assert rows["33.02.03.2002"] == (1, 0, 0)  # no post
    assert coverage.villages_enrolled_pct == 18.18


def test_a_past_or_later_day_is_judged_on_that_day(staff_client, district):
    later = staff_client.get("/wilayah/33.02.03/?as_of=2027-01-01").context["coverage"]
    assert (later.villages, later.villages_enrolled, later.villages_officials_covered) == (
        11,
        0,
        0,
    )
    # Before the Kaur was paid (every membership from 2024-01-01): nobody covered.
    earlier = staff_client.get("/wilayah/33.02.03/?as_of=2023-12-31").context["coverage"]
    assert earlier.villages_enrolled == 0


def test_the_pages_say_how_many_villages_are_enrolled(staff_client, district):
    page = html(staff_client.get("/wilayah/33.02.03/" + Q))
    assert "2 of 11 villages enrolled" in page
    assert "(18.18\u00a0%)" in page
    assert "1 village with every official covered" in page
    assert "Village enrolled" in html(staff_client.get(f"/desa/{KARANGLEWAS}/" + Q))
    assert "Village not yet enrolled" in html(staff_client.get("/desa/33.02.03.2002/" + Q))
    regency = html(staff_client.get("/wilayah/33.02/" + Q))
    total = villages_below("33.02.")
    assert f"2 of {total} villages enrolled" in regency


def test_the_pages_say_it_in_indonesian_by_default(client, staff, district):
    client.force_login(staff)
    page = html(client.get("/wilayah/33.02.03/" + Q))
    assert "2 dari 11 desa terdaftar" in page
    assert "1 desa dengan semua perangkat terlindungi" in page


def _row(page: str, code: str) -> str:
    """The children table's row holding `code`."""
    [row] = [chunk for chunk in page.split("<tr")[1:] if code in chunk.split("</tr>")[0]]
    return row.split("</tr>")[0]


@pytest.mark.parametrize("source", ["summary", "day"])
def test_a_district_with_every_village_enrolled_is_marked_100_percent(
    staff_client, district, source
):
    enroll_every_village_of("33.02.03")
    covered(PostFactory(code="KEPALA_DESA", village_id="33.02.04.2001").person)
    if source == "day":
        roll_day(AS_OF)
    response = staff_client.get("/wilayah/33.02/" + Q)
    rows = {row.area.code: row for row in response.context["coverage"].children}
    assert (rows["33.02.03"].villages_enrolled, rows["33.02.03"].area.villages) == (11, 11)
    assert rows["33.02.03"].all_villages_enrolled
    assert rows["33.02.04"].villages_enrolled == 1
    assert not rows["33.02.04"].all_villages_enrolled
    page = html(response)
    # The mark is text, not colour alone.
    assert "100\u00a0%</strong>" in _row(page, ">33.02.03<")
    assert "100\u00a0%</strong>" not in _row(page, ">33.02.04<")


def test_a_regencys_districts_rank_by_their_share_of_villages_enrolled(staff_client, district):
    enroll_every_village_of("33.02.03")
    covered(PostFactory(code="KEPALA_DESA", village_id="33.02.04.2001").person)
    by_code = staff_client.get("/wilayah/33.02/" + Q)
    codes = [row.area.code for row in by_code.context["coverage"].children]
    assert codes == sorted(codes)
    assert 'href="?as_of=2026-11-22&amp;sort=villages_enrolled#children-heading"' in html(by_code)
    ranked = staff_client.get("/wilayah/33.02/" + Q + "&sort=villages_enrolled")
    children = ranked.context["coverage"].children
    assert [row.area.code for row in children[:2]] == ["33.02.03", "33.02.04"]
    assert [row.villages_enrolled for row in children[2:]] == [0] * (len(children) - 2)
    # The rest in code order; the link leads back to it, keeping the day.
    rest = [code for code in codes if code not in ("33.02.03", "33.02.04")]
    assert [row.area.code for row in children[2:]] == rest
    assert 'href="?as_of=2026-11-22#children-heading"' in html(ranked)
    # Totals do not move with the order.
    assert ranked.context["coverage"].villages_enrolled == 12


def test_an_unknown_sort_keeps_the_code_order(staff_client, district):
    response = staff_client.get("/wilayah/33.02/" + Q + "&sort=nonsense")
    assert response.status_code == 200
    codes = [row.area.code for row in response.context["coverage"].children]
    assert codes == sorted(codes)


@pytest.mark.parametrize("source", ["summary", "day"])
def test_only_a_covered_official_enrolls_a_village_here_and_in_the_targets(
    staff_client, district, source
):
    """A village whose only covered post is a BPD member's is not enrolled: not on the
    dashboard, not in the district's target card, which counts the same villages."""
    covered(PostFactory(code="ANGGOTA_BPD", village_id="33.02.03.2002").person)
    DistrictTarget.objects.create(
        district_id="33.02.03", year=2026, officials_pct=Decimal(50), villages_enrolled=5
    )
    if source == "day":
        roll_day(AS_OF)
    for url in ("/wilayah/33.02.03/", "/wilayah/33.02/"):
        response = staff_client.get(url + Q)
        assert response.context["coverage"].villages_enrolled == 2
        [gap] = response.context["district_gaps"]
        assert (gap.villages, gap.villages_enrolled, gap.villages_to_enroll) == (11, 2, 3)
