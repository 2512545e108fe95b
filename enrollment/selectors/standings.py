"""The Desa Sadar rule sets in force and how each village stands against them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    F,
    Max,
    OuterRef,
    Q,
)

from campaign.criteria import perisai_agent_on, self_enrolled_on
from enrollment.models import (
    Declaration,
    RuleSet,
)
from enrollment.rules import (
    VILLAGE_FACT_FIELDS,
    Criterion,
    Figures,
    Near,
    Rules,
    VillageFacts,
    evaluate,
)
from villages.models import Village
from villages.routers import read_db
from villages.selectors import (
    Area,
)

# --- Rule sets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesInForce:
    """The national rules for a year and the regencies' own sets that override them."""

    national: Rules
    by_regency: dict[str, Rules]

    def for_village(self, village_code: str) -> Rules:
        return self.by_regency.get(village_code[:5], self.national)

    def min_program_sets(self) -> set[tuple[str, ...]]:
        return {self.national.min_programs} | {r.min_programs for r in self.by_regency.values()}


def rules_in_force(*, area: Area, year: int) -> RulesInForce:
    """National set for the year (else the latest earlier one, else the default), plus the
    regency sets of that year for regencies below `area`."""
    sets = RuleSet.objects.prefetch_related("minimum_programs").filter(
        Q(regency__isnull=True, year__lte=year) | Q(year=year, regency__isnull=False)
    )
    if area.level not in ("country", "province"):
        sets = sets.filter(Q(regency__isnull=True) | Q(regency_id=area.code[:5]))
    elif area.level == "province":
        sets = sets.filter(Q(regency__isnull=True) | Q(regency__code__startswith=f"{area.code}."))
    national, by_regency = None, {}
    for rule_set in sets.order_by("-year"):
        if rule_set.regency_id:
            by_regency[rule_set.regency_id] = Rules.from_model(rule_set)
        elif national is None:
            national = Rules.from_model(rule_set)
    return RulesInForce(national or Rules.default(year), by_regency)


# --- Desa Sadar --------------------------------------------------------------------------


@dataclass
class VillageStanding:
    """A village's Desa Sadar standing: each criterion's result, and its declaration. `near`
    is the rule set's "near" setting (how many criteria failed and officials to cover)."""

    code: str
    name: str
    criteria: list[Criterion]
    declared_on: dt.date | None = None
    near: Near = Near()

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    @property
    def people_missing(self) -> int:
        """Officials still to cover for every failed category criterion to pass."""
        return sum(c.people_missing for c in self.failed)

    @property
    def candidate(self) -> bool:
        return not self.failed

    @property
    def near_candidate(self) -> bool:
        return self.near.holds(len(self.failed), self.people_missing)

    @property
    def declared_but_failing(self) -> bool:
        return self.declared_on is not None and not self.candidate

    @property
    def status(self) -> str | None:
        """Where the village stands on the Desa Sadar list, None when it is not on it: a
        declared village that fails is flagged whatever the number of criteria it fails."""
        if self.candidate:
            return CANDIDATE
        if self.declared_but_failing:
            return DECLARED_FAILING
        return NEAR if self.near_candidate else None

    @property
    def list_status(self) -> str:
        """The status, or NOT_YET for a village that is none of them (the whole list)."""
        return self.status or NOT_YET


CANDIDATE, NEAR, DECLARED_FAILING = "candidate", "near_candidate", "declared_failing"
NOT_YET = "not_yet"
# The order of the Desa Sadar summary: candidates, then near (by the rule set's "near"
# setting), then declared villages that no longer pass; by village code within.
STATUS_ORDER = (CANDIDATE, NEAR, DECLARED_FAILING)


def _facts(row: dict) -> VillageFacts:
    return VillageFacts(**{name: row[name] for name in VILLAGE_FACT_FIELDS})


# The facts read from the village's profile as they are; the others are the campaign's.
PROFILE_FACTS = ("households", "bumdes_active", "memorandum_signed_on", "contribution_regulation")


def with_facts(rows, *fields: str, day: dt.date | OuterRef, to_village: str = "", **named):
    """`rows.values(*fields, **named)` with the Desa Sadar facts of each row's village (at
    `to_village`, e.g. "village__") on `day`, under the names `_facts` reads. Rows of the
    kept day (`VillageDay`) give `day=OuterRef("day")`: their own day."""
    computed = {
        "self_enrolled": self_enrolled_on(day, to_village),
        "perisai_agent": perisai_agent_on(day, to_village),
    }
    if to_village:
        profile = {name: F(f"{to_village}{name}") for name in PROFILE_FACTS}
        return rows.values(*fields, **named, **profile, **computed)
    return rows.values(*fields, *PROFILE_FACTS, **named, **computed)


def _last_declared(declarations) -> dict[str, dt.date]:
    """Village → the day it was last declared Desa Sadar, of `declarations`. One query."""
    return dict(
        declarations.values("village_id")
        .annotate(last=Max("declared_on"))
        .values_list("village_id", "last")
    )


def standings_in(
    *,
    area: Area,
    rules: RulesInForce,
    figures: dict[str, dict[str, Figures]],
    day: dt.date,
    order: tuple[str, ...] = ("code",),
) -> list[VillageStanding]:
    """The standing of every village below `area` that has posts (a village without any
    recorded post has no data to judge) on `day`, in code order (or `order`, the
    database's). Two queries."""
    # The area's villages and declarations, filtered here rather than by a list of codes
    # (tens of thousands of parameters at national scale).
    db = read_db()
    villages = Village.objects.using(db).filter(area.village_filter)
    declared = _last_declared(Declaration.objects.using(db).filter(area.post_filter))
    return [
        standing_of(
            rules.for_village(row["code"]), row["code"], row, figures[row["code"]], declared
        )
        for row in with_facts(villages, "code", "name", day=day).order_by(*order)
        if row["code"] in figures
    ]


def standing_of(
    rules: Rules, code: str, row: dict, figures: dict[str, Figures], declared: dict[str, dt.date]
) -> VillageStanding:
    """A village's standing from its figures and its row (name and facts)."""
    return VillageStanding(
        code=code,
        name=row["name"],
        criteria=evaluate(rules, figures, _facts(row)),
        declared_on=declared.get(code),
        near=rules.near,
    )
