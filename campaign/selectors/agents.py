"""Perisai agents of an area and their results over a period: registrations, contributions
and commission, at the commission rate in force on each registration's day. Four queries
whatever the number of agents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Prefetch, Q, Sum, Value, When

from campaign.models import CommissionRate, PerisaiAgent
from campaign.period import Period
from campaign.selectors.registrations import registrations_in, village_q
from villages.models import Village
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
    registered = registrations_in(area, period).filter(agent__isnull=False).values("agent_id")
    in_period = Q(active_from__lte=period.end) & (
        Q(active_until__isnull=True) | Q(active_until__gte=period.start)
    )
    agents = (
        PerisaiAgent.objects.using(db)
        .filter((Q(pk__in=serving) & in_period) | Q(pk__in=registered))
        .prefetch_related(
            Prefetch("villages", queryset=Village.objects.using(db).only("code").order_by("code"))
        )
        .order_by("code")
    )
    results = agent_results(area=area, period=period, rates=rates)
    return [_row(agent, results.get(agent.pk, (0, 0, 0)), period) for agent in agents]


def agent_results(
    *, area: Area, period: Period, rates: list[Rate]
) -> dict[int, tuple[int, int, int]]:
    """Agent id → (registrations, contributions, commission) in the area over the period.
    One query: contributions summed per agent and per rate in force (the rate a
    registration's day falls under, by a CASE over the few rates), the commission of each
    agent rounded once from the exact sum."""
    rate_index = Case(
        *[When(date__gte=r.valid_from, then=Value(i)) for i, r in reversed(list(enumerate(rates)))],
        default=Value(-1),
        output_field=IntegerField(),
    )
    rows = (
        registrations_in(area, period)
        .filter(agent__isnull=False)
        .annotate(rate=rate_index)
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


def _row(agent: PerisaiAgent, result: tuple[int, int, int], period: Period) -> AgentRow:
    return AgentRow(
        code=agent.code,
        name=agent.name,
        regency_code=agent.regency_id,
        villages=[village.code for village in agent.villages.all()],
        active=agent.serves_on(period.end),
        registrations=result[0],
        contributions=result[1],
        commission=result[2],
    )
