"""An area's dashboard: its figures by category and by child area, its Desa Sadar list."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from enrollment.rules import (
    DEFAULT_MIN_PROGRAMS,
    Figures,
)
from enrollment.selectors.day import _coverage_from_day, _day_kept
from enrollment.selectors.figures import (
    _by_category,
    figures_by_village,
)
from enrollment.selectors.forecast import forecast_of
from enrollment.selectors.results import AreaCoverage, _area_coverage, _child_rows
from enrollment.selectors.standings import (
    STATUS_ORDER,
    rules_in_force,
    standings_in,
)
from villages.selectors import (
    Area,
)

# --- Area dashboard ----------------------------------------------------------------------


def coverage_for_area(
    *, area: Area, as_of: dt.date, limit: int | None = None, forecast: int | None = 0
) -> AreaCoverage:
    """Figures for a country, province, regency or district as of a day, with the first
    `limit` villages of its Desa Sadar list (all when None), and its forecast with the first
    `forecast` villages of each group (all when None; no forecast at all when 0).

    Read from the per-village figures of the day (`VillageDay`) when the day asked is the
    day they are kept for and every rule set in force uses the default minimum programs: a
    fixed handful of queries over one row per village, the Desa Sadar criteria counted in
    SQL and evaluated in Python only for the villages listed. Otherwise summed from the
    summary (or live), every village evaluated in Python. Both give the same result."""
    rules = rules_in_force(area=area, year=as_of.year)
    if rules.min_program_sets() == {DEFAULT_MIN_PROGRAMS} and _day_kept(as_of):
        return _coverage_from_day(area, as_of, rules, limit, forecast)
    figures = figures_by_village(area=area, day=as_of, rules=rules, ahead=forecast != 0)
    standings = standings_in(area=area, rules=rules, figures=figures, day=as_of)
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
    ahead = forecast_of(standings, figures, rules, forecast)
    return _area_coverage(
        area, as_of, rules, children, _by_category(by_category), listed, counts, limit, ahead
    )
