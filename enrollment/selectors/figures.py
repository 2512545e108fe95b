"""Figures of an area on a day: summed from the coverage summary (the default minimum
programs) or computed live from posts and memberships (any other set); distinct people."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from django.db.models import (
    Count,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)

from enrollment.models import (
    CoverageSummary,
    Membership,
    SharedHolderPost,
    arrears_since,
)
from enrollment.rules import (
    DEFAULT_MIN_PROGRAMS,
    FORECAST_DAYS,
    Figures,
)
from enrollment.selectors.standings import RulesInForce
from enrollment.summary import LAPSING_DAYS
from villages.categories import CATEGORY_ORDER
from villages.routers import read_db
from villages.selectors import (
    Area,
    current_posts_q,
    posts_current_in,
)

LAPSING_WINDOW = dt.timedelta(days=LAPSING_DAYS)
# The selectors add and subtract months and days: a day far from the calendar's ends.


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
    area: Area,
    day: dt.date,
    min_programs: tuple[str, ...],
    only: Q | None = None,
    ahead: bool = False,
) -> dict[str, dict[str, Figures]]:
    """Village → category → figures for one minimum-program set: from the summary for the
    national default set, else live (one aggregate over the posts, restricted by `only`).
    With `ahead`, also the posts covered on each of the forecast's days."""
    if min_programs == DEFAULT_MIN_PROGRAMS:
        return _summary_figures_by_village(area, day, ahead)
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
            n_ended=Count("id", filter=Q(until__lt=since)),
            **{
                f"n_ahead_{days}": Count("id", filter=Q(until__gte=until))
                for days, until in _ahead(day, ahead)
            },
        )
        .order_by()
    )
    return _by_village(rows, ahead)


def _ahead(day: dt.date, ahead: bool) -> list[tuple[int, dt.date]]:
    """The forecast's days after `day`, (days, date), when asked for."""
    return [(days, day + dt.timedelta(days=days)) for days in FORECAST_DAYS] if ahead else []


def _summary_figures_by_village(
    area: Area, day: dt.date, ahead: bool = False
) -> dict[str, dict[str, Figures]]:
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
            n_ended=Sum("posts", filter=enrolled & Q(until__lt=since)),
            **{
                f"n_ahead_{days}": Sum("posts", filter=enrolled & Q(until__gte=until))
                for days, until in _ahead(day, ahead)
            },
        )
        .order_by()
    )
    return _by_village(rows, ahead)


_FIGURES = ["n_posts", "n_covered", "n_lapsing", "n_arrears", "n_ended"]
_AHEAD = [f"n_ahead_{days}" for days in FORECAST_DAYS]


def _by_village(rows, ahead: bool) -> dict[str, dict[str, Figures]]:
    result: dict[str, dict[str, Figures]] = defaultdict(dict)
    if not ahead:
        for village, category, posts, covered, lapsing, arrears, ended in rows.values_list(
            "village_id", "category", *_FIGURES
        ):
            result[village][category] = Figures(
                posts, covered or 0, lapsing or 0, arrears or 0, ended or 0
            )
        return result
    for village, category, posts, covered, lapsing, arrears, ended, *later in rows.values_list(
        "village_id", "category", *_FIGURES, *_AHEAD
    ):
        result[village][category] = Figures(
            posts,
            covered or 0,
            lapsing or 0,
            arrears or 0,
            ended or 0,
            covered_ahead=tuple(n or 0 for n in later),
        )
    return result


def figures_by_village(
    *, area: Area, day: dt.date, rules: RulesInForce, ahead: bool = False
) -> dict[str, dict[str, Figures]]:
    """Village → category → figures, each village judged by the minimum set in force there;
    with `ahead`, each village's figures hold its posts covered on the forecast's days.

    A set other than the national default is computed live, only for the regencies it governs
    (or for the whole area when it is the national set of the year)."""
    per_set = {
        s: _figures_by_village(area, day, s, _governed_by(rules, s), ahead)
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
