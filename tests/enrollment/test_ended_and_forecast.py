"""Ended coverage in the headline figures, the roster's filter by status, and the Desa Sadar
forecast: on the pages, in the API and in the exports, read from the summary or from the
figures of the day alike.

Data, Kec. Jatilawang (33.02.03), judged on 22/11/2026 (arrears since 22/08/2026; the
forecast looks at 22/12/2026, 21/01/2027 and 20/02/2027). Besides the small district of
conftest.py (Karanglewas, here declared Desa Sadar in 2025, so declared and failing; Gunung
Wetan, a candidate whose Kepala Desa is paid to 31/12/2026):
- Pekuncen (2002): Kepala Desa covered to 30/06/2027; Sekretaris Desa paid to 31/05/2026
  and a Kaur paid to 31/01/2026, both ended; a Kasi in arrears (paid to 30/09/2026); a
  Kepala Dusun with no membership (not registered). Not a candidate.
- Karanganyar (2004): a Kepala Desa paid to 30/11/2026: stops passing within 30 days.
- Bantar (2008): a Kepala Desa paid to 31/01/2027: within 90 days.
- Adisara (2006): a Kepala Desa paid to 31/12/2027: stays a candidate.
"""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enrollment.models import Declaration
from enrollment.rules import Figures
from enrollment.summary import roll_day
from tests.factories import PersonFactory, PostFactory, UserFactory, covered
from villages.models import Village
from villages.roles import user_role_set

from .conftest import GUNUNGWETAN, KARANGLEWAS, html

AS_OF = dt.date(2026, 11, 22)
Q = "?as_of=2026-11-22"
PEKUNCEN = "33.02.03.2002"
KARANGANYAR = "33.02.03.2004"
ADISARA = "33.02.03.2006"
BANTAR = "33.02.03.2008"
AREAS = ["", "33", "33.02", "33.02.03"]


@pytest.fixture
def villages(district):
    """The fixture's villages with Pekuncen's roster and three more candidates."""
    names = dict(Village.objects.filter(district_id="33.02.03").values_list("code", "name"))
    assert (names[KARANGANYAR], names[ADISARA], names[BANTAR]) == (
        "Karanganyar",
        "Adisara",
        "Bantar",
    )
    Declaration.objects.create(
        village_id=KARANGLEWAS, declared_on=dt.date(2025, 6, 1), declared_by="Kepala KC"
    )

    def post(code, village, name, until=None):
        holder = PostFactory(code=code, village_id=village, person=PersonFactory(name=name))
        if until:
            covered(holder.person, until=until)

    post("KEPALA_DESA", PEKUNCEN, "Darsono", dt.date(2027, 6, 30))
    post("SEKRETARIS_DESA", PEKUNCEN, "Tumini", dt.date(2026, 5, 31))
    post("KAUR", PEKUNCEN, "Warsito", dt.date(2026, 1, 31))
    post("KASI", PEKUNCEN, "Sumarni", dt.date(2026, 9, 30))
    post("KEPALA_DUSUN", PEKUNCEN, "Kaswan")
    post("KEPALA_DESA", KARANGANYAR, "Rasim", dt.date(2026, 11, 30))
    post("KEPALA_DESA", BANTAR, "Samsudin", dt.date(2027, 1, 31))
    post("KEPALA_DESA", ADISARA, "Muhadi", dt.date(2027, 12, 31))


@pytest.fixture(params=["summary", "day"])
def source(request, villages):
    """Summed from the summary, or read from the figures of the day (rolled first, then kept
    by the triggers)."""
    if request.param == "day":
        roll_day(AS_OF)
    return request.param


# --- Ended coverage ------------------------------------------------------------------------

# 14 posts: the district fixture's 6 (4 covered, 1 lapsing, 1 in arrears), Pekuncen's 5
# (1 covered, 1 in arrears, 2 ended) and three Kepala Desa (covered; Karanganyar's lapsing).
TOTALS = Figures(posts=14, covered=8, lapsing_soon=2, in_arrears=2, ended=2)


@pytest.mark.parametrize("code", AREAS)
def test_ended_posts_are_counted_at_every_level(staff_client, source, code):
    url = f"/wilayah/{code}/" if code else "/"
    coverage = staff_client.get(url + Q).context["coverage"]
    assert coverage.totals == TOTALS
    assert sum(f.ended for _c, f in coverage.by_category) == 2
    assert sum(row.figures.ended for row in coverage.children) == 2


def test_the_district_shows_ended_beside_arrears(staff_client, source):
    response = staff_client.get("/wilayah/33.02.03/" + Q)
    children = {row.area.code: row.figures for row in response.context["coverage"].children}
    assert children[PEKUNCEN] == Figures(5, 1, 0, 1, 2)
    assert children[KARANGLEWAS] == Figures(4, 2, 1, 1, 0)
    page = html(response)
    assert '<div class="figure figure-ended">\n      <dt>Ended</dt>\n      <dd>2</dd>' in page
    assert "Ended: the holder was covered, but protection ended more than 3 months ago" in page
    row = page.split(f'<a href="/desa/{PEKUNCEN}/{Q}">')[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    # ... then its villages enrolled (1 of 1: "100 %", in bold) and with all officials covered.
    assert cells == ["5", "1", "20.00\u00a0%", "0", "1", "2", "1", "0", "", "0"]
    assert '<strong class="badge all-enrolled">100\u00a0%</strong></td>' in row


def test_a_past_day_counts_ended_posts_too(staff_client, villages):
    # On 01/03/2027 (arrears since 01/12/2026) what was paid to December or January is in
    # arrears; the BPD member (paid to 31/10/2026), Pekuncen's Kasi (30/09/2026) and
    # Karanganyar's Kepala Desa (30/11/2026) have joined the two ended in Pekuncen.
    coverage = staff_client.get("/wilayah/33.02.03/?as_of=2027-03-01").context["coverage"]
    assert coverage.totals == Figures(14, 2, 0, 5, 5)


def test_the_api_gives_ended_beside_in_arrears(source):
    user = user_role_set(username="api.kc", kind="head_office").user
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    data = client.get(f"/api/v1/coverage/33.02.03/{Q}").json()
    assert data["totals"] == {
        "posts": 14,
        "covered": 8,
        "coverage_pct": 57.14,
        "people": 13,
        "lapsing_soon": 2,
        "in_arrears": 2,
        "ended": 2,
        "villages": 11,
        "villages_enrolled": 6,
        "villages_officials_covered": 4,
    }
    [perangkat] = [row for row in data["by_category"] if row["category"] == "PERANGKAT"]
    assert perangkat == {
        "category": "PERANGKAT",
        "posts": 12,
        "covered": 7,
        "coverage_pct": 58.33,
        "lapsing_soon": 2,
        "in_arrears": 1,
        "ended": 2,
    }
    [pekuncen] = [row for row in data["children"] if row["code"] == PEKUNCEN]
    assert (pekuncen["in_arrears"], pekuncen["ended"]) == (1, 2)
    village = client.get(f"/api/v1/coverage/{PEKUNCEN}/{Q}").json()
    assert village["totals"]["ended"] == 2
    assert [row["programs"]["JKK"] for row in village["roster"]] == [
        "active",
        "ended",
        "ended",
        "in_arrears",
        "none",
    ]


def test_the_exports_have_an_ended_column(staff_client, source):
    rows = list(
        csv.reader(
            io.StringIO(
                staff_client.get("/wilayah/33.02.03/ekspor/children.csv" + Q).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[0][2:8] == [
        "Posts",
        "Covered",
        "Coverage (%)",
        "Lapsing soon",
        "In arrears",
        "Ended",
    ]
    assert [row for row in rows if row[0] == PEKUNCEN] == [
        [PEKUNCEN, "Pekuncen", "5", "1", "20.0", "0", "1", "2", "1", "0", "1", "100.0", "0"]
    ]
    assert rows[-1] == [
        "", "Total", "14", "8", "57.14", "2", "2", "2", "", "4", "6", "54.55", "4"
    ]  # fmt: skip
    response = staff_client.get("/wilayah/33.02.03/ekspor/categories.xlsx" + Q)
    sheet = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sheet[1] == ("Village officials (perangkat desa)", 12, 7, 58.33, 2, 1, 2)
    assert sheet[-1] == ("Total", 14, 8, 57.14, 2, 2, 2)


# --- The roster's filter -------------------------------------------------------------------

ROSTER = f"/desa/{PEKUNCEN}/"


def _names(response) -> list[str]:
    return [row.name for _c, _f, rows in response.context["groups"] for row in rows]


def test_the_roster_filter_offers_every_status_with_its_count(staff_client, villages):
    response = staff_client.get(ROSTER + Q)
    filters = [
        (f["label"], f["count"], f["url"], f["current"]) for f in response.context["status_filters"]
    ]
    assert [(str(label), n, url, current) for label, n, url, current in filters] == [
        ("All", 5, Q, True),
        ("Active", 1, Q + "&status=covered", False),
        ("Lapsing within 30 days", 0, Q + "&status=lapsing_soon", False),
        ("In arrears", 1, Q + "&status=in_arrears", False),
        ("Ended", 2, Q + "&status=ended", False),
        ("Not registered", 1, Q + "&status=not_covered", False),
    ]
    assert _names(response) == ["Darsono", "Tumini", "Warsito", "Sumarni", "Kaswan"]
    page = html(response)
    assert '<span class="badge badge-ended">Ended</span>' in page
    assert f'<a href="{Q}&amp;status=ended">Ended <span class="count">2</span></a>' in page
    assert f'href="/desa/{PEKUNCEN}/ekspor/roster.csv{Q}"' in page


@pytest.mark.parametrize(
    "status,names",
    [
        ("covered", ["Darsono"]),
        ("lapsing_soon", []),
        ("in_arrears", ["Sumarni"]),
        ("ended", ["Tumini", "Warsito"]),
        ("not_covered", ["Kaswan"]),
        ("", ["Darsono", "Tumini", "Warsito", "Sumarni", "Kaswan"]),
    ],
)
def test_the_roster_filter_shows_only_that_status(staff_client, villages, status, names):
    response = staff_client.get(ROSTER, {"as_of": "2026-11-22", "status": status})
    assert response.status_code == 200
    assert _names(response) == names
    page = html(response)
    if status:
        assert '<strong aria-current="true">' in page
        assert f'href="/desa/{PEKUNCEN}/ekspor/roster.xlsx{Q}&amp;status={status}"' in page
        assert f'<input type="hidden" name="status" value="{status}">' in page
    if not names:
        assert "No one on this roster has this status on this day." in page
    # The figures above the roster stay the village's.
    assert response.context["coverage"].totals == Figures(5, 1, 0, 1, 2)


def test_the_roster_filter_works_with_a_village_lapsing(staff_client, villages):
    url = f"/desa/{KARANGANYAR}/{Q}&status="
    assert _names(staff_client.get(url + "lapsing_soon")) == ["Rasim"]
    assert _names(staff_client.get(url + "covered")) == ["Rasim"]
    assert _names(staff_client.get(url + "in_arrears")) == []


@pytest.mark.parametrize("junk", ["berakhir", "ENDED", "ended ", "1", "<script>", "x" * 500])
def test_an_unknown_status_shows_everyone_and_says_so(staff_client, villages, junk):
    response = staff_client.get(ROSTER, {"as_of": "2026-11-22", "status": junk})
    assert response.status_code == 200
    assert _names(response) == ["Darsono", "Tumini", "Warsito", "Sumarni", "Kaswan"]
    page = html(response)
    assert "That status filter is not known, so everyone is shown." in page
    assert "<script>" not in page.split("<main")[1]
    assert response.context["export_query"] == Q


def test_the_roster_export_takes_the_filter(staff_client, villages):
    response = staff_client.get(f"/desa/{PEKUNCEN}/ekspor/roster.csv" + Q + "&status=ended")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="cakupan-{PEKUNCEN}-roster-ended-2026-11-22.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[3], row[10], row[11], row[12]) for row in rows[1:]] == [
        ("Tumini", "2026-05-31", "Ended", "paid until 31/05/2026"),
        ("Warsito", "2026-01-31", "Ended", "paid until 31/01/2026"),
    ]
    response = staff_client.get(f"/desa/{PEKUNCEN}/ekspor/roster.xlsx" + Q)
    sheet = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[11] for row in sheet[1:]] == [
        "Covered",
        "Ended",
        "Ended",
        "In arrears",
        "Not covered",
    ]


@pytest.mark.parametrize("junk", ["berakhir", "all", "<b>"])
def test_the_roster_export_refuses_an_unknown_status(staff_client, villages, junk):
    response = staff_client.get(
        f"/desa/{PEKUNCEN}/ekspor/roster.csv", {"as_of": "2026-11-22", "status": junk}
    )
    assert response.status_code == 400
    assert response.content.decode() == (
        "Give status as one of: covered, lapsing_soon, in_arrears, ended, not_covered; or "
        "leave it out for everyone."
    )


FILTERED = [ROSTER + "?status=ended", f"/desa/{PEKUNCEN}/ekspor/roster.csv?status=ended"]


@pytest.mark.parametrize("url", FILTERED)
def test_the_filter_keeps_anonymous_users_out(client, villages, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=" + url.replace("?", "%3F").replace("=", "%3D")


@pytest.mark.parametrize("url", FILTERED)
def test_the_filter_keeps_other_villages_out(client, villages, url):
    secretary = user_role_set(
        username="sekdes.kl", kind="village_secretary", area_codes=[KARANGLEWAS]
    ).user
    client.force_login(secretary)
    assert client.get(url).status_code == 404
    own = url.replace(PEKUNCEN, KARANGLEWAS)
    assert client.get(own).status_code == 200


@pytest.mark.parametrize("url", FILTERED)
def test_the_filter_refuses_other_methods(staff_client, villages, url):
    assert staff_client.post(url).status_code == 405


def test_users_without_a_role_may_not_filter(client, villages):
    client.force_login(UserFactory(username="warga"))
    assert client.get(ROSTER + "?status=ended").status_code == 403


# --- The forecast --------------------------------------------------------------------------


def _forecast(coverage) -> tuple:
    return (
        coverage.forecast.counts,
        coverage.forecast.declared_failing,
        [(g.days, g.count, [v.code for v in g.villages], g.more) for g in coverage.forecast.groups],
    )


@pytest.mark.parametrize("code", AREAS)
def test_the_forecast_counts_candidates_lost_within_30_60_90_days(staff_client, source, code):
    url = f"/wilayah/{code}/" if code else "/"
    coverage = staff_client.get(url + Q).context["coverage"]
    assert coverage.n_candidates == 4  # Gunung Wetan, Karanganyar, Adisara, Bantar
    assert _forecast(coverage) == (
        {30: 1, 60: 2, 90: 3},
        1,
        [
            (30, 1, [KARANGANYAR], 0),
            (60, 2, [GUNUNGWETAN, KARANGANYAR], 0),
            (90, 3, [GUNUNGWETAN, KARANGANYAR, BANTAR], 0),
            (0, 1, [KARANGLEWAS], 0),
        ],
    )


def test_the_forecast_card_links_the_villages(staff_client, source):
    page = html(staff_client.get("/wilayah/33.02/" + Q))
    card = page.split('<section class="card forecast"')[1].split("</section>")[0]
    assert '<h2 id="forecast-heading">Forecast</h2>' in card
    rows = card.split("<tbody>")[1].split("</tr>")[:-1]
    assert "stop passing within 30 days" in rows[0]
    assert '<td class="num">1</td>' in rows[0]
    assert f'<a href="/desa/{KARANGANYAR}/{Q}">Karanganyar</a>' in rows[0]
    assert f'<a href="/desa/{BANTAR}/{Q}">Bantar</a>' in rows[2]
    assert "were declared and no longer pass today" in rows[3]
    assert rows[3].lstrip().startswith('<tr class="flagged">')
    assert f'<a href="/desa/{KARANGLEWAS}/{Q}">Karanglewas</a>' in rows[3]
    assert f'href="/wilayah/33.02/ekspor/forecast.xlsx{Q}"' in card


def test_the_card_names_the_first_five_and_says_how_many_more(staff_client, villages):
    codes = list(
        Village.objects.filter(district_id="33.02.04")
        .order_by("code")
        .values_list("code", flat=True)[:7]
    )
    for code in codes:
        covered(PostFactory(code="KEPALA_DESA", village_id=code).person, until=AS_OF)
    response = staff_client.get("/wilayah/33.02/" + Q)
    [within_30, *_rest] = response.context["coverage"].forecast.groups
    assert (within_30.count, [v.code for v in within_30.villages], within_30.more) == (
        8,
        [KARANGANYAR, *codes[:4]],
        3,
    )
    assert "and 3 more in the download" in html(response)


def test_the_api_gives_the_forecast_cut_per_group(source, monkeypatch):
    monkeypatch.setattr("enrollment.api.FORECAST_LIMIT", 2)
    user = user_role_set(username="api.kc", kind="head_office").user
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    names = {
        GUNUNGWETAN: "Gunung Wetan",
        KARANGANYAR: "Karanganyar",
        BANTAR: "Bantar",
        KARANGLEWAS: "Karanglewas",
    }

    def villages_(*codes):
        return [{"code": code, "name": names[code]} for code in codes]

    for code in ["", "33", "33.02", "33.02.03"]:
        data = client.get(f"/api/v1/coverage/{code + '/' if code else ''}{Q}").json()
        assert data["forecast"] == {
            "30": {"count": 1, "villages": villages_(KARANGANYAR)},
            "60": {"count": 2, "villages": villages_(GUNUNGWETAN, KARANGANYAR)},
            "90": {"count": 3, "villages": villages_(GUNUNGWETAN, KARANGANYAR)},
            "declared_failing": {"count": 1, "villages": villages_(KARANGLEWAS)},
        }, code


def test_the_forecast_export_holds_every_village_once(staff_client, source):
    response = staff_client.get("/wilayah/33.02/ekspor/forecast.xlsx" + Q)
    assert response["Content-Disposition"] == (
        'attachment; filename="cakupan-33.02-forecast-2026-11-22.xlsx"'
    )
    sheet = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sheet == [
        ("Code", "Village", "District", "Forecast", "Within (days)"),
        (KARANGANYAR, "Karanganyar", "Jatilawang", "Stops passing within 30 days", 30),
        (GUNUNGWETAN, "Gunung Wetan", "Jatilawang", "Stops passing within 60 days", 60),
        (BANTAR, "Bantar", "Jatilawang", "Stops passing within 90 days", 90),
        (KARANGLEWAS, "Karanglewas", "Jatilawang", "Declared, no longer passes", None),
    ]
    rows = list(
        csv.reader(
            io.StringIO(
                staff_client.get("/wilayah/33.02.03/ekspor/forecast.csv" + Q).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[0] == ["Code", "Village", "Forecast", "Within (days)"]
    assert rows[1] == [KARANGANYAR, "Karanganyar", "Stops passing within 30 days", "30"]
    assert rows[4] == [KARANGLEWAS, "Karanglewas", "Declared, no longer passes", ""]


def test_no_candidate_means_an_empty_forecast(staff_client, db):
    response = staff_client.get("/wilayah/36/" + Q)
    assert _forecast(response.context["coverage"]) == (
        {30: 0, 60: 0, 90: 0},
        0,
        [(30, 0, [], 0), (60, 0, [], 0), (90, 0, [], 0), (0, 0, [], 0)],
    )
    rows = staff_client.get("/wilayah/36/ekspor/forecast.csv" + Q).content.decode("utf-8-sig")
    assert rows == "Code,Village,Regency / city,Forecast,Within (days)\r\n"
