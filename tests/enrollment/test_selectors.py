"""Coverage figures, rule sets and Desa Sadar standings, on a small hand-built district.

Kec. Jatilawang (33.02.03) has 11 villages; two get rosters here:
- Karanglewas (33.02.03.2003): Kepala Desa covered (JKK+JKM paid to 2026-12-31),
  Sekretaris Desa with JKK only, a Kaur lapsing soon (paid to 2026-12-10), a BPD member in
  arrears (paid to 2026-10-31), and an ended Kaur (term ended 2025) who is not counted.
- Gunungwetan (33.02.03.2001): Kepala Desa covered who is also Pengurus LKD (two posts).
"""

import datetime as dt
from decimal import Decimal

import pytest

from enrollment.models import Declaration, RuleSet
from enrollment.rules import Figures
from enrollment.selectors import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    coverage_for_area,
    coverage_for_village,
    figures_by_village,
    rules_in_force,
    standings_in,
)
from enrollment.summary import roll_day
from tests.factories import PostFactory, covered
from villages.models import Village
from villages.selectors import area_get

AS_OF = dt.date(2026, 11, 22)
KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"


@pytest.fixture(params=["summary", "day"])
def source(request, district):
    """Each area test runs twice: summed from the summary, and from the figures of the day
    (rolled to AS_OF after the roster is written)."""
    if request.param == "day":
        roll_day(AS_OF)
    return request.param


def test_district_totals_add_up_and_match_the_children(district, source):
    result = coverage_for_area(area=area_get(code="33.02.03"), as_of=AS_OF)
    assert result.totals == Figures(posts=6, covered=4, lapsing_soon=1, in_arrears=1)
    assert result.people == 5
    assert dict(result.by_category) == {
        "PERANGKAT": Figures(4, 3, 1, 0),
        "BPD": Figures(1, 0, 0, 1),
        "RT_RW": Figures(),
        "LKD": Figures(1, 1, 0, 0),
        "LINMAS": Figures(),
        "LAINNYA": Figures(),
    }
    rows = {row.area.code: row.figures for row in result.children}
    assert len(rows) == 11
    assert rows[KARANGLEWAS] == Figures(4, 2, 1, 1)
    assert rows[GUNUNGWETAN] == Figures(2, 2, 0, 0)
    assert sum(f.posts for f in rows.values()) == result.totals.posts


def test_regency_and_province_see_the_same_totals(district, source):
    regency = coverage_for_area(area=area_get(code="33.02"), as_of=AS_OF)
    province = coverage_for_area(area=area_get(code="33"), as_of=AS_OF)
    country = coverage_for_area(area=area_get(code=""), as_of=AS_OF)
    for result in (regency, province, country):
        assert result.totals == Figures(6, 4, 1, 1)
    assert len(regency.children) == 27
    assert {row.area.code: row.figures.posts for row in regency.children}["33.02.03"] == 6


def test_coverage_is_judged_on_the_as_of_date(district, source):
    later = coverage_for_area(area=area_get(code="33.02.03"), as_of=dt.date(2027, 1, 1))
    # Everyone's minimum ended by then; those paid to 31/12/2026 are one day in arrears.
    assert later.totals == Figures(posts=6, covered=0, lapsing_soon=0, in_arrears=5)


def test_default_rules_make_gunungwetan_a_candidate(district, source):
    result = coverage_for_area(area=area_get(code="33.02.03"), as_of=AS_OF)
    assert result.rules.national.name == "Default 2026"
    assert [(s.code, s.status) for s in result.listed] == [
        (GUNUNGWETAN, CANDIDATE),
        (KARANGLEWAS, NEAR),
    ]
    assert [s.code for s in result.candidates] == [GUNUNGWETAN]
    assert result.counts == {CANDIDATE: 1, NEAR: 1, DECLARED_FAILING: 0}
    assert {row.area.code: row.candidates for row in result.children}[GUNUNGWETAN] == 1
    assert sum(row.candidates for row in result.children) == 1


@pytest.mark.parametrize("limit", [0, 1, None])
def test_the_list_is_cut_but_the_counts_are_not(district, source, limit):
    result = coverage_for_area(area=area_get(code="33.02"), as_of=AS_OF, limit=limit)
    assert [s.code for s in result.listed] == [GUNUNGWETAN, KARANGLEWAS][:limit]
    assert (result.n_candidates, result.n_near_candidates, result.listed_total) == (1, 1, 2)


def test_village_checklist_names_the_blocking_people(district):
    result = coverage_for_village(area=area_get(code=KARANGLEWAS), as_of=AS_OF)
    [criterion] = result.standing.criteria
    assert criterion.key == "perangkat_covered"
    assert criterion.passed is False
    assert criterion.detail == "2 of 3 covered"
    assert criterion.blocking == [
        {"post": "SEKRETARIS_DESA", "name": "Sri Hartuti", "unit": "", "reason": "no JKM"}
    ]
    assert result.totals == Figures(4, 2, 1, 1)
    assert [(r.post, r.covered, r.lapsing_soon, r.in_arrears) for r in result.roster] == [
        ("KEPALA_DESA", True, False, False),
        ("SEKRETARIS_DESA", False, False, False),
        ("KAUR", True, True, False),
        ("ANGGOTA_BPD", False, False, True),
    ]
    assert result.roster[1].programs == {
        "JKK": "active",
        "JKM": "none",
        "JHT": "none",
        "JP": "none",
        "JKP": "none",
    }
    assert (
        result.roster[0].nik
        == district["kades"].person.nik[:6] + "******" + district["kades"].person.nik[12:]
    )


def test_a_regency_rule_set_overrides_the_national_one(district):
    national = RuleSet.objects.create(name="Nasional 2026", year=2026)
    national.minimum_programs.set(["JKK", "JKM"])
    banyumas = RuleSet.objects.create(
        name="Banyumas 2026", year=2026, regency_id="33.02", bpd_enabled=True, lkd_enabled=True
    )
    banyumas.minimum_programs.set(["JKK"])
    rules = rules_in_force(area=area_get(code="33"), year=2026)
    assert rules.national.name == "Nasional 2026"
    assert rules.for_village(KARANGLEWAS).name == "Banyumas 2026"
    assert rules.for_village("33.01.01.2001").name == "Nasional 2026"
    area = area_get(code="33.02.03")
    result = coverage_for_area(area=area, as_of=AS_OF)
    # With JKK alone as the minimum, the Sekretaris Desa is covered.
    assert result.totals == Figures(posts=6, covered=5, lapsing_soon=1, in_arrears=1)
    rules = rules_in_force(area=area, year=2026)
    figures = figures_by_village(area=area, day=AS_OF, rules=rules)
    standing = {s.code: s for s in standings_in(area=area, rules=rules, figures=figures, day=AS_OF)}
    assert [c.key for c in standing[KARANGLEWAS].criteria] == [
        "perangkat_covered",
        "bpd_covered",
        "lkd_covered",
    ]
    assert [c.key for c in standing[KARANGLEWAS].failed] == ["bpd_covered", "lkd_covered"]
    assert standing[GUNUNGWETAN].failed[0].key == "bpd_covered"


def test_fact_criteria_block_with_the_missing_fact(district):
    rule_set = RuleSet.objects.create(
        name="Ketat 2026",
        year=2026,
        require_bumdes=True,
        require_memorandum=True,
        self_enrolled_enabled=True,
        self_enrolled_min_pct=Decimal(50),
    )
    rule_set.minimum_programs.set(["JKK", "JKM"])
    Village.objects.filter(code=GUNUNGWETAN).update(
        bumdes_active=True,
        households=1524,
        self_enrolled_residents=762,
        self_enrolled_updated_on=dt.date(2026, 10, 1),
    )
    result = coverage_for_village(area=area_get(code=GUNUNGWETAN), as_of=AS_OF)
    by_key = {c.key: c for c in result.standing.criteria}
    assert by_key["bumdes_active"].passed is True
    assert by_key["self_enrolled"].passed is True
    assert by_key["memorandum_signed"].passed is False
    assert by_key["memorandum_signed"].blocking == [{"reason": "No memorandum signed"}]
    assert result.standing.near_candidate is True


def test_a_declared_village_that_no_longer_passes_is_flagged(district, source):
    Declaration.objects.create(
        village_id=KARANGLEWAS, declared_on=dt.date(2025, 6, 1), declared_by="Kepala KC Purwokerto"
    )
    result = coverage_for_area(area=area_get(code="33.02.03"), as_of=AS_OF)
    assert [(s.code, s.status) for s in result.listed] == [
        (GUNUNGWETAN, CANDIDATE),
        (KARANGLEWAS, DECLARED_FAILING),
    ]
    assert result.listed[1].declared_on == dt.date(2025, 6, 1)
    assert result.counts == {CANDIDATE: 1, NEAR: 0, DECLARED_FAILING: 1}


def test_query_count_does_not_grow_with_villages(district, source, django_assert_num_queries):
    # Rule sets (2), the day kept (1), the figures (1 from the day: per child with the
    # Desa Sadar counts; 2 from the summary: per village, then villages and declarations),
    # children, people; from the day also the listed villages and their declarations.
    queries = {"summary": 8, "day": 8}[source]
    with django_assert_num_queries(queries):
        coverage_for_area(area=area_get(code="33.02.03"), as_of=AS_OF)
    for code in ["33.02.03.2002", "33.02.03.2004", "33.02.03.2005", "33.02.03.2006"]:
        covered(PostFactory(code="KEPALA_DESA", village_id=code).person)
    with django_assert_num_queries(queries):
        result = coverage_for_area(area=area_get(code="33.02.03"), as_of=AS_OF)
    assert result.n_candidates == 5


def test_snapshot_feeds_the_trend_and_is_idempotent_within_a_month(district):
    from enrollment.models import AreaSnapshot, CoverageSnapshot
    from enrollment.selectors import coverage_trend
    from enrollment.services import coverage_snapshot

    assert coverage_snapshot(month=dt.date(2026, 10, 1)) == 4
    assert coverage_snapshot(month=dt.date(2026, 10, 15)) == 4
    assert CoverageSnapshot.objects.count() == 4
    # Judged on 31/10/2026: the BPD member paid to that day still counts as covered.
    october = [(dt.date(2026, 10, 1), Figures(posts=6, covered=5))]
    for code in ("", "33", "33.02", "33.02.03"):  # summed once per area, read as one row each
        assert coverage_trend(area=area_get(code=code)) == october, code
    assert coverage_trend(area=area_get(code=KARANGLEWAS)) == [
        (dt.date(2026, 10, 1), Figures(posts=4, covered=3))
    ]
    assert coverage_trend(area=area_get(code="35")) == []
    assert coverage_trend(area=area_get(code="33.02.04")) == []
    # Per category and area: country, province, regency, district, and the two villages'
    # categories (perangkat and BPD in Karanglewas; perangkat and LKD in Gunungwetan).
    assert AreaSnapshot.objects.count() == 4 * 3
    assert set(AreaSnapshot.objects.values_list("area_code", "category", "posts", "covered")) == {
        (code, category, posts, covered)
        for code in ("", "33", "33.02", "33.02.03")
        for category, posts, covered in [("PERANGKAT", 4, 3), ("BPD", 1, 1), ("LKD", 1, 1)]
    }
