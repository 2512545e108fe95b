"""Coverage reads: figures for any area as of a day, Desa Sadar per village, the trend.

Every function runs a fixed number of queries whatever the number of villages below the
area: one aggregate per distinct minimum-program set in force (usually one), and a few
lookups. Pages, exports and the API all read through here.

Area figures for the national default minimum set are sums over the coverage summary that
database triggers keep in step with every write (`enrollment.summary`); other sets are
computed live from posts and memberships. Reads go to `read_db()` (a replica when configured).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.db.models.lookups import LessThan
from django.utils.translation import gettext as _

from enrollment.models import (
    DAY_CATEGORIES,
    DAY_COLUMNS,
    AreaSnapshot,
    CoverageSnapshot,
    CoverageSummary,
    Declaration,
    Membership,
    Program,
    RuleSet,
    SharedHolderPost,
    State,
    VillageDay,
    arrears_since,
    state_of,
)
from enrollment.rules import (
    DEFAULT_MIN_PROGRAMS,
    VILLAGE_FACT_FIELDS,
    Criterion,
    Figures,
    Rules,
    VillageFacts,
    evaluate,
)
from enrollment.summary import LAPSING_DAYS, day_in_store
from villages.categories import CATEGORY_ORDER, POST_ORDER
from villages.models import RegencyTarget, Village
from villages.nik import mask_nik
from villages.routers import read_db
from villages.selectors import (
    CHILD_CODE_LENGTH,
    Area,
    area_children,
    current_posts_q,
    posts_current_in,
)

LAPSING_WINDOW = dt.timedelta(days=LAPSING_DAYS)
# The selectors add and subtract months and days: a day far from the calendar's ends.


# --- Rule sets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesInForce:
    """The national rules for a year and the regencies' own sets that override them."""

    national: Rules
    by_regency: dict[str, Rules]

    def for_village(self, village_code: str) -> Rules:
        return self.by_regency.get(village_code[:5], self.national)

    def min_program_sets(self) -> set[tuple[str, ...]]:
        return {self.national.min_programs} | {r.min_programs for r in self.by_regency.values()}


def rules_in_force(*, area: Area, year: int) -> RulesInForce:
    """National set for the year (else the latest earlier one, else the default), plus the
    regency sets of that year for regencies below `area`."""
    sets = RuleSet.objects.prefetch_related("minimum_programs").filter(
        Q(regency__isnull=True, year__lte=year) | Q(year=year, regency__isnull=False)
    )
    if area.level not in ("country", "province"):
        sets = sets.filter(Q(regency__isnull=True) | Q(regency_id=area.code[:5]))
    elif area.level == "province":
        sets = sets.filter(Q(regency__isnull=True) | Q(regency__code__startswith=f"{area.code}."))
    national, by_regency = None, {}
    for rule_set in sets.order_by("-year"):
        if rule_set.regency_id:
            by_regency[rule_set.regency_id] = Rules.from_model(rule_set)
        elif national is None:
            national = Rules.from_model(rule_set)
    return RulesInForce(national or Rules.default(year), by_regency)


# --- Figures -----------------------------------------------------------------------------


def enrolled_by(day: dt.date) -> Q:
    """Memberships that had started on `day` (an unknown start counts as started)."""
    return Q(enrolled_on__isnull=True) | Q(enrolled_on__lte=day)


def _cover_until(min_programs: tuple[str, ...], day: dt.date) -> Subquery:
    """Per post: the day its holder's minimum programs are paid through (the earliest of
    them), or NULL when the holder lacks one of them."""
    paid = (
        Membership.objects.filter(
            enrolled_by(day),
            person_id=OuterRef("person_id"),
            program_id__in=min_programs,
            paid_until__isnull=False,
        )
        .values("person_id")
        .annotate(n=Count("program_id"), until=Min("paid_until"))
        .filter(n=len(min_programs))
        .values("until")[:1]
    )
    return Subquery(paid)


def _figures_by_village(
    area: Area, day: dt.date, min_programs: tuple[str, ...], only: Q | None = None
) -> dict[str, dict[str, Figures]]:
    """Village → category → figures for one minimum-program set: from the summary for the
    national default set, else live (one aggregate over the posts, restricted by `only`)."""
    if min_programs == DEFAULT_MIN_PROGRAMS:
        return _summary_figures_by_village(area, day)
    soon, since = day + LAPSING_WINDOW, arrears_since(day)
    rows = (
        posts_current_in(area=area, day=day)
        .filter(only or Q())
        .annotate(until=_cover_until(min_programs, day))
        .values("village_id", "category")
        .annotate(
            n_posts=Count("id"),
            n_covered=Count("id", filter=Q(until__gte=day)),
            n_lapsing=Count("id", filter=Q(until__gte=day, until__lte=soon)),
            n_arrears=Count("id", filter=Q(until__lt=day, until__gte=since)),
        )
        .order_by()
    )
    return _by_village(rows)


def _summary_figures_by_village(area: Area, day: dt.date) -> dict[str, dict[str, Figures]]:
    """The same figures summed from the coverage summary (see `enrollment.summary`): a post
    held on `day` is covered when its holder's minimum programs were all enrolled by then and
    are paid through `day`."""
    soon, since = day + LAPSING_WINDOW, arrears_since(day)
    enrolled = Q(enrolled__isnull=True) | Q(enrolled__lte=day)
    rows = (
        CoverageSummary.objects.using(read_db())
        .filter(area.post_filter, current_posts_q(day))
        .values("village_id", "category")
        .annotate(
            n_posts=Sum("posts"),
            n_covered=Sum("posts", filter=enrolled & Q(until__gte=day)),
            n_lapsing=Sum("posts", filter=enrolled & Q(until__gte=day, until__lte=soon)),
            n_arrears=Sum("posts", filter=enrolled & Q(until__lt=day, until__gte=since)),
        )
        .order_by()
    )
    return _by_village(rows)


def _by_village(rows) -> dict[str, dict[str, Figures]]:
    result: dict[str, dict[str, Figures]] = defaultdict(dict)
    for row in rows.values_list(
        "village_id", "category", "n_posts", "n_covered", "n_lapsing", "n_arrears"
    ):
        result[row[0]][row[1]] = Figures(row[2], row[3] or 0, row[4] or 0, row[5] or 0)
    return result


def figures_by_village(
    *, area: Area, day: dt.date, rules: RulesInForce
) -> dict[str, dict[str, Figures]]:
    """Village → category → figures, each village judged by the minimum set in force there.

    A set other than the national default is computed live, only for the regencies it governs
    (or for the whole area when it is the national set of the year)."""
    per_set = {
        s: _figures_by_village(area, day, s, _governed_by(rules, s))
        for s in sorted(rules.min_program_sets())
    }
    if len(per_set) == 1:
        return next(iter(per_set.values()))
    villages = set().union(*per_set.values())
    return {code: per_set[rules.for_village(code).min_programs].get(code, {}) for code in villages}


def _governed_by(rules: RulesInForce, min_programs: tuple[str, ...]) -> Q | None:
    """Posts in the regencies whose own rule set names `min_programs`; None for all."""
    if rules.national.min_programs == min_programs:
        return None
    regencies = [code for code, r in rules.by_regency.items() if r.min_programs == min_programs]
    return Q(*[Q(village__code__startswith=f"{code}.") for code in regencies], _connector=Q.OR)


def people_count(*, area: Area, day: dt.date) -> int:
    """Distinct persons holding at least one post below `area` on `day`: the posts held, less
    the repeats of people holding several (see `enrollment.summary`). Two queries."""
    held = Q(area.post_filter, current_posts_q(day))
    posts = CoverageSummary.objects.using(read_db()).filter(held).aggregate(n=Sum("posts"))["n"]
    return _people(area, day, posts or 0)


def _people(area: Area, day: dt.date, posts: int) -> int:
    """Distinct persons among `posts` posts held below `area` on `day`. One query."""
    repeats = (
        SharedHolderPost.objects.using(read_db())
        .filter(area.post_filter, current_posts_q(day))
        .aggregate(n=Count("id"), people=Count("person_id", distinct=True))
    )
    return posts - repeats["n"] + repeats["people"]


class CategoryFigures(NamedTuple):
    """One category's figures; unpacks as (category, figures)."""

    category: str
    figures: Figures


def _by_category(figures: dict[str, Figures]) -> list[CategoryFigures]:
    return [CategoryFigures(c, figures.get(c, Figures())) for c in CATEGORY_ORDER]


def _sum(figures: list[Figures]) -> Figures:
    total = Figures()
    for item in figures:
        total.add(item)
    return total


# --- Desa Sadar --------------------------------------------------------------------------


@dataclass
class VillageStanding:
    """A village's Desa Sadar standing: each criterion's result, and its declaration."""

    code: str
    name: str
    criteria: list[Criterion]
    declared_on: dt.date | None = None

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    @property
    def candidate(self) -> bool:
        return not self.failed

    @property
    def near_candidate(self) -> bool:
        return len(self.failed) == 1

    @property
    def declared_but_failing(self) -> bool:
        return self.declared_on is not None and not self.candidate

    @property
    def status(self) -> str | None:
        """Where the village stands on the Desa Sadar list, None when it is not on it: a
        declared village that fails is flagged whatever the number of criteria it fails."""
        if self.candidate:
            return CANDIDATE
        if self.declared_but_failing:
            return DECLARED_FAILING
        return NEAR if self.near_candidate else None


CANDIDATE, NEAR, DECLARED_FAILING = "candidate", "near_candidate", "declared_failing"
# The order of the Desa Sadar list: candidates, then one criterion short, then declared
# villages that no longer pass; by village code within.
STATUS_ORDER = (CANDIDATE, NEAR, DECLARED_FAILING)


def _facts(row: dict) -> VillageFacts:
    return VillageFacts(**{name: row[name] for name in VILLAGE_FACT_FIELDS})


def _last_declared(declarations) -> dict[str, dt.date]:
    """Village → the day it was last declared Desa Sadar, of `declarations`. One query."""
    return dict(
        declarations.values("village_id")
        .annotate(last=Max("declared_on"))
        .values_list("village_id", "last")
    )


def standings_in(
    *, area: Area, rules: RulesInForce, figures: dict[str, dict[str, Figures]]
) -> list[VillageStanding]:
    """The standing of every village below `area` that has posts (a village without any
    recorded post has no data to judge), in code order. Two queries."""
    # The area's villages and declarations, filtered here rather than by a list of codes
    # (tens of thousands of parameters at national scale).
    db = read_db()
    villages = Village.objects.using(db).filter(area.village_filter)
    declared = _last_declared(Declaration.objects.using(db).filter(area.post_filter))
    return [
        VillageStanding(
            code=row["code"],
            name=row["name"],
            criteria=evaluate(rules.for_village(row["code"]), figures[row["code"]], _facts(row)),
            declared_on=declared.get(row["code"]),
        )
        for row in villages.values("code", "name", *VILLAGE_FACT_FIELDS).order_by("code")
        if row["code"] in figures
    ]


# --- Area dashboard ----------------------------------------------------------------------


@dataclass
class ChildRow:
    area: Area
    figures: Figures
    candidates: int = 0


@dataclass
class AreaCoverage:
    """Everything an area dashboard (and its API twin) shows.

    `listed` is the Desa Sadar list in its order (candidates, one criterion short, declared
    and failing; by code within), cut to the `limit` the caller asked for; `counts` holds the
    full number of villages of each status, and `listed_total` their sum."""

    area: Area
    as_of: dt.date
    rules: RulesInForce
    totals: Figures
    people: int
    by_category: list[CategoryFigures]
    children: list[ChildRow]
    listed: list[VillageStanding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    target: RegencyTarget | None = None

    @property
    def n_candidates(self) -> int:
        return self.counts.get(CANDIDATE, 0)

    @property
    def n_near_candidates(self) -> int:
        return self.counts.get(NEAR, 0)

    @property
    def n_declared_but_failing(self) -> int:
        return self.counts.get(DECLARED_FAILING, 0)

    @property
    def listed_total(self) -> int:
        return sum(self.counts.values())

    @property
    def candidates(self) -> list[VillageStanding]:
        """The listed candidates (all of them when the list is not cut)."""
        return [s for s in self.listed if s.status == CANDIDATE]


def coverage_for_area(*, area: Area, as_of: dt.date, limit: int | None = None) -> AreaCoverage:
    """Figures for a country, province, regency or district as of a day, with the first
    `limit` villages of its Desa Sadar list (all when None).

    Read from the per-village figures of the day (`VillageDay`) when the day asked is the
    day they are kept for and every rule set in force uses the default minimum programs: a
    fixed handful of queries over one row per village, the Desa Sadar criteria counted in
    SQL and evaluated in Python only for the villages listed. Otherwise summed from the
    summary (or live), every village evaluated in Python. Both give the same result."""
    rules = rules_in_force(area=area, year=as_of.year)
    if rules.min_program_sets() == {DEFAULT_MIN_PROGRAMS} and _day_kept(as_of):
        return _coverage_from_day(area, as_of, rules, limit)
    figures = figures_by_village(area=area, day=as_of, rules=rules)
    standings = standings_in(area=area, rules=rules, figures=figures)
    children = _child_rows(area, figures, standings)
    by_category: dict[str, Figures] = defaultdict(Figures)
    for village in figures.values():
        for category, item in village.items():
            by_category[category].add(item)
    counts = dict.fromkeys(STATUS_ORDER, 0)
    listed = []
    for standing in standings:
        status = standing.status
        if status is not None:
            counts[status] += 1
            listed.append(standing)
    listed.sort(key=lambda s: STATUS_ORDER.index(s.status))
    return _area_coverage(
        area, as_of, rules, children, _by_category(by_category), listed, counts, limit
    )


def _area_coverage(area, as_of, rules, children, by_category, listed, counts, limit=None):
    totals = _sum([row.figures for row in children])
    return AreaCoverage(
        area=area,
        as_of=as_of,
        rules=rules,
        totals=totals,
        people=_people(area, as_of, totals.posts),
        by_category=by_category,
        children=children,
        listed=listed[:limit] if limit is not None else listed,
        counts=counts,
        target=_target(area, as_of.year),
    )


def _child_rows(area, figures, standings) -> list[ChildRow]:
    rows = {child.code: ChildRow(child, Figures()) for child in area_children(area=area)}
    for village_code, categories in figures.items():
        row = rows[area.child_code(village_code)]
        for item in categories.values():
            row.figures.add(item)
    for standing in standings:
        rows[area.child_code(standing.code)].candidates += standing.candidate
    return list(rows.values())


def _target(area: Area, year: int) -> RegencyTarget | None:
    if area.level != "regency":
        return None
    return RegencyTarget.objects.filter(regency_id=area.code, year=year).first()


# --- Area dashboard from the figures of the day ------------------------------------------

_PREFIX = dict(DAY_CATEGORIES)


def _day_kept(day: dt.date) -> bool:
    """Whether `VillageDay` holds the figures of `day` (one query). Only reads: the day is
    moved forward by `manage.py roll_coverage_day` after midnight, never by a page; until it
    runs, today's figures are summed from the summary (the same figures, more slowly)."""
    return day_in_store(read_db()) == day


def _failed_criteria(rules: RulesInForce):
    """SQL: the number of Desa Sadar criteria a `VillageDay` row's village fails, under the
    rule set in force there — `rules.evaluate` in SQL, for the default minimum programs.
    Percentages are compared in hundredths of a percent, in integers, so both sides agree
    exactly at the boundary."""
    expression = _failed_under(rules.national)
    if not rules.by_regency:
        return expression
    return Case(
        *[
            When(village__code__startswith=f"{code}.", then=_failed_under(regency_rules))
            for code, regency_rules in sorted(rules.by_regency.items())
        ],
        default=expression,
    )


def _fails(*conditions):
    """1 when any condition holds, else 0."""
    return Case(*[When(condition, then=1) for condition in conditions], default=0)


def _below(part: str, whole: str, minimum) -> LessThan:
    """part / whole below `minimum` percent."""
    return LessThan(F(part) * 10000, F(whole) * int(minimum * 100))


def _failed_under(rules: Rules):
    terms = []
    for category, minimum in rules.categories:
        prefix = _PREFIX[category]
        posts, covered = f"{prefix}_posts", f"{prefix}_covered"
        terms.append(_fails(Q(**{posts: 0}), _below(covered, posts, minimum)))
    if rules.self_enrolled_min_pct is not None:
        terms.append(
            _fails(
                Q(village__households__isnull=True)
                | Q(village__households=0)
                | Q(village__self_enrolled_residents__isnull=True),
                _below(
                    "village__self_enrolled_residents",
                    "village__households",
                    rules.self_enrolled_min_pct,
                ),
            )
        )
    missing = {
        "bumdes_active": Q(village__bumdes_active=False),
        "perisai_agent": Q(village__perisai_agent_name=""),
        "memorandum_signed": Q(village__memorandum_signed_on__isnull=True),
        "contribution_regulation": Q(village__contribution_regulation=""),
    }
    terms.extend(_fails(missing[key]) for key in rules.facts)
    total = terms[0] if terms else Value(0)
    for term in terms[1:]:
        total = total + term
    return total


def _coverage_from_day(
    area: Area, day: dt.date, rules: RulesInForce, limit: int | None
) -> AreaCoverage:
    db = read_db()
    rows = VillageDay.objects.using(db).filter(day=day)
    if area.code:
        rows = rows.filter(village__code__startswith=f"{area.code}.")
    rows = rows.annotate(
        failed=_failed_criteria(rules),
        declared=Exists(Declaration.objects.filter(village_id=OuterRef("village_id"))),
    )
    # One aggregate per child area: its figures and how many villages of each status.
    per_child = (
        rows.annotate(child=Substr("village_id", 1, CHILD_CODE_LENGTH[area.level]))
        .values("child")
        .annotate(
            **{column: Sum(column) for column in DAY_COLUMNS},
            n_candidate=Count("pk", filter=Q(failed=0)),
            n_near=Count("pk", filter=Q(failed=1, declared=False)),
            n_declared=Count("pk", filter=Q(failed__gte=1, declared=True)),
        )
        .order_by()
    )
    children = {child.code: ChildRow(child, Figures()) for child in area_children(area=area)}
    by_category: dict[str, Figures] = defaultdict(Figures)
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for row in per_child:
        figures = _day_figures(row)
        child = children[row["child"]]
        for category, item in figures.items():
            child.figures.add(item)
            by_category[category].add(item)
        child.candidates = row["n_candidate"]
        counts[CANDIDATE] += row["n_candidate"]
        counts[NEAR] += row["n_near"]
        counts[DECLARED_FAILING] += row["n_declared"]
    listed = _listed_from_day(area, rules, rows, limit)
    return _area_coverage(
        area, day, rules, list(children.values()), _by_category(by_category), listed, counts
    )


def _day_figures(row: dict) -> dict[str, Figures]:
    return {
        category: Figures(
            row[f"{prefix}_posts"],
            row[f"{prefix}_covered"],
            row[f"{prefix}_lapsing"],
            row[f"{prefix}_arrears"],
        )
        for category, prefix in DAY_CATEGORIES
        if row[f"{prefix}_posts"]
    }


def _listed_from_day(area: Area, rules: RulesInForce, rows, limit) -> list[VillageStanding]:
    """The first `limit` villages of the Desa Sadar list, evaluated in Python (the details
    and labels the page shows). Two queries; none when `limit` is 0."""
    if limit == 0:
        return []
    on_list = rows.filter(Q(failed__lte=1) | Q(declared=True))
    ranked = on_list.annotate(
        rank=Case(When(failed=0, then=0), When(declared=True, then=2), default=1)
    ).order_by("rank", "village_id")
    if limit is not None:
        # Rank every village on its own row first, then join the names and facts of the few
        # listed (at national scale, joining 80,000 villages to keep 200 took most of it).
        ranked = ranked.filter(pk__in=Subquery(ranked.values("pk")[:limit]))
    # The village's name and facts under their own names, as `_facts` reads them.
    village = {name: F(f"village__{name}") for name in ["name", *VILLAGE_FACT_FIELDS]}
    listed = list(ranked.values("village_id", *DAY_COLUMNS, **village))
    declarations = Declaration.objects.using(read_db())
    if limit is None:  # the whole area: by code prefix, not tens of thousands of codes
        declarations = declarations.filter(area.post_filter)
    else:
        declarations = declarations.filter(village_id__in=[row["village_id"] for row in listed])
    declared = _last_declared(declarations)
    result = []
    for row in listed:
        code = row["village_id"]
        standing = VillageStanding(
            code=code,
            name=row["name"],
            criteria=evaluate(rules.for_village(code), _day_figures(row), _facts(row)),
            declared_on=declared.get(code),
        )
        if standing.status is not None:  # always, when the SQL and Python rules agree
            result.append(standing)
    return result


# --- Village page ------------------------------------------------------------------------


@dataclass
class RosterRow:
    post_id: int
    person_id: int
    post: str
    post_label: str
    category: str
    unit: str
    name: str
    nik: str
    programs: dict[str, str]
    paid_until: dt.date | None
    covered: bool
    lapsing_soon: bool
    in_arrears: bool
    missing: str  # why the holder is not covered, "" when covered


@dataclass
class VillageCoverage:
    """Everything the village page (and its API twin) shows."""

    area: Area
    as_of: dt.date
    rules: Rules
    totals: Figures
    people: int
    by_category: list[CategoryFigures]
    standing: VillageStanding
    roster: list[RosterRow]


def coverage_for_village(*, area: Area, as_of: dt.date, full_nik: bool = False) -> VillageCoverage:
    """The roster, figures and Desa Sadar checklist of one village. Five queries."""
    rules = rules_in_force(area=area, year=as_of.year).for_village(area.code)
    roster = _roster(area, as_of, rules, full_nik)
    figures: dict[str, Figures] = defaultdict(Figures)
    for row in roster:
        figures[row.category].add(_row_figures(row))
    village = Village.objects.values("code", "name", *VILLAGE_FACT_FIELDS).get(code=area.code)
    declared = Declaration.objects.filter(village_id=area.code).aggregate(d=Max("declared_on"))
    standing = VillageStanding(
        code=area.code,
        name=area.name,
        criteria=evaluate(rules, figures, _facts(village), _blockers(roster)),
        declared_on=declared["d"],
    )
    return VillageCoverage(
        area=area,
        as_of=as_of,
        rules=rules,
        totals=_sum(list(figures.values())),
        people=len({row.person_id for row in roster}),
        by_category=_by_category(figures),
        standing=standing,
        roster=roster,
    )


def _row_figures(row: RosterRow) -> Figures:
    return Figures(1, int(row.covered), int(row.lapsing_soon), int(row.in_arrears))


def _roster(area: Area, day: dt.date, rules: Rules, full_nik: bool) -> list[RosterRow]:
    posts = list(
        posts_current_in(area=area, day=day).select_related("person").order_by("person__name", "id")
    )
    memberships: dict[int, dict[str, dt.date | None]] = defaultdict(dict)
    for person_id, program_id, paid_until in Membership.objects.filter(
        enrolled_by(day), person_id__in={p.person_id for p in posts}
    ).values_list("person_id", "program_id", "paid_until"):
        memberships[person_id][program_id] = paid_until
    programs = list(Program.objects.values_list("code", flat=True))
    rows = [
        _roster_row(post, memberships[post.person_id], programs, rules, day, full_nik)
        for post in posts
    ]
    rows.sort(key=lambda r: (CATEGORY_ORDER.index(r.category), POST_ORDER[r.post], r.unit, r.name))
    return rows


def _roster_row(post, paid: dict, programs: list[str], rules: Rules, day, full_nik) -> RosterRow:
    missing = [code for code in rules.min_programs if paid.get(code) is None]
    minimum = [paid[code] for code in rules.min_programs if paid.get(code) is not None]
    until = min(minimum) if minimum and not missing else None
    covered = until is not None and until >= day
    return RosterRow(
        post_id=post.pk,
        person_id=post.person_id,
        post=post.code,
        post_label=post.get_code_display(),
        category=post.category,
        unit=post.unit,
        name=post.person.name,
        nik=post.person.nik if full_nik else mask_nik(post.person.nik),
        programs={
            code: (state_of(paid[code], day) if code in paid else State.NONE).value
            for code in programs
        },
        paid_until=until if until else (min(minimum) if minimum else None),
        covered=covered,
        lapsing_soon=covered and until <= day + LAPSING_WINDOW,
        in_arrears=until is not None and arrears_since(day) <= until < day,
        missing=_missing_reason(missing, until, covered),
    )


def _missing_reason(missing: list[str], until: dt.date | None, covered: bool) -> str:
    if missing:
        return _("no %(programs)s") % {"programs": ", ".join(missing)}
    if not covered and until is not None:
        return _("paid until %(date)s") % {"date": until.strftime("%d/%m/%Y")}
    return ""


def _blockers(roster: list[RosterRow]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = defaultdict(list)
    for row in roster:
        if not row.covered:
            result[row.category].append(
                {"post": row.post, "name": row.name, "unit": row.unit, "reason": row.missing}
            )
    return result


# --- Trend -------------------------------------------------------------------------------


def coverage_trend(*, area: Area, months: int = 12) -> list[tuple[dt.date, Figures]]:
    """Posts and covered posts by month from the snapshots, oldest first: a village's own,
    or those summed for the area (a dozen rows at any level). One query."""
    snapshots: QuerySet[CoverageSnapshot] | QuerySet[AreaSnapshot]
    if area.level == "village":
        snapshots = CoverageSnapshot.objects.filter(village_id=area.code)
    else:
        snapshots = AreaSnapshot.objects.filter(area_code=area.code)
    rows = (
        snapshots.using(read_db())
        .values("month")
        .annotate(posts=Sum("posts"), covered=Sum("covered"))
        .order_by("-month")[:months]
    )
    return [(row["month"], Figures(row["posts"], row["covered"])) for row in reversed(rows)]
