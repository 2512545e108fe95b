"""The monthly trend of an area, from the snapshots."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    QuerySet,
    Sum,
)

from enrollment.models import (
    AreaSnapshot,
    CoverageSnapshot,
)
from enrollment.rules import (
    Figures,
)
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
