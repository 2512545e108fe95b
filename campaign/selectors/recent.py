"""The latest outreach events held for villages of an area, for the coverage dashboards and
the village page: what the campaign did here lately, one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from campaign.models import OutreachEvent

RECENT_EVENTS = 5


@dataclass(frozen=True)
class RecentEvent:
    date: dt.date
    title: str
    place: str
    villages: int  # the villages it was held for, in the area or not


def recent_events(*, area_code: str, limit: int = RECENT_EVENTS) -> list[RecentEvent]:
    """The `limit` latest events held for a village of the area (all for the country),
    newest first."""
    events = OutreachEvent.objects.all()
    if area_code:
        held_for = OutreachEvent.villages.through.objects.filter(outreachevent_id=OuterRef("pk"))
        inside = Q(village_id=area_code) | Q(village__code__startswith=f"{area_code}.")
        events = events.filter(Exists(held_for.filter(inside)))
    rows = (
        events.annotate(held_for=Count("villages"))
        .order_by("-date", "-pk")
        .values(
            "date", "title", "place_name", "place_village__name", "place_district__name", "held_for"
        )
    )[:limit]
    return [
        RecentEvent(
            date=row["date"],
            title=row["title"],
            place=row["place_name"]
            or row["place_village__name"]
            or row["place_district__name"]
            or "",
            villages=row["held_for"],
        )
        for row in rows
    ]
