"""Perisai agents of an area and their results over a period: registrations, contributions
and commission, at the commission rate in force on each registration's day. Four queries
whatever the number of agents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, IntegerField, Q, Sum, Value, When

from campaign.models import AgentDay, AgentMonth, CommissionRate, PerisaiAgent
from campaign.period import Period
from campaign.selectors.registrations import (
    ROLLUP_LEVELS,
    full_months,
    month_end,
    outside_months,
    province_q,
    registrations_in,
    village_q,
    villages_of,
)
from villages.routers import read_db
from villages.selectors import Area


@dataclass(frozen=True)
class Rate:
    valid_from: dt.date
    rate_pct: Decimal


@dataclass(frozen=True)
class AgentRow:
    code: str
    name: str
    regency_code: str
    villages: list[str]  # codes of every village it serves
    active: bool  # at work on the period's last day
    registrations: int
    contributions: int
    commission: int


def commission_round(value: Decimal) -> int:
    """Whole rupiah, half up: 75,000.45 → 75,000; 75,000.50 → 75,001."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rates_in(period: Period) -> list[Rate]:
    """The commission rates in force on some day of the period, earliest first: the one in
    force on its first day (if any) and those starting later within it. One query."""
    rows = CommissionRate.objects.using(read_db()).filter(valid_from__lte=period.end)
    rates = sorted((Rate(r.valid_from, r.rate_pct) for r in rows), key=lambda r: r.valid_from)
    earlier = [r for r in rates if r.valid_from <= period.start]
    return earlier[-1:] + [r for r in rates if r.valid_from > period.start]


def agents_in(*, area: Area, period: Period, rates: list[Rate]) -> list[AgentRow]:
    """The agents serving a village of the area at some time in the period, and any agent
    with registrations in the area in the period, by code, each with its results there."""
    db = read_db()
    serving = PerisaiAgent.villages.through.objects.filter(village_q(area)).values(
        "perisaiagent_id"
    )
    results = agent_results(area=area, period=period, rates=rates)
    registered = _registered(area, period)
    in_period = Q(active_from__lte=period.end) & (
        Q(active_until__isnull=True) | Q(active_until__gte=period.start)
    )
    chosen = PerisaiAgent.objects.using(db).filter((Q(pk__in=serving) & in_period) | registered)
    # Plain values, not agents: the country has thousands.
    agents = list(
        chosen.order_by("code").values_list(
            "pk", "code", "name", "regency_id", "active", "active_from", "active_until"
        )
    )
    through = PerisaiAgent.villages.through
    villages = villages_of(through, "perisaiagent_id", chosen.values("pk") if agents else [])
    day = period.end
    return [
        AgentRow(
            code=code,
            name=name,
            regency_code=regency,
            villages=villages[pk],
            # PerisaiAgent.serves_on(period.end)
            active=active and since <= day and (until is None or day <= until),
            registrations=results.get(pk, (0, 0, 0))[0],
            contributions=results.get(pk, (0, 0, 0))[1],
            commission=results.get(pk, (0, 0, 0))[2],
        )
        for pk, code, name, regency, active, since, until in agents
    ]


def _registered(area: Area, period: Period) -> Q:
    """Agents with registrations in the area in the period: from the registrations, or for a
    province and the country from the rollups (the whole months from the monthly one, the
    days before and after them from the daily one), as subqueries."""
    if area.level not in ROLLUP_LEVELS:
        rows = registrations_in(area, period).filter(agent__isnull=False)
        return Q(pk__in=rows.values("agent_id"))
    db, where = read_db(), province_q(area)
    months = full_months(period)
    found = Q(pk__in=[])
    for low, high in outside_months(period, months):
        days = AgentDay.objects.using(db).filter(where, date__gte=low, date__lte=high)
        found |= Q(pk__in=days.values("agent_id"))
    if months is not None:
        whole = AgentMonth.objects.using(db).filter(
            where, month__gte=months[0], month__lte=months[1]
        )
        found |= Q(pk__in=whole.values("agent_id"))
    return found


def agent_results(
    *, area: Area, period: Period, rates: list[Rate]
) -> dict[int, tuple[int, int, int]]:
    """Agent id → (registrations, contributions, commission) in the area over the period.
    One query: contributions summed per agent and per rate in force (the rate a
    registration's day falls under, by a CASE over the few rates), the commission of each
    agent rounded once from the exact sum. A province and the country read the rollups."""
    rows: Any
    if area.level in ROLLUP_LEVELS:
        rows = _rollup_rows(area, period, rates)
    else:
        rows = (
            registrations_in(area, period)
            .filter(agent__isnull=False)
            .annotate(rate=_rate_index(rates, "date"))
            .values("agent_id", "rate")
            .annotate(n=Sum("count"), c=Sum("contributions"))
            .order_by()
        )
    sums: dict[int, list] = defaultdict(lambda: [0, 0, Decimal(0)])
    for row in rows:
        entry = sums[row["agent_id"]]
        entry[0] += row["n"]
        entry[1] += row["c"]
        if row["rate"] >= 0:  # a day before any rate earns no commission
            entry[2] += Decimal(row["c"]) * rates[row["rate"]].rate_pct / 100
    return {pk: (n, c, commission_round(value)) for pk, (n, c, value) in sums.items()}


def _rate_index(rates: list[Rate], day: str) -> Case:
    """The index in `rates` of the rate in force on the row's `day` (-1 before any)."""
    return Case(
        *[
            When(**{f"{day}__gte": r.valid_from}, then=Value(i))
            for i, r in reversed(list(enumerate(rates)))
        ],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _rollup_rows(area: Area, period: Period, rates: list[Rate]) -> Any:
    """Sums per (agent, rate index) from the rollups, one query: the whole months of the
    period in which no rate starts after the first day from the monthly rollup (one rate in
    force on every day of such a month, the one of its first day), every other day of the
    period from the daily one."""
    db, where = read_db(), province_q(area)
    clean: list[dt.date] = []
    months = full_months(period)
    month = months[0] if months else None
    while months is not None and month is not None and month <= months[1]:
        if not any(month < r.valid_from <= month_end(month) for r in rates):
            clean.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    # The days outside the clean months, as ranges (each served by the index on the date).
    ranges: list[tuple[dt.date, dt.date]] = []
    day = period.start
    for first in [*clean, period.end + dt.timedelta(days=1)]:
        if day < first:
            ranges.append((day, first - dt.timedelta(days=1)))
        day = month_end(first) + dt.timedelta(days=1)
    sums = {"n": Sum("count"), "c": Sum("contributions")}
    parts: list[Any] = [
        AgentDay.objects.using(db)
        .filter(where, date__gte=low, date__lte=high)
        .annotate(rate=_rate_index(rates, "date"))
        .values("agent_id", "rate")
        .annotate(**sums)
        .order_by()
        for low, high in ranges
    ]
    if clean:
        parts.append(
            AgentMonth.objects.using(db)
            .filter(where, month__in=clean)
            .annotate(rate=_rate_index(rates, "month"))
            .values("agent_id", "rate")
            .annotate(**sums)
            .order_by()
        )
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
