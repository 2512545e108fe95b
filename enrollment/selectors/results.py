"""What an area's dashboard is made of (`AreaCoverage`, its `ChildRow`s) and its assembly,
whichever way the figures were read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from enrollment.rules import (
    Figures,
)
from enrollment.selectors.figures import (
    CategoryFigures,
    _people,
    _sum,
)
from enrollment.selectors.forecast import Forecast
from enrollment.selectors.standings import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    RulesInForce,
    VillageStanding,
)
from villages.models import RegencyTarget
from villages.selectors import (
    Area,
    area_children,
)

# The category whose posts make a village "enrolled" (the field reports' villages count).
PERANGKAT = "PERANGKAT"

# --- Area dashboard ----------------------------------------------------------------------


@dataclass
class ChildRow:
    area: Area
    figures: Figures
    candidates: int = 0
    # Villages with a perangkat post whose holder is covered; with every perangkat post
    # covered (and at least one).
    villages_enrolled: int = 0
    villages_officials_covered: int = 0

    @property
    def villages_enrolled_pct(self) -> float | None:
        """100 × villages enrolled / villages, 2 decimals; None without villages."""
        return _pct(self.villages_enrolled, self.area.villages)

    @property
    def all_villages_enrolled(self) -> bool:
        """Every village enrolled: "100 %" in the field's sense."""
        return self.area.villages > 0 and self.villages_enrolled == self.area.villages


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def perangkat_counts(categories: dict[str, Figures]) -> tuple[int, int]:
    """(enrolled, officials covered) of one village from its figures by category: 1 when a
    perangkat post's holder is covered; 1 when it has perangkat posts, all covered."""
    perangkat = categories.get(PERANGKAT)
    if perangkat is None or not perangkat.posts:
        return 0, 0
    return int(perangkat.covered > 0), int(perangkat.covered == perangkat.posts)


@dataclass
class AreaCoverage:
    """Everything an area dashboard (and its API twin) shows.

    `listed` is the Desa Sadar summary list in its order (candidates, near by the rule set's
    setting, declared and failing; by code within), cut to the `limit` the caller asked for
    (the API's candidates; the pages read the whole list through `desa_sadar_list`);
    `counts` holds the full number of villages of each status, and `listed_total` their
    sum."""

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
    forecast: Forecast = field(default_factory=Forecast)

    @property
    def villages(self) -> int:
        return sum(row.area.villages for row in self.children)

    @property
    def villages_enrolled(self) -> int:
        return sum(row.villages_enrolled for row in self.children)

    @property
    def villages_officials_covered(self) -> int:
        return sum(row.villages_officials_covered for row in self.children)

    @property
    def villages_enrolled_pct(self) -> float | None:
        return _pct(self.villages_enrolled, self.villages)

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


def _area_coverage(
    area, as_of, rules, children, by_category, listed, counts, limit=None, forecast=None
):
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
        forecast=forecast or Forecast(),
    )


def _child_rows(area, figures, standings) -> list[ChildRow]:
    rows = {child.code: ChildRow(child, Figures()) for child in area_children(area=area)}
    for village_code, categories in figures.items():
        row = rows[area.child_code(village_code)]
        for item in categories.values():
            row.figures.add(item)
        enrolled, officials_covered = perangkat_counts(categories)
        row.villages_enrolled += enrolled
        row.villages_officials_covered += officials_covered
    for standing in standings:
        rows[area.child_code(standing.code)].candidates += standing.candidate
    return list(rows.values())


def _target(area: Area, year: int) -> RegencyTarget | None:
    if area.level != "regency":
        return None
    return RegencyTarget.objects.filter(regency_id=area.code, year=year).first()
