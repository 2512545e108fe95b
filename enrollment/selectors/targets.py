"""Targets below the regency on the dashboards: a district's own targets against its figures,
and on a regency's dashboard its districts' targets with their gaps.

A village is *enrolled* on a day when at least one of its officials' posts is covered then
(the minimum programs of the rule set in force, paid through the day), whatever its other
posts: the district's "villages enrolled" target counts those.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from enrollment.rules import Figures
from enrollment.selectors.figures import figures_by_village
from enrollment.selectors.results import AreaCoverage
from villages.models import DistrictTarget
from villages.routers import read_db
from villages.selectors import Area


@dataclass(frozen=True)
class DistrictGap:
    """A district's targets for the year of the figures, against those figures."""

    district: Area
    target: DistrictTarget
    figures: Figures  # the district's posts and covered posts on the day
    villages: int  # villages in the district
    villages_enrolled: int  # of them, villages with at least one covered post

    @property
    def posts_to_cover(self) -> int | None:
        """Covered posts still missing to reach the officials target (0 when reached); None
        without that target. The posts the target asks for are rounded up: 40% of 11 is 5."""
        pct = self.target.officials_pct
        if pct is None:
            return None
        wanted = (self.figures.posts * Decimal(pct) / 100).to_integral_value(ROUND_CEILING)
        return max(int(wanted) - self.figures.covered, 0)

    @property
    def villages_to_enroll(self) -> int | None:
        """Villages still to enroll to reach the villages target; None without that target."""
        wanted = self.target.villages_enrolled
        return None if wanted is None else max(wanted - self.villages_enrolled, 0)

    @property
    def behind(self) -> bool:
        """Whether the district is short of one of its targets."""
        return bool(self.posts_to_cover) or bool(self.villages_to_enroll)


def district_gaps(*, coverage: AreaCoverage) -> list[DistrictGap]:
    """The targets of the year of `coverage`'s day against its figures: on a district's
    dashboard the district's own (none or one), on a regency's those of its districts that
    have targets, in code order; none on other dashboards.

    One query for the targets; on a regency's dashboard with targets, one more per minimum
    program set in force (usually one) for its villages' figures, to count villages enrolled.
    """
    area = coverage.area
    if area.level not in ("district", "regency"):
        return []
    targets = DistrictTarget.objects.using(read_db()).filter(year=coverage.as_of.year)
    if area.level == "district":
        target = targets.filter(district_id=area.code).first()
        if target is None:
            return []
        villages = sum(1 for row in coverage.children if row.figures.covered)
        return [DistrictGap(area, target, coverage.totals, len(coverage.children), villages)]
    by_district = {t.district_id: t for t in targets.filter(district__regency_id=area.code)}
    if not by_district:
        return []
    enrolled = _villages_enrolled_by_district(coverage)
    return [
        DistrictGap(
            district=row.area,
            target=by_district[row.area.code],
            figures=row.figures,
            villages=row.area.villages,
            villages_enrolled=enrolled[row.area.code],
        )
        for row in coverage.children
        if row.area.code in by_district
    ]


def _villages_enrolled_by_district(coverage: AreaCoverage) -> Counter[str]:
    """District code → villages below `coverage`'s area with at least one covered post."""
    figures = figures_by_village(area=coverage.area, day=coverage.as_of, rules=coverage.rules)
    return Counter(
        code[:8]
        for code, categories in figures.items()
        if any(item.covered for item in categories.values())
    )
