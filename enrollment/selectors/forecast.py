"""The Desa Sadar forecast of an area: the candidates of today that stop passing within
`FORECAST_DAYS` as paid-until dates pass if nothing is paid, and the declared villages that
already fail. Found in SQL from the figures of the day (`selectors.day`), in Python from
each village's figures otherwise (here); the villages listed are the first few of each
group by code."""

from __future__ import annotations

from dataclasses import dataclass, field

from enrollment.rules import FORECAST_DAYS, Figures, stops_passing_within
from enrollment.selectors.standings import RulesInForce, VillageStanding

# `ForecastVillage.days` of a declared village that fails today.
DECLARED_FAILING_NOW = 0


@dataclass(frozen=True)
class ForecastVillage:
    """A village of the forecast: a candidate that stops passing within `days` (the first of
    FORECAST_DAYS by which it fails), or a declared village failing today (`days` 0)."""

    code: str
    name: str
    days: int


@dataclass
class Forecast:
    """`counts`: days → the candidates that stop passing within them (so the 60-day count
    holds the 30-day one); `declared_failing`: declared villages failing today. `villages`
    holds, for each of FORECAST_DAYS and for the declared ones, the first `limit` by code of
    the villages whose own `days` it is (all when `limit` is None), by days then code: enough
    to list the first `limit` within any number of days."""

    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(FORECAST_DAYS, 0))
    declared_failing: int = 0
    villages: list[ForecastVillage] = field(default_factory=list)
    limit: int | None = 0

    def within(self, days: int) -> list[ForecastVillage]:
        """The first `limit` villages by code that stop passing within `days`."""
        rows = [v for v in self.villages if DECLARED_FAILING_NOW < v.days <= days]
        return _first(sorted(rows, key=lambda v: v.code), self.limit)

    @property
    def declared(self) -> list[ForecastVillage]:
        """The first `limit` declared villages failing today, by code."""
        rows = [v for v in self.villages if v.days == DECLARED_FAILING_NOW]
        return _first(sorted(rows, key=lambda v: v.code), self.limit)

    @property
    def groups(self) -> list[ForecastGroup]:
        """One group for each of FORECAST_DAYS, then the declared villages failing today."""
        ahead = [ForecastGroup(d, self.counts[d], self.within(d)) for d in FORECAST_DAYS]
        declared = ForecastGroup(DECLARED_FAILING_NOW, self.declared_failing, self.declared)
        return [*ahead, declared]


@dataclass(frozen=True)
class ForecastGroup:
    """The villages that stop passing within `days` (0: the declared ones failing today):
    how many, and the first of them by code."""

    days: int
    count: int
    villages: list[ForecastVillage]

    @property
    def more(self) -> int:
        """How many more than listed."""
        return self.count - len(self.villages)


def _first(rows: list, limit: int | None) -> list:
    return rows if limit is None else rows[:limit]


def forecast_of(
    standings: list[VillageStanding],
    figures: dict[str, dict[str, Figures]],
    rules: RulesInForce,
    limit: int | None,
) -> Forecast:
    """The forecast from the standings evaluated in Python (in code order), each candidate's
    figures giving the posts still covered ahead. An empty forecast when `limit` is 0."""
    if limit == 0:
        return Forecast()
    entries = []
    for standing in standings:
        if standing.candidate:
            days = stops_passing_within(rules.for_village(standing.code), figures[standing.code])
            if days is not None:
                entries.append(ForecastVillage(standing.code, standing.name, days))
        elif standing.declared_but_failing:
            entries.append(ForecastVillage(standing.code, standing.name, DECLARED_FAILING_NOW))
    counts = {
        days: sum(DECLARED_FAILING_NOW < e.days <= days for e in entries) for days in FORECAST_DAYS
    }
    declared = sum(e.days == DECLARED_FAILING_NOW for e in entries)
    kept: dict[int, int] = {}
    listed = []
    for entry in sorted(entries, key=lambda e: (e.days, e.code)):  # the first `limit` of each
        kept[entry.days] = kept.get(entry.days, 0) + 1
        if limit is None or kept[entry.days] <= limit:
            listed.append(entry)
    return Forecast(counts, declared, listed, limit)
