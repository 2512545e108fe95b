"""Villages enrolled by month: the areas' rows written with every snapshot
(`area_villages_sum`), the migration that fills them for the months already snapshotted, the
selector (`villages_enrolled_trend`), the dashboard card, and who sees it.

The hand-built months, September to November 2026, as perangkat snapshots (posts, covered)
unless said otherwise; a village is enrolled when a perangkat post is covered, with every
official covered when all of them are (at least one):
- Karanglewas (33.02.03): (3, 0), (3, 1), (3, 3): enrolled in October and November, every
  official covered in November;
- Gunungwetan (33.02.03): none in September, only a BPD row (5, 5); (2, 2), (2, 2);
- Pekuncen (33.02.03): a BPD row (1, 1) each month, never enrolled;
- Losari (33.02.04, Rawalo): (1, 1), (1, 0), (1, 1): lapsed in October;
- Tambakreja (33.01, Cilacap): (4, 1) in November only;
- Karanglo (35.23.08, Kerek in Tuban): (2, 1), (2, 2), (2, 2).
"""

import datetime as dt
import re
from collections import defaultdict
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from enrollment.models import AreaVillagesSnapshot, CoverageSnapshot
from enrollment.rules import Figures
from enrollment.selectors import VillagesMonth, coverage_for_area, villages_enrolled_trend
from enrollment.selectors.results import perangkat_counts
from enrollment.services import area_snapshots_sum, area_villages_sum, coverage_snapshot
from tests.enrollment.conftest import GUNUNGWETAN, KARANGLEWAS, html, known_area
from villages.models import Village
from villages.roles import user_role_set

PEKUNCEN = "33.02.03.2002"
LOSARI = "33.02.04.2001"
TAMBAKREJA = "33.01.01.2001"
KARANGLO = "35.23.08.2016"
SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
MONTHS = (SEP, OCT, NOV)
# Village → category → figures of each month (None: no row that month).
HAND_BUILT = {
    KARANGLEWAS: {"PERANGKAT": [(3, 0), (3, 1), (3, 3)]},
    GUNUNGWETAN: {"PERANGKAT": [None, (2, 2), (2, 2)], "BPD": [(5, 5), None, None]},
    PEKUNCEN: {"BPD": [(1, 1), (1, 1), (1, 1)]},
    LOSARI: {"PERANGKAT": [(1, 1), (1, 0), (1, 1)]},
    TAMBAKREJA: {"PERANGKAT": [None, None, (4, 1)]},
    KARANGLO: {"PERANGKAT": [(2, 1), (2, 2), (2, 2)]},
}
# Area → (villages enrolled, villages with every official covered) of each month.
EXPECTED = {
    "": [(2, 1), (3, 2), (5, 4)],
    "33": [(1, 1), (2, 1), (4, 3)],
    "35": [(1, 0), (1, 1), (1, 1)],
    "36": [(0, 0), (0, 0), (0, 0)],
    "33.01": [(0, 0), (0, 0), (1, 0)],
    "33.02": [(1, 1), (2, 1), (3, 3)],
    "35.23": [(1, 0), (1, 1), (1, 1)],
    "33.02.03": [(0, 0), (2, 1), (2, 2)],
    "33.02.04": [(1, 1), (0, 0), (1, 1)],
    "33.01.01": [(0, 0), (0, 0), (1, 0)],
    "35.23.08": [(1, 0), (1, 1), (1, 1)],
    "35.23.01": [(0, 0), (0, 0), (0, 0)],
}

pytestmark = pytest.mark.django_db


def villages_below(code: str) -> int:
    return Village.objects.filter(code__startswith=f"{code}." if code else "").count()


def stored(code: str) -> list[tuple[dt.date, int, int, int]]:
    rows = AreaVillagesSnapshot.objects.filter(area_code=code).order_by("month")
    return list(
        rows.values_list("month", "villages", "villages_enrolled", "villages_officials_covered")
    )


def expected(code: str) -> list[tuple[dt.date, int, int, int]]:
    villages = villages_below(code)
    return [(m, villages, *counts) for m, counts in zip(MONTHS, EXPECTED[code], strict=True)]


@pytest.fixture
def village_snapshots():
    """The hand-built villages' snapshots, not yet summed for the areas."""
    CoverageSnapshot.objects.bulk_create(
        CoverageSnapshot(village_id=code, month=month, category=category, posts=p, covered=c)
        for code, categories in HAND_BUILT.items()
        for category, figures in categories.items()
        for month, pair in zip(MONTHS, figures, strict=True)
        if pair is not None
        for p, c in [pair]
    )


@pytest.fixture
def months(village_snapshots):
    """The hand-built months summed, as `snapshot_coverage` does after writing them."""
    for month in MONTHS:
        area_snapshots_sum(month=month)


# --- The areas' rows -------------------------------------------------------------------------


@pytest.mark.parametrize("code", EXPECTED)
def test_each_level_counts_its_villages_enrolled_by_month(months, code):
    assert stored(code) == expected(code)


def test_a_district_sums_its_villages_and_each_level_the_one_below(months):
    by_village: dict[tuple[str, dt.date], dict[str, Figures]] = defaultdict(dict)
    for snapshot in CoverageSnapshot.objects.all():
        by_village[snapshot.village_id, snapshot.month][snapshot.category] = Figures(
            snapshot.posts, snapshot.covered
        )
    villages_of = defaultdict(list)
    for village, district in Village.objects.values_list("code", "district_id"):
        villages_of[district].append(village)
    rows = list(AreaVillagesSnapshot.objects.all())
    children = defaultdict(list)  # (month, area) → the rows of the areas one level down
    for row in rows:
        if row.area_code:
            parent = row.area_code[: {2: 0, 5: 2, 8: 5}[len(row.area_code)]]
            children[row.month, parent].append(row)
    for row in rows:
        if len(row.area_code) == 8:  # a district: its villages, counted one by one
            counts = [
                perangkat_counts(by_village.get((village, row.month), {}))
                for village in villages_of[row.area_code]
            ]
            parts = [(1, enrolled, every) for enrolled, every in counts]
        else:
            parts = [
                (child.villages, child.villages_enrolled, child.villages_officials_covered)
                for child in children[row.month, row.area_code]
            ]
        sums = tuple(sum(part[i] for part in parts) for i in range(3))
        assert sums == (row.villages, row.villages_enrolled, row.villages_officials_covered)


def test_every_area_with_villages_gets_a_row_each_month(months):
    codes = set(Village.objects.values_list("code", flat=True))
    areas = {""} | {code[:length] for code in codes for length in (2, 5, 8)}
    for month in MONTHS:
        written = AreaVillagesSnapshot.objects.filter(month=month)
        assert set(written.values_list("area_code", flat=True)) == areas
    assert stored("")[0][1] == len(codes)


def test_a_second_run_replaces_the_month(months):
    CoverageSnapshot.objects.filter(village_id=KARANGLO, month=NOV).update(covered=0)
    rows = AreaVillagesSnapshot.objects.filter(month=NOV).count()
    assert area_villages_sum(month=NOV) == rows
    assert AreaVillagesSnapshot.objects.filter(month=NOV).count() == rows
    assert stored("35.23.08")[2][2:] == (0, 0)
    assert stored("")[2][2:] == (4, 3)
    assert stored("")[1][2:] == (3, 2)  # the other months stay


def test_the_queries_do_not_grow_with_the_villages(
    village_snapshots, django_assert_max_num_queries
):
    def kinds() -> list[str]:
        with django_assert_max_num_queries(100) as queries:
            area_villages_sum(month=NOV)
        return [query["sql"].split()[0] for query in queries.captured_queries]

    few = kinds()
    CoverageSnapshot.objects.bulk_create(
        CoverageSnapshot(village_id=code, month=NOV, category="PERANGKAT", posts=2, covered=1)
        for code in Village.objects.filter(code__startswith="36.").values_list("code", flat=True)
    )
    many = kinds()
    # One grouped read, the delete, then the inserts: one per batch of areas, not villages.
    assert few == many
    assert (many[:2], set(many[2:])) == (["SELECT", "DELETE"], {"INSERT"})
    assert stored("36")[0][1:] == (villages_below("36"), villages_below("36"), 0)


def test_every_snapshot_writes_the_villages_as_the_dashboard_counts_them(district):
    # The district of conftest.py, snapshotted for November: judged on 30/11/2026.
    coverage_snapshot(month=NOV)
    day = dt.date(2026, 11, 30)
    for code in ("", "33", "33.02", "33.02.03"):
        coverage = coverage_for_area(area=known_area(code), as_of=day)
        assert stored(code) == [
            (
                NOV,
                coverage.villages,
                coverage.villages_enrolled,
                coverage.villages_officials_covered,
            )
        ]
        assert stored(code)[0][2:] == (2, 1)


# --- The migration's backfill ----------------------------------------------------------------


def test_the_migration_fills_the_months_already_snapshotted(village_snapshots):
    migration = import_module("enrollment.migrations.0015_area_villages_snapshot")
    state = MigrationLoader(connection).project_state(("enrollment", "0015_area_villages_snapshot"))
    migration.fill(state.apps, None)
    for code in EXPECTED:
        assert stored(code) == expected(code), code
    backfilled = set(AreaVillagesSnapshot.objects.values_list(
        "area_code", "month", "villages", "villages_enrolled", "villages_officials_covered"
    ))  # fmt: skip
    # The same rows as every snapshot writes from now on.
    AreaVillagesSnapshot.objects.all().delete()
    for month in MONTHS:
        area_villages_sum(month=month)
    assert set(AreaVillagesSnapshot.objects.values_list(
        "area_code", "month", "villages", "villages_enrolled", "villages_officials_covered"
    )) == backfilled  # fmt: skip


def test_the_migration_writes_nothing_without_snapshots(db):
    migration = import_module("enrollment.migrations.0015_area_villages_snapshot")
    state = MigrationLoader(connection).project_state(("enrollment", "0015_area_villages_snapshot"))
    migration.fill(state.apps, None)
    assert AreaVillagesSnapshot.objects.count() == 0


# --- The selector ----------------------------------------------------------------------------


def test_the_trend_reads_the_areas_months_oldest_first_in_one_query(
    months, django_assert_num_queries
):
    district = known_area("33.02.03")
    with django_assert_num_queries(1):
        trend = villages_enrolled_trend(area=district)
    assert trend == [
        VillagesMonth(SEP, 11, 0, 0),
        VillagesMonth(OCT, 11, 2, 1),
        VillagesMonth(NOV, 11, 2, 2),
    ]
    assert [row.enrolled_pct for row in trend] == [0.0, 18.18, 18.18]
    assert villages_enrolled_trend(area=district, months=2) == trend[1:]
    assert villages_enrolled_trend(area=known_area(KARANGLEWAS)) == []  # no village rows
    assert villages_enrolled_trend(area=known_area("33.02.05")) == [
        VillagesMonth(month, villages_below("33.02.05"), 0, 0) for month in MONTHS
    ]


# --- The dashboard card ----------------------------------------------------------------------


def test_the_district_card_charts_and_tables_the_months(staff_client, months):
    response = staff_client.get("/wilayah/33.02.03/?as_of=2026-11-22")
    assert response.context["villages_trend_chart"] == {
        "label": "Villages enrolled (%)",
        "labels": ["Sep 2026", "Oct 2026", "Nov 2026"],
        "values": [0.0, 18.18, 18.18],
    }
    page = html(response)
    assert '<h2 id="villages-trend-heading">Villages enrolled by month</h2>' in page
    assert '<script id="villages-trend-chart-data" type="application/json">' in page
    assert '<canvas id="villages-trend-chart" role="img"' in page
    body = page.split('<table class="data" id="villages-trend-table">')[1].split("</table>")[0]
    rows = body.split("<tbody>")[1].split("<tr>")[1:]
    assert [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows] == [
        ["September 2026", "11", "0", "0.00\u00a0%", "0"],
        ["October 2026", "11", "2", "18.18\u00a0%", "1"],
        ["November 2026", "11", "2", "18.18\u00a0%", "2"],
    ]


def test_the_country_card_speaks_indonesian_with_indonesian_numbers(client, staff, months):
    client.force_login(staff)
    page = html(client.get("/?as_of=2026-11-22"))
    villages = villages_below("")
    assert villages > 1000
    assert "Desa terdaftar per bulan" in page
    shown = f"{villages:,}".replace(",", ".")
    share = f"{100 * 5 / villages:.2f}".replace(".", ",")
    assert (
        f'<th scope="row">November 2026</th>\n'
        f'                <td class="num">{shown}</td>\n'
        f'                <td class="num">5</td>\n'
        f'                <td class="num">{share}\u00a0%</td>\n'
        f'                <td class="num">4</td>'
    ) in page
    assert "Desa per bulan" in page
    assert "Persentase terdaftar" in page


def test_without_snapshots_the_card_says_so(staff_client, district):
    page = html(staff_client.get("/wilayah/33.02/?as_of=2026-11-22"))
    card = page.split('aria-labelledby="villages-trend-heading"')[1].split("</section>")[0]
    assert "No monthly snapshots yet" in card
    assert "villages-trend-chart-data" not in page


# --- Who sees it -----------------------------------------------------------------------------


def test_a_village_secretary_never_sees_other_villages_figures(client, months):
    user = user_role_set(username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS])
    client.force_login(user.user)
    for url in ("/wilayah/33.02.03/", "/wilayah/33.02/", "/wilayah/33/", "/wilayah/35.23.08/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/").url == f"/desa/{KARANGLEWAS}/"
    response = client.get(f"/desa/{KARANGLEWAS}/")
    assert response.status_code == 200
    assert "villages_trend" not in response.context
    assert "villages-trend" not in html(response)


def test_a_manager_sees_the_trend_of_their_own_area_only(client, months):
    user = user_role_set(username="manajer", kind="manager", area_codes=["33.01"])
    client.force_login(user.user)
    assert client.get("/wilayah/33.02.03/").status_code == 404
    assert client.get("/wilayah/35.23/").status_code == 404
    response = client.get("/wilayah/33.01/")
    villages = villages_below("33.01")
    assert response.context["villages_trend"] == [
        VillagesMonth(SEP, villages, 0, 0),
        VillagesMonth(OCT, villages, 0, 0),
        VillagesMonth(NOV, villages, 1, 0),
    ]
