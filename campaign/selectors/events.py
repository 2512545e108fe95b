"""Outreach events that touch an area in a period, each with its uplift: registrations in
the villages it was held for in the UPLIFT_DAYS days before the event day and in the
UPLIFT_DAYS days from the event day on (the event day counts as after). Three queries
whatever the number of events and villages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from campaign.models import EventAttendance, OutreachEvent, Registration
from campaign.period import Period
from campaign.selectors.registrations import village_q
from villages.models import Village
from villages.routers import read_db
from villages.selectors import Area

UPLIFT_DAYS = 30


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
    events = list(
        OutreachEvent.objects.using(db)
        .filter(pk__in=touching, date__gte=period.start, date__lte=period.end)
        .select_related("branch", "place_village", "place_district")
        .annotate(n_attendees=Coalesce(Subquery(attendees, output_field=IntegerField()), 0))
        .prefetch_related(
            Prefetch("villages", queryset=Village.objects.using(db).only("code").order_by("code"))
        )
        .order_by("-date", "-pk")
    )
    uplift = uplift_of([event.pk for event in events]) if events else {}
    return [_row(event, uplift.get(event.pk, (0, 0))) for event in events]


def uplift_of(event_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Event id → (registrations before, registrations after) in its villages. One query:
    the registrations of the events' villages joined to the events, in each event's window."""
    day = F("village__outreach_events__date")
    window = Q(
        village__outreach_events__in=event_ids,
        date__gte=day - dt.timedelta(days=UPLIFT_DAYS),
        date__lt=day + dt.timedelta(days=UPLIFT_DAYS),
    )
    rows = (
        Registration.objects.using(read_db())
        .filter(window)
        .values(event=F("village__outreach_events"))
        .annotate(
            before=Sum("count", filter=Q(date__lt=day)),
            after=Sum("count", filter=Q(date__gte=day)),
        )
        .order_by()
    )
    return {row["event"]: (row["before"] or 0, row["after"] or 0) for row in rows}


def _row(event: OutreachEvent, uplift: tuple[int, int]) -> EventRow:
    place_code, place_name = "", event.place_name
    if event.place_village is not None:
        place_code, place_name = event.place_village.code, event.place_village.name
    elif event.place_district is not None:
        place_code, place_name = event.place_district.code, event.place_district.name
    return EventRow(
        id=event.pk,
        date=event.date,
        title=event.title,
        place_code=place_code,
        place_name=place_name,
        villages=[village.code for village in event.villages.all()],
        attendees=event.n_attendees,  # type: ignore[attr-defined]
        residents_attending=event.residents_attending,
        branch_id=event.branch_id,
        branch_name=str(event.branch) if event.branch else "",
        before=uplift[0],
        after=uplift[1],
    )
