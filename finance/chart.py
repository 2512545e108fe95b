"""The geometry of the dashboard's chart of contributions against claims: one small bar
chart per group, a pair of bars per year, drawn as inline SVG by the template (no script)."""

from __future__ import annotations

from dataclasses import dataclass

from finance.models import Group
from finance.selectors import FinanceYear

SLOT, BAR, PLOT, TOP, BOTTOM = 96, 32, 160, 24, 24


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    amount: int


@dataclass(frozen=True)
class YearBars:
    entry: FinanceYear
    x: int  # the middle of the slot
    contributions: Bar
    claims: Bar


@dataclass(frozen=True)
class GroupChart:
    group: str
    label: str
    width: int
    height: int
    baseline: int
    years: list[YearBars]


def _bar(x: int, amount: int, top: int) -> Bar:
    height = round(PLOT * amount / top) if top else 0
    return Bar(x=x, y=TOP + PLOT - height, height=height, amount=amount)


def finance_charts(years: list[FinanceYear]) -> list[GroupChart]:
    """A chart per group present, its years oldest first, bars scaled to the group's
    largest amount."""
    charts = []
    for group in dict.fromkeys(entry.group for entry in years):
        entries = [entry for entry in years if entry.group == group]
        top = max(max(e.contributions, e.claims) for e in entries)
        bars = [
            YearBars(
                entry=entry,
                x=SLOT * i + SLOT // 2,
                contributions=_bar(SLOT * i + SLOT // 2 - BAR, entry.contributions, top),
                claims=_bar(SLOT * i + SLOT // 2, entry.claims, top),
            )
            for i, entry in enumerate(entries)
        ]
        charts.append(
            GroupChart(
                group=group,
                label=str(Group(group).label),
                width=SLOT * len(entries),
                height=TOP + PLOT + BOTTOM,
                baseline=TOP + PLOT,
                years=bars,
            )
        )
    return charts
