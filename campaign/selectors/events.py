"""Outreach events that touch an area in a period, each with its uplift: registrations in
the villages it was held for in the UPLIFT_DAYS days before the event day and in the
UPLIFT_DAYS days from the event day on (the event day counts as after). Three queries
whatever the number of events and villages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import DateField, Func, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce

from campaign.models import EventAttendance, OutreachEvent, Registration
from campaign.period import Period
from campaign.selectors.registrations import village_q
from villages.models import Village
from villages.routers import read_db
from villages.selectors import Area

UPLIFT_DAYS = 30


class ShiftDays(Func):
    """A date `days` days later (earlier when negative), still a date: PostgreSQL's
    `date + integer` (`date + interval` would be a timestamp, which the index on (village,
    date) cannot take as a bound), SQLite's `date(…, '+n days')`."""

    output_field = DateField()

    def __init__(self, expression, days: int):
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template=f"(%(expressions)s + {self.days})", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template=f"date(%(expressions)s, '{self.days:+d} days')",
            **extra_context,
        )


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
    """Event id → (registrations before, registrations after) in its villages. One query
    over the (event, village) pairs, each with two sums over its village's registrations in
    the window (the index on (village, date) reads just those days)."""
    day = OuterRef("outreachevent__date")

    def window(start, end) -> Subquery:
        rows = Registration.objects.filter(village=OuterRef("village_id"), date__gte=start)
        rows = rows.filter(date__lt=end).values("village").annotate(n=Sum("count")).values("n")
        return Subquery(rows, output_field=IntegerField())

    pairs = (
        OutreachEvent.villages.through.objects.using(read_db())
        .filter(outreachevent_id__in=event_ids)
        .annotate(
            before=window(ShiftDays(day, -UPLIFT_DAYS), day),
            after=window(day, ShiftDays(day, UPLIFT_DAYS)),
        )
        .values_list("outreachevent_id", "before", "after")  # type: ignore[misc]
    )
    result: dict[int, tuple[int, int]] = {}
    for event, before, after in pairs:
        was = result.get(event, (0, 0))
        result[event] = (was[0] + (before or 0), was[1] + (after or 0))
    return result


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
