"""The campaign figures of an area over a period: what the page, the API and the exports
show. A fixed number of queries at any level (see `campaign_for_area`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from campaign.period import Period
from campaign.selectors.agents import AgentRow, Rate, agents_in, rates_in
from campaign.selectors.events import UPLIFT_DAYS, EventRow, events_in
from campaign.selectors.registrations import (
    REGENCY_LENGTH,
    RegistrationFigures,
    Tally,
    registration_figures,
    tallies_cut,
)
from villages.models import BranchOffice
from villages.routers import read_db
from villages.selectors import CHILD_CODE_LENGTH, CHILD_LEVEL, LEVEL_MODELS, Area

# Levels whose page sums by branch office (a branch serves whole regencies).
BRANCH_LEVELS = ("country", "province", "regency")


@dataclass(frozen=True)
class ChildRow:
    area: Area
    tally: Tally


@dataclass
class BranchRow:
    """A branch office's part of the area: registrations in the regencies it serves (within
    the area), its events (held by it, touching the area) with their uplift, and the
    commission of the agents of its regencies."""

    id: int
    name: str
    tally: Tally = field(default_factory=Tally)
    commission: int = 0
    events: int = 0
    before: int = 0
    after: int = 0

    @property
    def difference(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class CampaignFigures:
    area: Area
    period: Period
    registrations: RegistrationFigures
    rates: list[Rate]
    events: list[EventRow]
    agents: list[AgentRow]
    children: list[ChildRow]
    branches: list[BranchRow]
    uplift_days: int = UPLIFT_DAYS

    @property
    def commission(self) -> int:
        """The commission of the area: the agents' (each rounded on its own)."""
        return sum(agent.commission for agent in self.agents)

    @property
    def agents_registrations(self) -> int:
        return sum(agent.registrations for agent in self.agents)

    @property
    def agents_contributions(self) -> int:
        return sum(agent.contributions for agent in self.agents)

    @property
    def uplift_before(self) -> int:
        return sum(event.before for event in self.events)

    @property
    def uplift_after(self) -> int:
        return sum(event.after for event in self.events)

    @property
    def uplift_difference(self) -> int:
        return self.uplift_after - self.uplift_before


def campaign_for_area(*, area: Area, period: Period) -> CampaignFigures:
    """Registrations (2 queries), the rates (1), events with uplift (3; 1 with none), agents
    with results (3), child areas (1) and branch offices (1 at regency level and above)."""
    registrations = registration_figures(area=area, period=period)
    rates = rates_in(period)
    events = events_in(area=area, period=period)
    agents = agents_in(area=area, period=period, rates=rates)
    return CampaignFigures(
        area=area,
        period=period,
        registrations=registrations,
        rates=rates,
        events=events,
        agents=agents,
        children=_children(area, registrations),
        branches=_branches(area, registrations, events, agents),
    )


def _children(area: Area, registrations: RegistrationFigures) -> list[ChildRow]:
    """Every child area, in code order, with its registrations (zeros included)."""
    level = CHILD_LEVEL.get(area.level)
    if level is None:
        return []
    tallies = tallies_cut(registrations.by_prefix, CHILD_CODE_LENGTH[area.level])
    model = LEVEL_MODELS[level]
    rows = model.objects.using(read_db()).order_by("code")
    if area.level != "country":
        rows = rows.filter(code__startswith=f"{area.code}.")
    return [
        ChildRow(Area(code=code, name=name, level=level), tallies.get(code, Tally()))
        for code, name in rows.values_list("code", "name")
    ]


def _branches(
    area: Area,
    registrations: RegistrationFigures,
    events: list[EventRow],
    agents: list[AgentRow],
) -> list[BranchRow]:
    """The branch offices serving a regency of the area, or holding one of its events."""
    if area.level not in BRANCH_LEVELS:
        return []
    served = BranchOffice.regencies.through.objects.using(read_db()).select_related("branchoffice")
    if area.level != "country":
        served = served.filter(regency__code__startswith=area.code)
    regencies = tallies_cut(registrations.by_prefix, REGENCY_LENGTH)
    rows: dict[int, BranchRow] = {}
    branches_of = defaultdict(list)
    for link in served:
        branch = link.branchoffice
        row = rows.setdefault(branch.pk, BranchRow(branch.pk, str(branch)))
        branches_of[link.regency_id].append(row)
        row.tally.merge(regencies.get(link.regency_id, Tally()))
    for agent in agents:
        for row in branches_of[agent.regency_code]:
            row.commission += agent.commission
    for event in events:
        if event.branch_id is not None:
            row = rows.setdefault(event.branch_id, BranchRow(event.branch_id, event.branch_name))
            row.events += 1
            row.before += event.before
            row.after += event.after
    return sorted(rows.values(), key=lambda row: row.name)
