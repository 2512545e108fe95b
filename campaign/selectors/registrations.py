"""Registrations of residents in an area over a period: totals, by channel, by month, by day,
and by child area and regency. Two aggregate queries whatever the size of the area."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from campaign.models import Channel, ProvinceDay, Registration, RegistrationDay, RegistrationMonth
from campaign.period import Period
from villages.routers import read_db
from villages.selectors import CHILD_CODE_LENGTH, Area

CHANNELS = list(Channel.values)
REGENCY_LENGTH = 5
# Levels whose figures are read from the rollups (campaign.rollups), not the registrations:
# a year of a province's or the country's registrations is too many rows to sum per request.
ROLLUP_LEVELS = ("country", "province")


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


def villages_of(through: Any, owner: str, ids: Any) -> dict[int, list[str]]:
    """Owner id → the codes of its villages, in code order, from the many-to-many table
    `through` (owner column `owner`): one query, none for no owners (`ids` a list or a
    subquery of their ids). Plain tuples, not
    villages: a country's thousands of events or agents list tens of thousands."""
    result: dict[int, list[str]] = defaultdict(list)
    if isinstance(ids, list) and not ids:  # not `not ids`: that would run a subquery
        return result
    rows = (
        through.objects.using(read_db())
        .filter(**{f"{owner}__in": ids})
        .order_by("village_id")
        .values_list(owner, "village_id")
    )
    for pk, code in rows:
        result[pk].append(code)
    return result


def registrations_in(area: Area, period: Period) -> QuerySet[Registration]:
    return Registration.objects.using(read_db()).filter(
        village_q(area), date__gte=period.start, date__lte=period.end
    )


def prefix_length(area: Area) -> int:
    """How far village codes are cut to sum by child and by regency at once: a child's code
    and a regency's code are both prefixes of the cut."""
    return max(CHILD_CODE_LENGTH.get(area.level, 13), REGENCY_LENGTH)


def province_q(area: Area) -> Q:
    """Rollup rows (their `province` column) within a province or the country."""
    return Q() if area.level == "country" else Q(province=area.code)


def full_months(period: Period) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and last whole months of the period, if any."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    after = period.end + dt.timedelta(days=1)
    last_end = period.end if after.day == 1 else period.end.replace(day=1) - dt.timedelta(days=1)
    if first > last_end:
        return None
    return first, last_end.replace(day=1)


def outside_months(
    period: Period, months: tuple[dt.date, dt.date] | None
) -> list[tuple[dt.date, dt.date]]:
    """The ranges of days of the period outside its whole months `months` (first and last
    month): the whole period if none, else the days before and after them (none, one or
    two ranges). Each its own range, so that the index on the date serves it."""
    if months is None:
        return [(period.start, period.end)]
    ranges = []
    if period.start < months[0]:
        ranges.append((period.start, months[0] - dt.timedelta(days=1)))
    if period.end > month_end(months[1]):
        ranges.append((month_end(months[1]) + dt.timedelta(days=1), period.end))
    return ranges


def month_end(month: dt.date) -> dt.date:
    return _next_month(month) - dt.timedelta(days=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def registration_figures(*, area: Area, period: Period) -> RegistrationFigures:
    rows = registrations_in(area, period)
    by_day_channel: Any
    if area.level in ROLLUP_LEVELS:
        by_day_channel = (
            ProvinceDay.objects.using(read_db())
            .filter(province_q(area), date__gte=period.start, date__lte=period.end)
            .values("date", "channel")
            .annotate(n=Sum("count"), c=Sum("contributions"))
            .order_by()
        )
    else:
        by_day_channel = (
            rows.values("date", "channel")
            .annotate(n=Sum("count"), c=Sum("contributions"))
            .order_by()
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
        by_prefix=_by_prefix_of(area, period, rows),
    )


def _by_prefix_of(area: Area, period: Period, rows: QuerySet[Registration]) -> dict[str, Tally]:
    if area.level == "village":
        return {}
    if area.level in ROLLUP_LEVELS:  # cut at the regency (prefix_length is 5 for both)
        return _by_regency_rollup(area, period)
    return _by_prefix(rows, prefix_length(area))


def _by_regency_rollup(area: Area, period: Period) -> dict[str, Tally]:
    """By regency and channel, in one query: the whole months of the period from the monthly
    rollup, the days before and after them from the daily one."""
    db, where = read_db(), province_q(area)
    months = full_months(period)
    sums = {"n": Sum("count"), "c": Sum("contributions")}
    parts: list[Any] = [
        RegistrationDay.objects.using(db)
        .filter(where, date__gte=first, date__lte=last)
        .values("regency", "channel")
        .annotate(**sums)
        .order_by()
        for first, last in outside_months(period, months)
    ]
    if months is not None:
        parts.append(
            RegistrationMonth.objects.using(db)
            .filter(where, month__gte=months[0], month__lte=months[1])
            .values("regency", "channel")
            .annotate(**sums)
            .order_by()
        )
    grouped = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    result: dict[str, Tally] = defaultdict(Tally)
    for row in grouped:
        result[row["regency"]].add(row["channel"], row["n"], row["c"])
    return dict(result)


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
