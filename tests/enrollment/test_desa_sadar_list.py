"""The Desa Sadar list of an area: every village with posts, by officials still to cover,
filtered and paged, the same from the figures of the day (SQL) and evaluated in Python.

The ladder, in Kec. Jatilawang (33.02.03), under the default rule (all perangkat covered;
near: one criterion failed and at most two officials to cover), as of 22/11/2026:
- Gunung Wetan (2001): its Kepala Desa covered — a candidate;
- Karanglewas (2003): 2 of 3 perangkat covered (and a BPD member in arrears) — 1 to cover;
- Karanganyar (2004): 1 of 3 covered — 2 to cover, near;
- Margasana (2005): 0 of 3 covered, declared in 2025 — declared and no longer passing;
- Pekuncen (2002): 2 of 11 covered — 9 to cover, not yet (it fails one criterion only: the
  rule this list replaces called it "one criterion short").
"""

import datetime as dt

import pytest

from enrollment.models import CoverageDay, RuleSet
from enrollment.rules import DEFAULT_MIN_PROGRAMS
from enrollment.selectors import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    NOT_YET,
    SORTS,
    ListQuery,
    coverage_for_area,
    desa_sadar_all,
    desa_sadar_list,
)
from enrollment.summary import day_in_store, roll_day
from tests.enrollment.test_summary import RULE_SETS, _profiles, judged_by, roster  # noqa: F401

from .conftest import (
    GUNUNGWETAN,
    KARANGANYAR,
    KARANGLEWAS,
    MARGASANA,
    PEKUNCEN,
    known_area,
    officials_in,
)

AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(params=["python", "day"])
def source(request, ladder):
    """Each test runs twice: every village evaluated in Python (the figures summed from the
    summary), and from the figures of the day in SQL."""
    if request.param == "day":
        roll_day(AS_OF)
    return request.param


def _list(query=None, code="33.02.03", page=1, per_page=50):
    query = query or ListQuery()
    return desa_sadar_list(
        area=known_area(code), as_of=AS_OF, query=query, page=page, per_page=per_page
    )


def _rows(result) -> list[tuple]:
    return [
        (v.standing.code, v.standing.list_status, v.standing.people_missing)
        for v in result.page.object_list
    ]


def test_the_list_puts_the_villages_nearest_to_ready_first(source):
    result = _list()
    assert _rows(result) == [
        (GUNUNGWETAN, CANDIDATE, 0),
        (KARANGLEWAS, NEAR, 1),
        (KARANGANYAR, NEAR, 2),
        (MARGASANA, DECLARED_FAILING, 3),
        (PEKUNCEN, NOT_YET, 9),
    ]
    assert result.counts == {CANDIDATE: 1, NEAR: 2, DECLARED_FAILING: 1, NOT_YET: 1}
    assert (result.villages, result.not_ready) == (5, 4)
    first, second = result.page.object_list[:2]
    assert (first.district, first.totals.posts, first.totals.covered) == ("Jatilawang", 2, 2)
    assert first.standing.failed == []
    [criterion] = second.standing.failed
    assert criterion.label == "All village officials covered"
    assert criterion.detail == "2 of 3 covered"
    assert result.page.object_list[3].standing.declared_on == dt.date(2025, 8, 17)


@pytest.mark.parametrize(
    "query,codes",
    [
        (ListQuery(status=CANDIDATE), [GUNUNGWETAN]),
        (ListQuery(status=NEAR), [KARANGLEWAS, KARANGANYAR]),
        (ListQuery(status=DECLARED_FAILING), [MARGASANA]),
        (ListQuery(status=NOT_YET), [KARANGLEWAS, KARANGANYAR, MARGASANA, PEKUNCEN]),
        (ListQuery(max_people=2), [GUNUNGWETAN, KARANGLEWAS, KARANGANYAR]),
        (ListQuery(status=NOT_YET, max_people=1), [KARANGLEWAS]),
        (ListQuery(status=CANDIDATE, max_people=0), [GUNUNGWETAN]),
        (ListQuery(status=DECLARED_FAILING, max_people=2), []),
    ],
)
def test_the_list_filters_by_status_and_gap(source, query, codes):
    result = _list(query)
    assert [v.standing.code for v in result.page.object_list] == codes
    assert result.page.paginator.count == len(codes)
    # The counts by status are the area's, whatever the filter.
    assert result.counts == {CANDIDATE: 1, NEAR: 2, DECLARED_FAILING: 1, NOT_YET: 1}


@pytest.mark.parametrize(
    "sort,codes",
    [
        ("-gap", [PEKUNCEN, MARGASANA, KARANGANYAR, KARANGLEWAS, GUNUNGWETAN]),
        ("code", [GUNUNGWETAN, PEKUNCEN, KARANGLEWAS, KARANGANYAR, MARGASANA]),
        ("-code", [MARGASANA, KARANGANYAR, KARANGLEWAS, PEKUNCEN, GUNUNGWETAN]),
        ("name", [GUNUNGWETAN, KARANGANYAR, KARANGLEWAS, MARGASANA, PEKUNCEN]),
        ("-name", [PEKUNCEN, MARGASANA, KARANGLEWAS, KARANGANYAR, GUNUNGWETAN]),
        ("coverage", [MARGASANA, PEKUNCEN, KARANGANYAR, KARANGLEWAS, GUNUNGWETAN]),
        ("-coverage", [GUNUNGWETAN, KARANGLEWAS, KARANGANYAR, PEKUNCEN, MARGASANA]),
    ],
)
def test_the_list_sorts(source, sort, codes):
    assert [v.standing.code for v in _list(ListQuery(sort=sort)).page.object_list] == codes


def test_the_list_is_paged_over_the_whole_area(source):
    second = _list(page=2, per_page=2)
    assert [v.standing.code for v in second.page.object_list] == [KARANGANYAR, MARGASANA]
    assert (second.page.number, second.page.paginator.num_pages) == (2, 3)
    assert second.page.paginator.count == 5
    # Past the end: the last page; not a number: the first.
    assert [v.standing.code for v in _list(page=9, per_page=2).page.object_list] == [PEKUNCEN]
    assert _list(page="x", per_page=2).page.number == 1


def test_the_list_covers_a_whole_regency_and_a_narrower_area(source):
    assert [v.standing.code for v in _list(code="33.02").page.object_list][:2] == [
        GUNUNGWETAN,
        KARANGLEWAS,
    ]
    assert _list(code="33.02").counts == _list().counts
    assert _list(code="33.02.04").page.paginator.count == 0


def test_near_follows_the_rule_set(source):
    rule_set = RuleSet.objects.create(
        name="Banyumas 2026", year=2026, regency_id="33.02", near_max_people=9
    )
    rule_set.minimum_programs.set(DEFAULT_MIN_PROGRAMS)
    result = _list(ListQuery(status=NEAR))
    assert [v.standing.code for v in result.page.object_list] == [
        KARANGLEWAS,
        KARANGANYAR,
        PEKUNCEN,
    ]
    # The dashboard's counts use the same rule.
    assert coverage_for_area(area=known_area("33.02.03"), as_of=AS_OF).n_near_candidates == 3


def test_a_regency_with_other_minimum_programs_is_evaluated_in_python(ladder):
    roll_day(AS_OF)
    rule_set = RuleSet.objects.create(name="Banyumas 2026", year=2026, regency_id="33.02")
    rule_set.minimum_programs.set(["JKK"])  # the Sekretaris Desa of Karanglewas is covered
    assert _rows(_list())[:2] == [(GUNUNGWETAN, CANDIDATE, 0), (KARANGLEWAS, CANDIDATE, 0)]


def test_the_export_list_holds_every_matching_village(source):
    every = desa_sadar_all(area=known_area("33.02.03"), as_of=AS_OF, query=ListQuery())
    assert [v.standing.code for v in every] == [
        GUNUNGWETAN,
        KARANGLEWAS,
        KARANGANYAR,
        MARGASANA,
        PEKUNCEN,
    ]
    near = desa_sadar_all(
        area=known_area("33.02.03"), as_of=AS_OF, query=ListQuery(status=NEAR, sort="-gap")
    )
    assert [v.standing.code for v in near] == [KARANGANYAR, KARANGLEWAS]


@pytest.mark.parametrize("source_", ["python", "day"])
def test_the_query_count_does_not_grow_with_villages(ladder, source_, django_assert_num_queries):
    # Rule sets (2), the day kept (1); from the day the counts by status (1) and the page (1);
    # in Python the figures (1), the declarations (1) and the villages (1).
    if source_ == "day":
        roll_day(AS_OF)
    queries = {"python": 6, "day": 5}[source_]
    for code in ["33.02.03.2006", "33.02.03.2007", "33.02.03.2008", "33.02.03.2009"]:
        with django_assert_num_queries(queries):
            result = _list(ListQuery(sort="coverage", max_people=5), code="33.02")
        assert len(result.page.object_list) == result.page.paginator.count
        officials_in(code, 4, 3)
    assert result.page.paginator.count == 7


# --- The same list both ways, on the generator's data --------------------------------------

QUERIES = [
    ListQuery(),
    ListQuery(sort="-gap"),
    ListQuery(sort="name"),
    ListQuery(sort="-coverage"),
    ListQuery(status=NEAR),
    ListQuery(status=NOT_YET, sort="gap"),
    ListQuery(status=DECLARED_FAILING, sort="code"),
    ListQuery(max_people=3, sort="-name"),
]


def _listing(code: str, query: ListQuery) -> tuple:
    result = desa_sadar_list(area=known_area(code), as_of=AS_OF, query=query, per_page=4)
    pages = [
        [
            (
                v.standing.code,
                v.standing.list_status,
                v.standing.people_missing,
                [(c.key, c.passed, c.people_missing, c.detail) for c in v.standing.criteria],
                v.totals,
                v.district,
                v.standing.declared_on,
            )
            for v in desa_sadar_list(
                area=known_area(code), as_of=AS_OF, query=query, page=n, per_page=4
            ).page.object_list
        ]
        for n in result.page.paginator.page_range
    ]
    return result.counts, result.page.paginator.count, pages


@pytest.mark.parametrize("regency_rules", [False, True])
@pytest.mark.parametrize("rules", range(len(RULE_SETS)))
def test_the_list_in_sql_agrees_with_the_rules_in_python(roster, rules, regency_rules):  # noqa: F811
    _profiles()
    judged_by(rules, regency_rules)
    statuses = set()
    for code in ("", "33.02", "33.02.03"):
        for query in QUERIES:
            CoverageDay.objects.all().delete()
            in_python = _listing(code, query)
            roll_day(AS_OF)
            assert day_in_store() == AS_OF
            assert _listing(code, query) == in_python, (code, query)
            statuses |= {row[1] for page in in_python[2] for row in page}
    if (rules, regency_rules) == (1, False):  # the test can tell them apart
        assert statuses == {CANDIDATE, NEAR, DECLARED_FAILING, NOT_YET}


def test_every_sort_is_tested():
    assert {q.sort.removeprefix("-") for q in QUERIES} == set(SORTS)
