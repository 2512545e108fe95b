"""An area's dashboard read from the kept day's per-village rows (`VillageDay`), with the
Desa Sadar criteria counted in SQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Substr
from django.db.models.lookups import LessThan

from campaign.criteria import perisai_agent_present, self_enrolled_on
from enrollment.models import (
    DAY_CATEGORIES,
    DAY_FIGURE_COLUMNS,
    DAY_FIGURES,
    Declaration,
    VillageDay,
)
from enrollment.rules import (
    FORECAST_DAYS,
    Figures,
    Rules,
)
from enrollment.selectors.figures import _by_category
from enrollment.selectors.forecast import DECLARED_FAILING_NOW, Forecast, ForecastVillage
from enrollment.selectors.results import AreaCoverage, ChildRow, _area_coverage
from enrollment.selectors.standings import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    NOT_YET,
    STATUS_ORDER,
    RulesInForce,
    VillageStanding,
    _last_declared,
    standing_of,
    with_facts,
)
from enrollment.summary import day_in_store
from villages.routers import read_db
from villages.selectors import (
    CHILD_CODE_LENGTH,
    Area,
    area_children,
)

# --- Area dashboard from the figures of the day ------------------------------------------

_PREFIX = dict(DAY_CATEGORIES)


def _day_kept(day: dt.date) -> bool:
    """Whether `VillageDay` holds the figures of `day` (one query). Only reads: the day is
    moved forward by `manage.py roll_coverage_day` after midnight, never by a page; until it
    runs, today's figures are summed from the summary (the same figures, more slowly)."""
    return day_in_store(read_db()) == day


def _per_regency(rules: RulesInForce, expression_under):
    """SQL: `expression_under(rules)` of the rule set in force at a `VillageDay` row's
    village: the national set's, or a regency's own."""
    expression = expression_under(rules.national)
    if not rules.by_regency:
        return expression
    return Case(
        *[
            When(village__code__startswith=f"{code}.", then=expression_under(regency_rules))
            for code, regency_rules in sorted(rules.by_regency.items())
        ],
        default=expression,
    )


def _failed_ahead(rules: RulesInForce, days: int):
    """SQL: the number of category criteria a `VillageDay` row's village fails `days` ahead
    if nothing is paid (its posts as held today, covered as counted `{prefix}_covered_{days}`)
    — `rules.stops_passing_within` in SQL. The other criteria do not move with the calendar."""
    return _per_regency(rules, lambda r: _sum_of(_category_terms(r, f"covered_{days}")))


def judged_day_rows(rows, rules: RulesInForce):
    """`VillageDay` rows with how each village stands under the rule set in force there:
    `failed` (criteria failed), `gap` (officials still to cover), `declared`, and `status`
    (candidate, near, declared and failing, not yet) — `enrollment.rules` in SQL, for the
    default minimum programs."""
    rows = rows.annotate(
        failed=_per_regency(rules, _failed_under),
        gap=_per_regency(rules, _gap_under),
        near_failing=_per_regency(rules, lambda r: Value(r.near.max_failing)),
        near_people=_per_regency(rules, lambda r: Value(r.near.max_people)),
        declared=Exists(Declaration.objects.filter(village_id=OuterRef("village_id"))),
    )
    near = Q(failed__lte=F("near_failing"), gap__lte=F("near_people"))
    return rows.annotate(
        status=Case(
            When(failed=0, then=Value(CANDIDATE)),
            When(declared=True, then=Value(DECLARED_FAILING)),
            When(near, then=Value(NEAR)),
            default=Value(NOT_YET),
            output_field=CharField(),
        )
    )


def _fails(*conditions):
    """1 when any condition holds, else 0."""
    return Case(*[When(condition, then=1) for condition in conditions], default=0)


def _below(part: str, whole: str, minimum) -> LessThan:
    """part / whole below `minimum` percent: percentages compared in hundredths of a percent,
    in integers, so SQL and Python agree exactly at the boundary."""
    return LessThan(F(part) * 10000, F(whole) * int(minimum * 100))


def _sum_of(terms):
    # No term: a zero that is an expression, not a bare literal (PostgreSQL reads ORDER BY 0
    # as the select list's column number).
    total = terms[0] if terms else Cast(Value(0), IntegerField())
    for term in terms[1:]:
        total = total + term
    return total


def _category_terms(rules: Rules, covered: str = "covered") -> list:
    """Per category criterion of `rules`: 1 when it fails, counting the covered posts in the
    column `{prefix}_{covered}`."""
    terms = []
    for category, minimum in rules.categories:
        prefix = _PREFIX[category]
        posts = f"{prefix}_posts"
        terms.append(_fails(Q(**{posts: 0}), _below(f"{prefix}_{covered}", posts, minimum)))
    return terms


def _failed_under(rules: Rules):
    """SQL: the number of criteria of `rules` a row's village fails (`rules.evaluate`). The
    campaign's facts are read on the row's own day (campaign.criteria)."""
    terms = _category_terms(rules)
    if rules.self_enrolled_min_pct is not None:
        # Nothing recorded (NULL) counts as -1: below any minimum of a village with
        # households, so the campaign's subquery is written (and run) once.
        enrolled = Coalesce(self_enrolled_on(OuterRef("day"), "village__"), -1)
        terms.append(
            _fails(
                Q(village__households__isnull=True) | Q(village__households=0),
                LessThan(
                    enrolled * 10000,
                    F("village__households") * int(rules.self_enrolled_min_pct * 100),
                ),
            )
        )
    missing = {
        "bumdes_active": Q(village__bumdes_active=False),
        "perisai_agent": ~perisai_agent_present(OuterRef("day"), "village__"),
        "memorandum_signed": Q(village__memorandum_signed_on__isnull=True),
        "contribution_regulation": Q(village__contribution_regulation=""),
    }
    terms.extend(_fails(missing[key]) for key in rules.facts)
    return _sum_of(terms)


def _gap_under(rules: Rules):
    """SQL: the officials a row's village still has to cover for every category criterion of
    `rules` to pass (`rules.people_to_cover`, summed): ceil(min% × posts / 100) − covered, at
    least 0, in integers."""
    terms = []
    for category, minimum in rules.categories:
        prefix = _PREFIX[category]
        needed = ExpressionWrapper(
            (F(f"{prefix}_posts") * int(minimum * 100) + 9999) / 10000,
            output_field=IntegerField(),
        )
        terms.append(Greatest(needed - F(f"{prefix}_covered"), Value(0)))
    return _sum_of(terms)


def _coverage_from_day(
    area: Area, day: dt.date, rules: RulesInForce, limit: int | None, forecast: int | None = 0
) -> AreaCoverage:
    db = read_db()
    rows = VillageDay.objects.using(db).filter(day=day)
    if area.code:
        rows = rows.filter(village__code__startswith=f"{area.code}.")
    rows = judged_day_rows(rows, rules)
    # One aggregate per child area: its figures and how many villages of each status.
    per_child = (
        rows.annotate(child=Substr("village_id", 1, CHILD_CODE_LENGTH[area.level]))
        .values("child")
        # Villages enrolled (a perangkat post's holder covered) and with every perangkat post
        # covered: `results.perangkat_counts` in SQL. Before the sums, which take the
        # columns' names.
        .annotate(
            n_enrolled=Count("pk", filter=Q(perangkat_covered__gt=0)),
            n_officials_covered=Count(
                "pk", filter=Q(perangkat_posts__gt=0, perangkat_covered=F("perangkat_posts"))
            ),
        )
        .annotate(
            **{column: Sum(column) for column in DAY_FIGURE_COLUMNS},
            n_candidate=Count("pk", filter=Q(status=CANDIDATE)),
            n_near=Count("pk", filter=Q(status=NEAR)),
            n_declared=Count("pk", filter=Q(status=DECLARED_FAILING)),
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
        child.villages_enrolled = row["n_enrolled"]
        child.villages_officials_covered = row["n_officials_covered"]
        counts[CANDIDATE] += row["n_candidate"]
        counts[NEAR] += row["n_near"]
        counts[DECLARED_FAILING] += row["n_declared"]
    listed = _listed_from_day(area, rules, rows, limit)
    return _area_coverage(
        area,
        day,
        rules,
        list(children.values()),
        _by_category(by_category),
        listed,
        counts,
        forecast=_forecast_from_day(rows, rules, forecast),
    )


# Per category: its columns of figures, in the order of `Figures`.
_FIGURE_COLUMNS = [
    (category, tuple(f"{prefix}_{figure}" for figure in DAY_FIGURES))
    for category, prefix in DAY_CATEGORIES
]


def _day_figures(row: dict) -> dict[str, Figures]:
    """Category → figures of a row of the day (or of a sum of them)."""
    result = {}
    for category, (posts, covered, lapsing, arrears, ended) in _FIGURE_COLUMNS:
        if row[posts]:
            result[category] = Figures(
                row[posts], row[covered], row[lapsing], row[arrears], row[ended]
            )
    return result


def _forecast_from_day(rows, rules: RulesInForce, limit: int | None) -> Forecast:
    """The forecast: each village's group in SQL (the first of FORECAST_DAYS by which a
    candidate fails a criterion, or declared and failing today), the size of each group, and
    the first `limit` villages of each by code (windows per group). One query; none (and an
    empty forecast) when `limit` is 0."""
    if limit == 0:
        return Forecast()
    rows = rows.annotate(**{f"failed_{days}": _failed_ahead(rules, days) for days in FORECAST_DAYS})
    # Nested, so that each village's failed criteria are computed once: most villages are
    # no candidates, and then only whether they were declared is asked.
    group = Case(
        When(
            failed=0,
            then=Case(
                *[When(**{f"failed_{days}__gt": 0}, then=Value(days)) for days in FORECAST_DAYS],
                default=None,
            ),
        ),
        When(declared=True, then=Value(DECLARED_FAILING_NOW)),
        default=None,
        output_field=IntegerField(),
    )
    grouped = rows.annotate(forecast_group=group).filter(forecast_group__isnull=False)
    inner, params = grouped.values("village_id", "forecast_group").query.sql_with_params()
    # The windows over the grouped rows in SQL of their own: written with the ORM, every
    # window would repeat the group's expression (and Django would build it each time); the
    # names of the few villages kept, not a join of every village of the area.
    sql = f"""
        SELECT g.village_id, (SELECT v.name FROM villages_village v WHERE v.code = g.village_id),
               g.days, g.n
        FROM (
            SELECT i.village_id, i.forecast_group AS days, COUNT(*) OVER w AS n,
                   ROW_NUMBER() OVER (w ORDER BY i.village_id) AS rank
            FROM ({inner}) i
            WINDOW w AS (PARTITION BY i.forecast_group)
        ) g
        {"" if limit is None else "WHERE g.rank <= %s"}
        ORDER BY g.days, g.village_id
    """
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, [*params, *([] if limit is None else [limit])])
        found = cursor.fetchall()
    sizes: dict[int, int] = {}
    villages = []
    for code, name, days, n in found:
        sizes[days] = n
        villages.append(ForecastVillage(code, name, days))
    counts = {
        days: sum(n for d, n in sizes.items() if DECLARED_FAILING_NOW < d <= days)
        for days in FORECAST_DAYS
    }
    return Forecast(counts, sizes.get(DECLARED_FAILING_NOW, 0), villages, limit)


def _listed_from_day(area: Area, rules: RulesInForce, rows, limit) -> list[VillageStanding]:
    """The first `limit` villages of the Desa Sadar list, evaluated in Python (the details
    and labels the page shows). Two queries; none when `limit` is 0."""
    if limit == 0:
        return []
    on_list = rows.exclude(status=NOT_YET)
    ranked = on_list.annotate(
        rank=Case(When(failed=0, then=0), When(declared=True, then=2), default=1)
    ).order_by("rank", "village_id")
    if limit is not None:
        # Rank every village on its own row first, then join the names and facts of the few
        # listed (at national scale, joining 80,000 villages to keep 200 took most of it).
        ranked = ranked.filter(pk__in=Subquery(ranked.values("pk")[:limit]))
    # The village's name and facts under their own names, as `_facts` reads them.
    listed = list(
        with_facts(
            ranked,
            "village_id",
            *DAY_FIGURE_COLUMNS,
            day=OuterRef("day"),
            to_village="village__",
            name=F("village__name"),
        )
    )
    declarations = Declaration.objects.using(read_db())
    if limit is None:  # the whole area: by code prefix, not tens of thousands of codes
        declarations = declarations.filter(area.post_filter)
    else:
        declarations = declarations.filter(village_id__in=[row["village_id"] for row in listed])
    declared = _last_declared(declarations)
    result = []
    for row in listed:
        code = row["village_id"]
        standing = standing_of(rules.for_village(code), code, row, _day_figures(row), declared)
        if standing.status is not None:  # always, when the SQL and Python rules agree
            result.append(standing)
    return result
