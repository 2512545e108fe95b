"""The monthly trends of an area, from the snapshots: coverage, and villages enrolled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    QuerySet,
    Sum,
)

from enrollment.models import (
    AreaSnapshot,
    AreaVillagesSnapshot,
    CoverageSnapshot,
)
from enrollment.rules import (
    Figures,
)
from enrollment.selectors.results import _pct
from villages.routers import read_db
from villages.selectors import (
    Area,
)

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


@dataclass(frozen=True)
class VillagesMonth:
    """An area's villages at the end of a month: how many, how many enrolled (a perangkat
    post's holder covered), how many with every perangkat post covered."""

    month: dt.date
    villages: int
    enrolled: int
    officials_covered: int

    @property
    def enrolled_pct(self) -> float | None:
        """100 × villages enrolled / villages, 2 decimals; None without villages."""
        return _pct(self.enrolled, self.villages)


def villages_enrolled_trend(*, area: Area, months: int = 12) -> list[VillagesMonth]:
    """The villages enrolled by month, oldest first, for an area above the villages (a
    village has no rows: its page says whether it is enrolled). One query, a dozen rows."""
    rows = (
        AreaVillagesSnapshot.objects.using(read_db())
        .filter(area_code=area.code)
        .order_by("-month")
        .values_list("month", "villages", "villages_enrolled", "villages_officials_covered")
    )
    return [VillagesMonth(*row) for row in reversed(list(rows[:months]))]
