"""Contributions against claims by year, for an area's dashboard card and the finance API.

The rules (shared/spec/campaign-api.md, `GET /api/v1/finance/<code>/`):
- One figure per (year, group). Within one area's rows of a (year, group), a row with
  program SEMUA is the whole: when it exists, the per-program rows beside it are ignored
  (not added to it); otherwise the per-program rows are summed.
- A province's figure of a (year, group) is its own rows' when it has any for that
  (year, group); otherwise the sum of its regencies' figures for it.
- The country's figure is the sum of its provinces' figures.
- `claim_count` is summed over the rows used, and null when none of them has one.
- `claims_per_contribution_pct` = 100 × claims / contributions, rounded half up to 2
  decimals; null when contributions are 0.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from finance.models import ContributionRate, FinanceRecord, Group, Program
from villages.routers import read_db
from villages.selectors import Area

LEVELS = ("country", "province", "regency")
GROUP_ORDER = {value: position for position, value in enumerate(Group.values)}


@dataclass(frozen=True)
class FinanceYear:
    year: int
    group: str
    contributions: int
    claims: int
    claim_count: int | None

    @property
    def claims_per_contribution_pct(self) -> float | None:
        if not self.contributions:
            return None
        ratio = Decimal(100 * self.claims) / Decimal(self.contributions)
        return float(ratio.quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass
class _Sum:
    contributions: int = 0
    claims: int = 0
    claim_count: int | None = None

    def add(self, contributions: int, claims: int, claim_count: int | None) -> None:
        self.contributions += contributions
        self.claims += claims
        if claim_count is not None:
            self.claim_count = (self.claim_count or 0) + claim_count


Cell = tuple[int, str]  # (year, group)


def finance_by_year(*, area: Area) -> list[FinanceYear]:
    """The area's figures by year (oldest first) and group (in the order of Group); [] for a
    district or village. One query."""
    if area.level not in LEVELS:
        return []
    records = FinanceRecord.objects.using(read_db())
    if area.level == "regency":
        records = records.filter(area_code=area.code)
    elif area.level == "province":
        records = records.filter(Q(area_code=area.code) | Q(area_code__startswith=f"{area.code}."))
    by_area = _by_area(records)
    if area.level == "regency":
        return _years(by_area.get(area.code, {}))
    below: dict[str, dict[Cell, _Sum]] = defaultdict(dict)  # province -> its regencies summed
    for code, cells in by_area.items():
        if len(code) == 5:
            for cell, figures in cells.items():
                below[code[:2]].setdefault(cell, _Sum()).add(*_values(figures))
    totals: dict[Cell, _Sum] = {}
    for province in {code[:2] for code in by_area}:
        own, theirs = by_area.get(province, {}), below.get(province, {})
        for cell in set(own) | set(theirs):
            figures = own[cell] if cell in own else theirs[cell]
            totals.setdefault(cell, _Sum()).add(*_values(figures))
    return _years(totals)


def _values(figures: _Sum) -> tuple[int, int, int | None]:
    return figures.contributions, figures.claims, figures.claim_count


def _by_area(records) -> dict[str, dict[Cell, _Sum]]:
    """Each area's figure of each (year, group): its SEMUA row, else its programs summed.
    Summed in the database, one row per (area, year, group): a country's 20,000 rows come
    back as 7,000."""
    whole, parts = Q(program=Program.SEMUA), ~Q(program=Program.SEMUA)
    rows = (
        records.values("area_code", "year", "group")
        .annotate(
            wholes=Count("pk", filter=whole),
            whole_contributions=Sum("contributions", filter=whole),
            whole_claims=Sum("claims", filter=whole),
            whole_count=Sum("claim_count", filter=whole),
            part_contributions=Sum("contributions", filter=parts),
            part_claims=Sum("claims", filter=parts),
            part_count=Sum("claim_count", filter=parts),
        )
        .order_by()
        .values_list(
            "area_code",
            "year",
            "group",
            "wholes",
            "whole_contributions",
            "whole_claims",
            "whole_count",
            "part_contributions",
            "part_claims",
            "part_count",
        )
    )
    by_area: dict[str, dict[Cell, _Sum]] = defaultdict(dict)
    for code, year, group, wholes, *whole_figures, contributions, claims, count in rows:
        if wholes:
            contributions, claims, count = whole_figures
        by_area[code][(year, group)] = _Sum(contributions, claims, count)
    return by_area


def _years(cells: dict[Cell, _Sum]) -> list[FinanceYear]:
    return [
        FinanceYear(year, group, *_values(cells[(year, group)]))
        for year, group in sorted(cells, key=lambda c: (c[0], GROUP_ORDER.get(c[1], 99)))
    ]


# --- Contribution rates ----------------------------------------------------------------------

RateKey = tuple[str, str, int | None]  # (scheme, program, risk class)


def rates_in_force(*, day: dt.date) -> dict[RateKey, ContributionRate]:
    """Each rate as it stood on `day`: the latest of its kind in force from then or before.
    For the budget planner. One query."""
    rates: dict[RateKey, ContributionRate] = {}
    for rate in (
        ContributionRate.objects.using(read_db()).filter(valid_from__lte=day).order_by("valid_from")
    ):
        rates[(rate.scheme, rate.program, rate.risk_class)] = rate
    return rates


def rate_monthly_amount(*, rate: ContributionRate, income: int) -> int:
    """A month's contribution in whole rupiah at `rate` on a declared income or wage of
    `income`: the flat amount, or the percentage (rounded half up) but not below the
    minimum."""
    if rate.flat_amount is not None:
        return rate.flat_amount
    assert rate.pct is not None  # a rate is a percentage or a flat amount (a constraint)
    amount = int((Decimal(income) * rate.pct / 100).quantize(Decimal(1), ROUND_HALF_UP))
    return max(amount, rate.minimum or 0)
