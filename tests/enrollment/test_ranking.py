"""The national standing (docs/national-standing.md): the components and the score of a
hand-built set of regencies, the tie-break and shared ranks, a missing target counting 0, a
fixed number of queries, the page and its exports, the dashboards' cards, and who sees what.

The test database holds provinces 33 (35 regencies, 576 districts, 8,563 villages), 35 (38,
666, 8,494) and 36 (8, 155, 1,552): 81 regencies. As of 22/11/2026:
- Kota Magelang (33.71, 3 districts, 17 villages): one village with one Kaur, covered. Coverage
  100.00, villages enrolled 1/17 = 5.88, Desa Sadar 5.88, no target: 0.00. Score 40 + 1.176 +
  1.176 + 0 = 42.352 → 42.35.
- Kota Mojokerto (35.76, 3 districts of 6 villages): in 35.76.01 one village with two Kaur,
  both covered (a candidate), one with two Kaur, one covered. Coverage 3/4 = 75.00, villages
  enrolled 2/18 = 11.11, Desa Sadar 1/18 = 5.56; 35.76.01's targets (50 % of officials: 2 of
  4 posts wanted, 3 covered → 1; 4 villages enrolled, 2 → 1/2), the other two districts none:
  (1 + 1/2) / (2 × 3) = 25.00. Score 30 + 2.222 + 1.112 + 5 = 38.334 → 38.33.
- The 79 others have no posts: 0.00 on every component, all ranked 3 (1, 2, 3, 3, …).
Provinces: Jawa Tengah 100.00, 1/8,563 = 0.01, 0.01, 0.00 → 40.00; Jawa Timur 75.00,
2/8,494 = 0.02, 1/8,494 = 0.01, 1.5/1,332 = 0.11 → 30.028 → 30.03; Banten 0.00.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from django.test import Client
from openpyxl import load_workbook

from enrollment import exports
from enrollment.selectors.ranking import Tally, components, national_ranking, ranked, score
from enrollment.summary import roll_day
from tests.factories import PostFactory, UserFactory, covered
from villages.models import DistrictTarget, Village
from villages.roles import user_role_set

AS_OF = dt.date(2026, 11, 22)
Q = "?as_of=2026-11-22"
MAGELANG, MOJOKERTO = "33.71", "35.76"
URL, CSV_URL, XLSX_URL = "/peringkat/", "/peringkat/ekspor.csv", "/peringkat/ekspor.xlsx"


def _villages(district: str, n: int) -> list[str]:
    codes = Village.objects.filter(district_id=district).order_by("code")
    return list(codes.values_list("code", flat=True)[:n])


def _kaur(village: str, covered_: bool) -> None:
    post = PostFactory(code="KAUR", village_id=village)
    if covered_:
        covered(post.person)


@pytest.fixture
def regencies(db):
    (magelang,) = _villages("33.71.01", 1)
    _kaur(magelang, True)
    passing, half = _villages("35.76.01", 2)
    _kaur(passing, True)
    _kaur(passing, True)
    _kaur(half, True)
    _kaur(half, False)
    DistrictTarget.objects.create(
        district_id="35.76.01", year=2026, officials_pct=Decimal(50), villages_enrolled=4
    )


def _row(area) -> tuple:
    return (
        area.rank,
        area.of,
        area.code,
        str(area.score),
        str(area.coverage),
        str(area.villages_enrolled),
        str(area.desa_sadar),
        str(area.target_progress),
    )


@pytest.fixture(params=["summary", "day"])
def source(request, db):
    """Summed from the summary (a day not kept) or read from the figures of the day."""
    if request.param == "day":
        roll_day(AS_OF)
    return request.param


# --- The selector --------------------------------------------------------------------------


def test_the_hand_built_regencies_score_as_computed_by_hand(regencies, source):
    ranking = national_ranking(as_of=AS_OF)
    assert [_row(r) for r in ranking.regencies[:3]] == [
        (1, 81, MAGELANG, "42.35", "100.00", "5.88", "5.88", "0.00"),
        (2, 81, MOJOKERTO, "38.33", "75.00", "11.11", "5.56", "25.00"),
        (3, 81, "33.01", "0.00", "0.00", "0.00", "0.00", "0.00"),
    ]
    # Every other regency is equal on every key: the same rank, listed by code.
    rest = ranking.regencies[2:]
    assert {r.rank for r in rest} == {3} and len(rest) == 79
    assert [r.code for r in rest] == sorted(r.code for r in rest)
    mojokerto = ranking.get(MOJOKERTO)
    assert mojokerto is not None
    tally = mojokerto.tally
    assert (tally.posts, tally.covered, tally.villages, tally.villages_enrolled) == (4, 3, 18, 2)
    assert (tally.candidates, tally.districts, tally.targets_set) == (1, 3, 2)
    assert (mojokerto.name, mojokerto.province_name) == ("Kota Mojokerto", "Jawa Timur")


def test_provinces_are_ranked_the_same_way(regencies, source):
    ranking = national_ranking(as_of=AS_OF)
    assert [_row(r) for r in ranking.provinces] == [
        (1, 3, "33", "40.00", "100.00", "0.01", "0.01", "0.00"),
        (2, 3, "35", "30.03", "75.00", "0.02", "0.01", "0.11"),
        (3, 3, "36", "0.00", "0.00", "0.00", "0.00", "0.00"),
    ]
    jatim = ranking.provinces[1].tally
    assert (jatim.villages, jatim.districts, jatim.targets_set) == (8494, 666, 2)


def test_a_missing_target_counts_0(regencies, source):
    target = DistrictTarget.objects.get(district_id="35.76.01")
    target.officials_pct = None  # the villages target alone: 1/2 of 6 target places
    target.save()
    assert national_ranking(as_of=AS_OF).get(MOJOKERTO).target_progress == Decimal("8.33")
    target.delete()
    assert national_ranking(as_of=AS_OF).get(MOJOKERTO).target_progress == Decimal("0.00")


def test_a_target_asking_for_nothing_is_reached_and_a_target_is_capped(db):
    DistrictTarget.objects.create(district_id="33.71.02", year=2026, villages_enrolled=0)
    # 3 districts, two targets each: 1 reached of 6.
    assert national_ranking(as_of=AS_OF).get(MAGELANG).target_progress == Decimal("16.67")
    tally = Tally(posts=10, covered=10, villages=5, villages_enrolled=5, districts=1)
    tally.reached = Fraction(2)  # both targets more than reached count 1 each
    assert components(tally)["target_progress"] == Decimal("100.00")


def test_the_targets_of_another_year_do_not_count(regencies):
    assert national_ranking(as_of=dt.date(2027, 1, 5)).get(MOJOKERTO).target_progress == 0


def _tally(posts, covered_, enrolled, candidates=0, reached=0) -> Tally:
    return Tally(
        posts=posts,
        covered=covered_,
        villages=27,
        villages_enrolled=enrolled,
        candidates=candidates,
        districts=4,
        reached=Fraction(reached),
    )


def test_equal_scores_go_to_the_higher_coverage_and_equal_keys_share_a_rank():
    # 50 % covered, 1 of 27 enrolled (3.70): 20 + 0.74 = 20.74. 25 % covered and half of the
    # 8 target places reached (50.00): 10 + 0.74 + 10 = 20.74, the same score.
    higher = _tally(2, 1, 1)
    lower = _tally(4, 1, 1, reached=4)
    assert score(components(higher)) == score(components(lower)) == Decimal("20.74")
    rows = ranked(
        "regency",
        [
            ("33.76", "Kota Tegal", lower, "Jawa Tengah"),
            ("33.75", "Kota Pekalongan", higher, "Jawa Tengah"),
            ("33.73", "Kota Salatiga", _tally(2, 1, 1), "Jawa Tengah"),
            ("33.71", "Kota Magelang", _tally(1, 1, 1), "Jawa Tengah"),
        ],
    )
    # Magelang 40 + 0.74 = 40.74 first; Pekalongan and Salatiga equal on every key share
    # rank 2 (by code); Tegal, equal in score but lower in coverage, is 4th.
    assert [(r.rank, r.code, str(r.score), str(r.coverage)) for r in rows] == [
        (1, "33.71", "40.74", "100.00"),
        (2, "33.73", "20.74", "50.00"),
        (2, "33.75", "20.74", "50.00"),
        (4, "33.76", "20.74", "25.00"),
    ]
    assert {r.of for r in rows} == {4}


def test_equal_scores_and_coverage_go_to_more_villages_enrolled():
    # 50 % covered; 2 of 27 enrolled (7.41) and no candidate: 20 + 1.482 = 21.48; 1 of 27
    # enrolled (3.70) and a candidate (3.70): 20 + 0.74 + 0.74 = 21.48.
    more = _tally(4, 2, 2)
    fewer = _tally(4, 2, 1, candidates=1)
    rows = ranked("regency", [("33.01", "A", fewer, ""), ("33.02", "B", more, "")])
    assert [(r.rank, r.code, str(r.score)) for r in rows] == [
        (1, "33.02", "21.48"),
        (2, "33.01", "21.48"),
    ]


def test_the_score_is_rounded_half_up_from_the_rounded_components():
    # 0.4 × 0.01 + 0.2 × (0.01 + 0.01 + 0.00) = 0.008 → 0.01 (half up of a third decimal).
    parts = {
        "coverage": Decimal("0.01"),
        "villages_enrolled": Decimal("0.01"),
        "desa_sadar": Decimal("0.01"),
        "target_progress": Decimal("0.00"),
    }
    assert score(parts) == Decimal("0.01")
    assert score({**parts, "coverage": Decimal("0.00"), "target_progress": Decimal("0.01")}) == (
        Decimal("0.01")  # 0.006
    )
    assert score(dict.fromkeys(parts, Decimal("0.00"))) == Decimal("0.00")
    # 1/8 of a percent is 0.125 %: half up to 0.13.
    assert components(Tally(posts=800, covered=1))["coverage"] == Decimal("0.13")


@pytest.mark.parametrize("kept", [False, True])
def test_the_query_count_does_not_grow_with_villages(db, kept, django_assert_num_queries):
    if kept:
        roll_day(AS_OF)
    codes = list(Village.objects.filter(code__startswith="35.").order_by("code")[:50])
    counts = []
    for first, last in [(0, 5), (5, 50)]:
        for village in codes[first:last]:
            _kaur(village.code, True)
            DistrictTarget.objects.get_or_create(
                district_id=village.district_id, year=2026, defaults={"villages_enrolled": 1}
            )
        # The day kept: the rule sets, whether it is kept, the targets, the aggregate of the
        # day, the villages of each regency, the regencies. Else the summary's figures and the
        # villages' standing (two) in place of the aggregate.
        with django_assert_num_queries(6 if kept else 8) as queries:
            ranking = national_ranking(as_of=AS_OF)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert sum(r.tally.posts for r in ranking.regencies) == 50


# --- The page and its exports --------------------------------------------------------------


def _client(kind: str, **kwargs) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_role_set(username=kind, kind=kind, **kwargs).user)
    return client


@pytest.fixture
def head(db) -> Client:
    return _client("head_office")


def test_the_page_ranks_every_regency_with_the_formula_beside(head, regencies):
    response = head.get(URL + Q)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert (len(rows), response.context["of"]) == (81, 81)
    page = response.content.decode()
    assert "Regencies and cities ranked" in page
    assert (
        "Score = 0.4 × coverage + 0.2 × villages enrolled + 0.2 × Desa Sadar + 0.2 × targets"
        in page
    )
    assert '<a href="/wilayah/33.71/?as_of=2026-11-22">Kota Magelang</a>' in page
    assert "<strong>42.35</strong>" in page  # a score, not a share
    assert 'href="/peringkat/ekspor.csv?as_of=2026-11-22"' in page
    assert 'href="/peringkat/?level=province&amp;as_of=2026-11-22"' in page


def test_the_province_page(head, regencies):
    response = head.get(URL + "?level=province&as_of=2026-11-22")
    assert [(r.rank, r.code) for r in response.context["rows"]] == [(1, "33"), (2, "35"), (3, "36")]
    page = response.content.decode()
    assert "Provinces ranked" in page
    assert 'name="level" value="province"' in page  # the day's form keeps the level


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_holds_every_row_with_plain_numbers(head, regencies):
    response = head.get(CSV_URL + Q)
    assert response["Content-Disposition"] == (
        'attachment; filename="cakupan-indonesia-peringkat-kabupaten-2026-11-22.csv"'
    )
    rows = _csv(response)
    assert rows[0] == [
        "Rank", "Of", "Code", "Regency / city", "Province", "Score",
        "Officials' posts covered (%)", "Villages enrolled (%)", "Desa Sadar candidates (%)",
        "Progress against district targets (%)", "Posts", "Covered", "Villages",
        "Villages enrolled", "Desa Sadar candidates", "Districts", "District targets set",
    ]  # fmt: skip
    assert rows[1:3] == [
        ["1", "81", "33.71", "Kota Magelang", "Jawa Tengah", "42.35", "100.00", "5.88", "5.88",
         "0.00", "1", "1", "17", "1", "1", "3", "0"],
        ["2", "81", "35.76", "Kota Mojokerto", "Jawa Timur", "38.33", "75.00", "11.11", "5.56",
         "25.00", "4", "3", "18", "2", "1", "3", "2"],
    ]  # fmt: skip
    assert len(rows) == 82


def test_the_xlsx_has_number_cells(head, regencies):
    response = head.get(XLSX_URL + "?level=province&as_of=2026-11-22")
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Rank", "Of", "Code", "Province", "Score")
    assert rows[1:] == [
        (1, 3, "33", "Jawa Tengah", 40, 100, 0.01, 0.01, 0, 1, 1, 8563, 1, 1, 576, 0),
        (2, 3, "35", "Jawa Timur", 30.03, 75, 0.02, 0.01, 0.11, 4, 3, 8494, 2, 1, 666, 2),
        (3, 3, "36", "Banten", 0, 0, 0, 0, 0, 0, 0, 1552, 0, 0, 155, 0),
    ]
    assert sheet["E2"].number_format == "0.00" and sheet["A2"].number_format == "#,##0"


def test_a_level_not_ranked_or_a_bad_day_is_a_bad_request(head, db):
    assert head.get(URL + "?level=district").status_code == 400
    assert head.get(CSV_URL + "?level=village").status_code == 400
    assert head.get(CSV_URL + "?as_of=kemarin").status_code == 400


# --- The dashboards ------------------------------------------------------------------------


def test_the_regency_dashboard_says_its_rank_in_indonesian(regencies):
    roll_day(AS_OF)
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    client.force_login(user_role_set(username="pusat", kind="head_office").user)
    page = client.get("/wilayah/35.76/" + Q).content.decode()
    assert "<strong>Peringkat 2 dari 81</strong>" in page
    assert "di antara kabupaten dan kota" in page and "· skor 38,33</p>" in page
    assert "<dd>75,00\u00a0%</dd>" in page and "<dd>25,00\u00a0%</dd>" in page


def test_the_province_dashboard_says_its_rank_among_provinces(head, regencies):
    roll_day(AS_OF)
    response = head.get("/wilayah/35/" + Q)
    assert response.context["standing"].rank == 2
    page = response.content.decode()
    assert "<strong>Rank 2 of 3</strong>" in page and "among the provinces" in page
    assert 'href="/peringkat/?level=province&amp;as_of=2026-11-22"' in page


def test_the_country_dashboard_shows_the_first_ten_and_the_formula(head, regencies):
    roll_day(AS_OF)
    response = head.get("/" + Q)
    top = response.context["ranking_top"]
    assert [r.code for r in top["regency"]][:2] == [MAGELANG, MOJOKERTO]
    assert (len(top["regency"]), len(top["province"])) == (10, 3)
    page = response.content.decode()
    assert "The first 10 regencies and cities" in page
    assert "All 81 regencies and cities" in page and "How the score is made" in page


@pytest.mark.parametrize(
    ("url", "links"),
    [
        ("/wilayah/35.76/", ["/peringkat/?as_of=2026-11-22"]),
        ("/wilayah/35/", ["/peringkat/?level=province&amp;as_of=2026-11-22"]),
        ("/", ["/peringkat/?as_of=2026-11-22", "/peringkat/?level=province&amp;as_of=2026-11-22"]),
    ],
)
def test_a_dashboard_of_a_day_not_kept_links_to_the_standing_of_that_day(
    head, regencies, url, links
):
    # No day kept: the whole country would be judged in Python for the card. The dashboard
    # only asks for the rule sets and whether the day is kept, and links to the page.
    response = head.get(url + Q)
    page = html_of(response)
    assert "standing" not in response.context and "ranking" not in response.context
    assert "For the day shown here, open the standing table" in page
    assert [f'href="{link}"' in page for link in links] == [True] * len(links)


def test_districts_and_villages_have_no_standing(head, regencies):
    response = head.get("/wilayah/35.76.01/" + Q)
    assert "standing" not in response.context and "ranking-heading" not in html_of(response)


def html_of(response) -> str:
    return response.content.decode()


# --- Who sees what -------------------------------------------------------------------------


def test_a_regency_manager_sees_only_their_own_row_with_its_national_rank(regencies):
    client = _client("manager", area_codes=[MOJOKERTO])
    response = client.get(URL + Q)
    assert [(r.rank, r.of, r.code) for r in response.context["rows"]] == [(2, 81, MOJOKERTO)]
    assert "Kota Magelang" not in html_of(response)
    assert "Your own areas only, each with its rank among all 81." in html_of(response)
    assert len(_csv(client.get(CSV_URL + Q))) == 2
    # A regency's staff have no province of their own to rank.
    assert client.get(URL + "?level=province").status_code == 404
    assert client.get(CSV_URL + "?level=province").status_code == 404


def test_a_province_manager_sees_its_regencies_and_its_province(regencies):
    client = _client("manager", area_codes=["35"])
    rows = client.get(URL + Q).context["rows"]
    assert (len(rows), rows[0].code, rows[0].rank) == (38, MOJOKERTO, 2)
    assert [r.code for r in client.get(URL + "?level=province").context["rows"]] == ["35"]


@pytest.mark.parametrize("url", [URL, CSV_URL, XLSX_URL + "?level=province"])
def test_a_village_secretary_or_a_district_sees_no_standing(db, url):
    secretary = _client("village_secretary", area_codes=_villages("35.76.01", 1))
    assert secretary.get(url).status_code == 404
    assert _client("manager", area_codes=["35.76.01"]).get(url).status_code == 404


@pytest.mark.parametrize("url", [URL, CSV_URL, XLSX_URL])
def test_anonymous_users_log_in_and_users_without_a_role_are_refused(db, client, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")
    client.force_login(UserFactory.create(username="warga"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [URL, CSV_URL])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get(head, url, method):
    assert getattr(head, method)(url).status_code == 405


def test_the_export_is_logged(head, regencies):
    from villages.models import AccessLog

    head.get(CSV_URL + Q)
    log = AccessLog.objects.get(action="export")
    assert (log.area_code, log.rows, log.what) == (
        "",
        81,
        "cakupan-indonesia-peringkat-kabupaten-2026-11-22.csv",
    )
