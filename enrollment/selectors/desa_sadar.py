"""The Desa Sadar list of an area: every village with posts, how far each is from passing
(officials still to cover, criteria failed), filtered, sorted and paged over the whole area.

From the kept day's rows (`VillageDay`) when every rule set in force uses the default minimum
programs: the status and the gap of every village computed in SQL, so sorting 80,000 villages
by gap is one query and only the page's villages are evaluated in Python (for the labels and
details shown). Otherwise every village is evaluated in Python from the summary or live: the
same list, more slowly. A fixed number of queries either way, whatever the number of villages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Cast

from enrollment.models import DAY_CATEGORIES, DAY_FIGURE_COLUMNS, Declaration, VillageDay
from enrollment.rules import DEFAULT_MIN_PROGRAMS, Figures
from enrollment.selectors.day import _day_figures, _day_kept, _sum_of, judged_day_rows
from enrollment.selectors.figures import _sum, figures_by_village
from enrollment.selectors.standings import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    NOT_YET,
    RulesInForce,
    VillageStanding,
    _last_declared,
    rules_in_force,
    standing_of,
    with_facts,
)
from villages.models import Village
from villages.routers import read_db
from villages.selectors import CHILD_LEVEL, LEVEL_MODELS, Area

PAGE_SIZE = 50
# Filter values of `status`: "" every village, NOT_YET every village that is not a candidate.
STATUS_FILTERS = ("", CANDIDATE, NEAR, DECLARED_FAILING, NOT_YET)
# Sort keys; "-key" is the same order reversed. Ties are broken by village code.
SORTS = ("gap", "code", "name", "coverage")
# The order of each sort in SQL, over the rows of `judged_day_rows`.
_SQL_ORDER = {
    "gap": ("gap", "failed", "village_id"),
    "code": ("village_id",),
    "name": ("village__name", "village_id"),
    "coverage": ("coverage", "village_id"),
}


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: a status (STATUS_FILTERS), at most so many officials still to
    cover (None: any), in the order of a sort key ("-" for reversed)."""

    status: str = ""
    max_people: int | None = None
    sort: str = "gap"

    def __post_init__(self) -> None:
        if self.status not in STATUS_FILTERS or self.sort.removeprefix("-") not in SORTS:
            raise ValueError(f"Not a Desa Sadar list query: {self!r}")

    def matches(self, standing: VillageStanding) -> bool:
        if self.max_people is not None and standing.people_missing > self.max_people:
            return False
        if self.status == NOT_YET:
            return not standing.candidate
        return not self.status or standing.list_status == self.status

    def sql_filter(self) -> Q:
        """The same filter over `judged_day_rows`."""
        q = Q() if self.max_people is None else Q(gap__lte=self.max_people)
        if self.status == NOT_YET:
            return q & Q(failed__gte=1)
        return q & Q(status=self.status) if self.status else q


@dataclass
class ListedVillage:
    """A village on the list: its standing, its figures (all posts) and its district."""

    standing: VillageStanding
    totals: Figures
    district: str


@dataclass
class DesaSadarList:
    """One page of an area's Desa Sadar list, and how many villages there are of each
    status in the area (before the list's own filter)."""

    area: Area
    as_of: dt.date
    rules: RulesInForce
    query: ListQuery
    counts: dict[str, int]
    page: Page

    @property
    def villages(self) -> int:
        """Villages with posts in the area: every one is on the unfiltered list."""
        return sum(self.counts.values())

    @property
    def not_ready(self) -> int:
        return self.villages - self.counts[CANDIDATE]


def desa_sadar_list(
    *,
    area: Area,
    as_of: dt.date,
    query: ListQuery,
    page: int | str | None = 1,
    per_page: int = PAGE_SIZE,
) -> DesaSadarList:
    """Page `page` of the list of villages below `area` (a page number past the end gives
    the last page, anything not a number the first). From the kept day: the rule sets, the
    day, the counts by status and the page (four or five queries); evaluated in Python: the
    rule sets, the day, the figures, the declarations and the villages."""
    rules = rules_in_force(area=area, year=as_of.year)
    if _fast(rules, as_of):
        rows = _day_rows(area, as_of, rules)
        counts, matching = _day_counts(rows, query)
        source: Sequence[ListedVillage] = _DayPage(rows, rules, query, matching)
    else:
        everything = _evaluated(area, as_of, rules, query.sort)
        counts = _counts(v.standing for v in everything)
        source = [v for v in everything if query.matches(v.standing)]
    shown = Paginator(source, per_page).get_page(page)
    return DesaSadarList(area, as_of, rules, query, counts, shown)


def desa_sadar_all(*, area: Area, as_of: dt.date, query: ListQuery) -> list[ListedVillage]:
    """Every village of the list (an export), in its order."""
    rules = rules_in_force(area=area, year=as_of.year)
    if _fast(rules, as_of):
        rows = _day_rows(area, as_of, rules).filter(query.sql_filter())
        return _listed(rows, rules, query.sort)
    everything = _evaluated(area, as_of, rules, query.sort)
    return [v for v in everything if query.matches(v.standing)]


def desa_sadar_stream(
    *, area: Area, as_of: dt.date, query: ListQuery, chunk: int = 2000
) -> tuple[int, Iterator[ListedVillage]]:
    """Every village of the list (a whole country's export), in its order: how many there
    are, and the villages made one by one as they are read. From the kept day, one query
    read `chunk` rows at a time (a server-side cursor on PostgreSQL: run it in a transaction
    so that the rows are fetched as they are used, not held by the server first), so no list
    of every village is held. Evaluated in Python, the list is made whole first."""
    rules = rules_in_force(area=area, year=as_of.year)
    if _fast(rules, as_of):
        rows = _day_rows(area, as_of, rules).filter(query.sql_filter())
        return rows.count(), _listed_iter(rows, rules, query.sort, chunk)
    everything = _evaluated(area, as_of, rules, query.sort)
    listed = [v for v in everything if query.matches(v.standing)]
    return len(listed), iter(listed)


def list_subdivisions(*, area: Area) -> list[Area]:
    """The areas a list below `area` can be narrowed to: its provinces, regencies or
    districts, by code (none below a district: its children are the villages). One query."""
    level = CHILD_LEVEL.get(area.level, "village")
    if level == "village":
        return []
    rows = LEVEL_MODELS[level].objects.using(read_db()).filter(area.village_filter)
    return [
        Area(code=code, name=name, level=level)
        for code, name in rows.order_by("code").values_list("code", "name")
    ]


def _fast(rules: RulesInForce, as_of: dt.date) -> bool:
    return rules.min_program_sets() == {DEFAULT_MIN_PROGRAMS} and _day_kept(as_of)


def _counts(standings) -> dict[str, int]:
    counts = dict.fromkeys((CANDIDATE, NEAR, DECLARED_FAILING, NOT_YET), 0)
    for standing in standings:
        counts[standing.list_status] += 1
    return counts


# --- From the figures of the day -----------------------------------------------------------


def _day_rows(area: Area, day: dt.date, rules: RulesInForce):
    rows = VillageDay.objects.using(read_db()).filter(day=day)
    if area.code:
        rows = rows.filter(village__code__startswith=f"{area.code}.")
    return judged_day_rows(rows, rules)


def _day_counts(rows, query: ListQuery) -> tuple[dict[str, int], int]:
    """Villages of each status, and how many the query matches. One query: the status of
    each row is computed once (grouped by), not once per count."""
    counts = _counts([])
    matching = 0
    counted = {"n": Count("pk")}
    if query.max_people is not None:
        counted["n_match"] = Count("pk", filter=Q(gap__lte=query.max_people))
    for row in rows.values("status").annotate(**counted).order_by():
        status = row["status"]
        counts[status] = row["n"]
        if query.status == NOT_YET:
            wanted = status != CANDIDATE
        else:
            wanted = not query.status or status == query.status
        if wanted:
            matching += row.get("n_match", row["n"])
    return counts, matching


class _DayPage(Sequence):
    """The matching rows as the paginator sees them: a known count, and a slice read from
    the database (one query) when the page is taken."""

    def __init__(self, rows, rules: RulesInForce, query: ListQuery, matching: int):
        self.rows, self.rules, self.query, self.matching = rows, rules, query, matching

    def __len__(self) -> int:
        return self.matching

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Only a page (a slice) of the list is read.")
        ordered = _ordered(self.rows.filter(self.query.sql_filter()), self.query.sort)
        # Order and cut every village on its own row first, then join the names, facts and
        # districts of the page's villages only.
        page = self.rows.filter(pk__in=Subquery(ordered.values("pk")[index]))
        return _listed(page, self.rules, self.query.sort)


def _ordered(rows, sort: str):
    key = sort.removeprefix("-")
    if key == "coverage":
        rows = rows.annotate(coverage=_coverage_ratio())
    order = [F(name).desc() if sort.startswith("-") else F(name).asc() for name in _SQL_ORDER[key]]
    return rows.order_by(*order)


def _coverage_ratio():
    """covered / posts over every category, as a float: equal ratios compare equal (IEEE
    division is exact to the nearest float), as Python's fractions do."""
    covered = _sum_of([F(f"{prefix}_covered") for _c, prefix in DAY_CATEGORIES])
    posts = _sum_of([F(f"{prefix}_posts") for _c, prefix in DAY_CATEGORIES])
    return Cast(covered, FloatField()) / Cast(posts, FloatField())


def _listed(rows, rules: RulesInForce, sort: str) -> list[ListedVillage]:
    """The rows (ordered) with their villages' names, facts, districts and last declaration,
    evaluated in Python. One query."""
    return list(_listed_iter(rows, rules, sort))


def _listed_iter(
    rows, rules: RulesInForce, sort: str, chunk: int | None = None
) -> Iterator[ListedVillage]:
    """`_listed`, one village at a time; read `chunk` rows at a time when given."""
    last_declared = Declaration.objects.filter(village_id=OuterRef("village_id"))
    values = with_facts(
        _ordered(rows, sort),
        "village_id",
        *DAY_FIGURE_COLUMNS,
        day=OuterRef("day"),
        to_village="village__",
        name=F("village__name"),
        district_name=F("village__district__name"),
        declared_on=Subquery(last_declared.order_by("-declared_on").values("declared_on")[:1]),
    )
    for row in values.iterator(chunk_size=chunk) if chunk else values:
        code = row["village_id"]
        figures = _day_figures(row)
        declared = {code: row["declared_on"]} if row["declared_on"] else {}
        standing = standing_of(rules.for_village(code), code, row, figures, declared)
        yield ListedVillage(standing, _sum(list(figures.values())), row["district_name"])


# --- Every village evaluated in Python -----------------------------------------------------


def _evaluated(area: Area, day: dt.date, rules: RulesInForce, sort: str) -> list[ListedVillage]:
    """Every village of the area with posts, evaluated in Python, in the order of `sort`.
    Three queries (one more per other minimum-program set in force)."""
    figures = figures_by_village(area=area, day=day, rules=rules)
    db = read_db()
    declared = _last_declared(Declaration.objects.using(db).filter(area.post_filter))
    # In the database's order of names (its collation), which the SQL sort by name follows.
    villages = Village.objects.using(db).filter(area.village_filter)
    villages = with_facts(villages, "code", "name", "district__name", day=day)
    villages = villages.order_by("name", "code")
    result: list[ListedVillage] = []
    rank: dict[str, int] = {}
    for row in villages:
        code = row["code"]
        if code not in figures:
            continue
        rank[code] = len(rank)
        standing = standing_of(rules.for_village(code), code, row, figures[code], declared)
        totals = _sum(list(figures[code].values()))
        result.append(ListedVillage(standing, totals, row["district__name"]))
    key = _PYTHON_ORDER[sort.removeprefix("-")]
    result.sort(key=lambda v: key(v, rank), reverse=sort.startswith("-"))
    return result


_PYTHON_ORDER: dict[str, Callable[[ListedVillage, dict[str, int]], tuple]] = {
    "gap": lambda v, _rank: (v.standing.people_missing, len(v.standing.failed), v.standing.code),
    "code": lambda v, _rank: (v.standing.code,),
    "name": lambda v, rank: (rank[v.standing.code],),
    "coverage": lambda v, _rank: (Fraction(v.totals.covered, v.totals.posts), v.standing.code),
}
