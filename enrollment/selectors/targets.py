"""Targets below the regency on the dashboards: a district's own targets against its figures,
and on a regency's dashboard its districts' targets with their gaps.

A village is *enrolled* on a day when at least one of its officials' (perangkat) posts is
covered then (the minimum programs of the rule set in force, paid through the day), whatever
its other posts: the district's "villages enrolled" target counts those, as the dashboards'
and the API's `villages_enrolled` do (`ChildRow.villages_enrolled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from enrollment.rules import Figures
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
        return max(posts_wanted(self.figures.posts, pct) - self.figures.covered, 0)

    @property
    def villages_to_enroll(self) -> int | None:
        """Villages still to enroll to reach the villages target; None without that target."""
        wanted = self.target.villages_enrolled
        return None if wanted is None else max(wanted - self.villages_enrolled, 0)

    @property
    def behind(self) -> bool:
        """Whether the district is short of one of its targets."""
        return bool(self.posts_to_cover) or bool(self.villages_to_enroll)


def posts_wanted(posts: int, pct: Decimal) -> int:
    """The covered posts an officials target of `pct` % asks of `posts` posts, rounded up."""
    return int((posts * Decimal(pct) / 100).to_integral_value(ROUND_CEILING))


def district_gaps(*, coverage: AreaCoverage) -> list[DistrictGap]:
    """The targets of the year of `coverage`'s day against its figures: on a district's
    dashboard the district's own (none or one), on a regency's those of its districts that
    have targets, in code order; none on other dashboards.

    One query for the targets; the villages enrolled are `coverage`'s own counts.
    """
    area = coverage.area
    if area.level not in ("district", "regency"):
        return []
    targets = DistrictTarget.objects.using(read_db()).filter(year=coverage.as_of.year)
    if area.level == "district":
        target = targets.filter(district_id=area.code).first()
        if target is None:
            return []
        return [
            DistrictGap(
                area,
                target,
                coverage.totals,
                len(coverage.children),
                coverage.villages_enrolled,
            )
        ]
    by_district = {t.district_id: t for t in targets.filter(district__regency_id=area.code)}
    if not by_district:
        return []
    return [
        DistrictGap(
            district=row.area,
            target=by_district[row.area.code],
            figures=row.figures,
            villages=row.area.villages,
            villages_enrolled=row.villages_enrolled,
        )
        for row in coverage.children
        if row.area.code in by_district
    ]
