"""Outreach events that touch an area in a period, each with its uplift: registrations in
the villages it was held for in the UPLIFT_DAYS days before the event day and in the
UPLIFT_DAYS days from the event day on (the event day counts as after). Three queries
whatever the number of events and villages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from campaign.models import EventAttendance, EventUplift, OutreachEvent
from campaign.period import Period
from campaign.rollups import UPLIFT_DAYS as UPLIFT_DAYS  # re-exported
from campaign.selectors.registrations import village_q, villages_of
from villages.models import BranchOffice
from villages.routers import read_db
from villages.selectors import Area


@dataclass(frozen=True)
class EventRow:
    id: int
    date: dt.date
    title: str
    place_code: str  # the village or district office it was held at; "" for neither
    place_name: str
    villages: list[str]  # codes of the villages it was held for
    attendees: int  # officials attending, every category of post
    residents_attending: int
    branch_id: int | None
    branch_name: str
    before: int
    after: int

    @property
    def difference(self) -> int:
        return self.after - self.before


def events_in(*, area: Area, period: Period) -> list[EventRow]:
    """Events held in the period for at least one village of the area, latest first."""
    db = read_db()
    touching = OutreachEvent.villages.through.objects.filter(village_q(area)).values(
        "outreachevent_id"
    )
    attendees = (
        EventAttendance.objects.filter(event_id=OuterRef("pk"))
        .values("event_id")
        .annotate(n=Sum("count"))
        .values("n")
    )
    chosen = OutreachEvent.objects.using(db).filter(
        pk__in=touching, date__gte=period.start, date__lte=period.end
    )
    # Plain values, not events: the country has thousands.
    events = list(
        chosen.annotate(n_attendees=Coalesce(Subquery(attendees, output_field=IntegerField()), 0))
        .order_by("-date", "-pk")
        .values(*_FIELDS)
    )
    # The events again as a subquery, not a list of thousands of ids, for their villages
    # and uplift (none when there are no events).
    ids = chosen.values("pk") if events else []
    villages = villages_of(OutreachEvent.villages.through, "outreachevent_id", ids)
    uplift = uplift_of(ids) if events else {}
    kinds = {kind: str(label) for kind, label in BranchOffice.Kind.choices}
    return [
        _row(event, villages[event["pk"]], uplift.get(event["pk"], (0, 0)), kinds)
        for event in events
    ]


_FIELDS = (
    "pk",
    "date",
    "title",
    "place_name",
    "place_village__code",
    "place_village__name",
    "place_district__code",
    "place_district__name",
    "n_attendees",
    "residents_attending",
    "branch_id",
    "branch__kind",
    "branch__name",
)


def uplift_of(event_ids: Any) -> dict[int, tuple[int, int]]:
    """Event id → (registrations before, registrations after) in its villages, as the
    triggers keep them (campaign.rollups; the same sums as `uplift_select` over the
    registrations). One query."""
    rows = (
        EventUplift.objects.using(read_db())
        .filter(event_id__in=event_ids)
        .values_list("event_id", "registered_before", "registered_after")
    )
    return {event: (before, after) for event, before, after in rows}


def _row(
    event: dict[str, Any], villages: list[str], uplift: tuple[int, int], kinds: dict[str, str]
) -> EventRow:
    place_code, place_name = "", event["place_name"]
    if event["place_village__code"] is not None:
        place_code, place_name = event["place_village__code"], event["place_village__name"]
    elif event["place_district__code"] is not None:
        place_code, place_name = event["place_district__code"], event["place_district__name"]
    branch = ""
    if event["branch_id"] is not None:  # str(BranchOffice): its kind's label and its name
        branch = (
            f"{kinds.get(event['branch__kind'], event['branch__kind'])} {event['branch__name']}"
        )
    return EventRow(
        id=event["pk"],
        date=event["date"],
        title=event["title"],
        place_code=place_code,
        place_name=place_name,
        villages=villages,
        attendees=event["n_attendees"],
        residents_attending=event["residents_attending"],
        branch_id=event["branch_id"],
        branch_name=branch,
        before=uplift[0],
        after=uplift[1],
    )
