"""Registrations of residents in an area over a period: totals, by channel, by month, by day,
and by child area and regency. Two aggregate queries whatever the size of the area."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from campaign.models import Channel, Registration
from campaign.period import Period
from villages.routers import read_db
from villages.selectors import CHILD_CODE_LENGTH, Area

CHANNELS = list(Channel.values)
REGENCY_LENGTH = 5


def _channels() -> dict[str, int]:
    return dict.fromkeys(CHANNELS, 0)


@dataclass
class Tally:
    """Residents registered and their first contributions, with the residents by channel
    (every channel, zeros included)."""

    registrations: int = 0
    contributions: int = 0
    by_channel: dict[str, int] = field(default_factory=_channels)

    def add(self, channel: str, count: int, contributions: int) -> None:
        self.registrations += count
        self.contributions += contributions
        self.by_channel[channel] += count

    def merge(self, other: Tally) -> None:
        self.registrations += other.registrations
        self.contributions += other.contributions
        for channel, count in other.by_channel.items():
            self.by_channel[channel] += count


@dataclass(frozen=True)
class RegistrationFigures:
    total: Tally
    by_month: list[tuple[dt.date, int]]  # every month of the period, first days
    by_day: list[tuple[dt.date, int]]  # every day of the period
    by_prefix: dict[str, Tally]  # by code cut at `prefix_length` (children, regencies)


def village_q(area: Area, field_name: str = "village__code") -> Q:
    """Rows whose village (its code at `field_name`) lies in `area`: a prefix of the code,
    which the pattern index on (village, date) serves."""
    if area.level == "country":
        return Q()
    if area.level == "village":
        return Q(**{field_name: area.code})
    return Q(**{f"{field_name}__startswith": f"{area.code}."})


def registrations_in(area: Area, period: Period) -> QuerySet[Registration]:
    return Registration.objects.using(read_db()).filter(
        village_q(area), date__gte=period.start, date__lte=period.end
    )


def prefix_length(area: Area) -> int:
    """How far village codes are cut to sum by child and by regency at once: a child's code
    and a regency's code are both prefixes of the cut."""
    return max(CHILD_CODE_LENGTH.get(area.level, 13), REGENCY_LENGTH)


def registration_figures(*, area: Area, period: Period) -> RegistrationFigures:
    rows = registrations_in(area, period)
    by_day_channel = (
        rows.values("date", "channel").annotate(n=Sum("count"), c=Sum("contributions")).order_by()
    )
    total = Tally()
    days: dict[dt.date, int] = defaultdict(int)
    months: dict[dt.date, int] = defaultdict(int)
    for row in by_day_channel:
        total.add(row["channel"], row["n"], row["c"])
        days[row["date"]] += row["n"]
        months[row["date"].replace(day=1)] += row["n"]
    return RegistrationFigures(
        total=total,
        by_month=[(m, months[m]) for m in _months(period)],
        by_day=[(d, days[d]) for d in _days(period)],
        by_prefix=_by_prefix(rows, prefix_length(area)) if area.level != "village" else {},
    )


def _by_prefix(rows: QuerySet[Registration], length: int) -> dict[str, Tally]:
    grouped = (
        rows.annotate(prefix=Substr("village_id", 1, length))
        .values("prefix", "channel")
        .annotate(n=Sum("count"), c=Sum("contributions"))
        .order_by()
    )
    result: dict[str, Tally] = defaultdict(Tally)
    for row in grouped:
        result[row["prefix"]].add(row["channel"], row["n"], row["c"])
    return dict(result)


def tallies_cut(by_prefix: dict[str, Tally], length: int) -> dict[str, Tally]:
    """`by_prefix` summed by the first `length` characters of the codes."""
    result: dict[str, Tally] = defaultdict(Tally)
    for code, tally in by_prefix.items():
        result[code[:length]].merge(tally)
    return dict(result)


def _days(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=i) for i in range(period.days)]


def _months(period: Period) -> list[dt.date]:
    months, month = [], period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months
