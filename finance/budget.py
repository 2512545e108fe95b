"""The village budget planner: what covering a village's post holders costs a month and a
year, by program and by who pays, against what is being paid now (issue 15).

The rules:
- One person, one contribution per program: a person holding two posts in a village is
  counted once (contributions are a person's, not a post's). A person holding posts in two
  villages is counted in each, so that an area's sum is the sum of its villages.
- Everyone is costed under the scheme the user chooses, on the declared income (BPU) or
  wage (PU) the user gives (default Rp 1.000.000, the income at which BPU JKK is exactly its
  Rp 10.000 minimum, so JKK + JKM is the Rp 16.800 of the minimum BPU package):
  - BPU (the default): the BPU rate of each program; a program BPU lacks (JP) at the PU rate.
  - PU: JKK at the rate of the chosen risk class (1 to 5, default 1), JKM, JHT and JP at
    their PU rates; the whole contribution (employer's and worker's shares together).
  The participant category recorded on a membership is not used.
- The rates are those in force on the day (`finance.selectors.rates_in_force`: the latest
  row of each kind valid from that day or before).
- Amounts are whole rupiah, rounded half up per person per program per month
  (`finance.selectors.rate_monthly_amount`); a year is twelve months.
- Who pays a person's program: the funding source of their current membership in that
  program; else that of their first current membership (in program order) that has one; else
  the payer chosen in the form (default APBDes).
- "Filled": the persons holding a current post. "Full strength": the filled posts plus one
  person for each post held by one person per village (Kepala Desa, Sekretaris Desa, Ketua
  BPD, …) that nobody holds; the data do not say how many Kaur, Kasi, RT or RW heads a
  village should have, so those count as filled only. Vacant posts are paid by the chosen
  payer.
- "Paid now": each current membership (started, and paid through the day) in a program with
  a rate, at the same rates, by the same payer rule.
- A district's, regency's or province's budget is the sum of its villages' (one row per
  village, district or regency); a province's is what its regencies would pay for all their
  villages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    CharField,
    Count,
    Max,
    OuterRef,
    Subquery,
    When,
)
from django.db.models import Value as V
from django.db.models.functions import Coalesce, Concat

from finance.models import ContributionRate
from finance.selectors import RateKey, rate_monthly_amount, rates_in_force
from villages.categories import POSTS
from villages.routers import read_db
from villages.selectors import Area

if TYPE_CHECKING:
    from enrollment.selectors.standings import RulesInForce

PROGRAMS = ("JKK", "JKM", "JHT", "JP")
PAYERS = ("APBDES", "APBD", "MANDIRI", "LAINNYA")
DEFAULT_PAYER = "APBDES"
SCHEMES = ("BPU", "PU")
DEFAULT_SCHEME = "BPU"
RISK_CLASSES = (1, 2, 3, 4, 5)
DEFAULT_RISK_CLASS = 1
# Declared income: 1 % of it is the JKK minimum, Rp 10.000 (JKK + JKM = Rp 16.800).
DEFAULT_INCOME = 1_000_000
VILLAGE_POSTS = tuple(p.code for p in POSTS if p.holder == "village")
# The level of the rows of an area's budget.
ROW_LEVEL = {"village": "village", "district": "village", "regency": "district"}
ROW_LEVEL["province"] = "regency"
ROW_CODE_LENGTH = {"village": 13, "district": 8, "regency": 5}


# --- Pure calculation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """`count` persons holding at least one current post in a village, alike in their
    current memberships: the funding source ("" when unrecorded) of each, by program."""

    memberships: dict[str, str] = field(default_factory=dict)
    count: int = 1


@dataclass
class Cost:
    """Rupiah a month, by program and by payer (the two split the same total)."""

    by_program: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRAMS, 0))
    by_payer: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAYERS, 0))

    def add(self, program: str, payer: str, amount: int) -> None:
        self.by_program[program] = self.by_program.get(program, 0) + amount
        self.by_payer[payer] = self.by_payer.get(payer, 0) + amount

    def __iadd__(self, other: Cost) -> Cost:
        for program, amount in other.by_program.items():
            self.by_program[program] = self.by_program.get(program, 0) + amount
        for payer, amount in other.by_payer.items():
            self.by_payer[payer] = self.by_payer.get(payer, 0) + amount
        return self

    @property
    def monthly(self) -> int:
        return sum(self.by_program.values())

    @property
    def yearly(self) -> int:
        return 12 * self.monthly


class RateMissing(ValueError):
    """No rate in force for a program."""


def monthly_amounts(
    rates: dict[RateKey, ContributionRate],
    *,
    income: int,
    scheme: str = DEFAULT_SCHEME,
    risk_class: int = DEFAULT_RISK_CLASS,
    programs=PROGRAMS,
) -> dict[str, int]:
    """One person's contribution a month in each program under `scheme`: BPU, the BPU rate,
    else the PU rate (without risk class) on the same income; PU, the PU rate, JKK that of
    `risk_class`. RateMissing when no rate is in force."""
    amounts = {}
    for program in programs:
        if scheme == "PU":
            rate = rates.get(("PU", program, risk_class if program == "JKK" else None))
        else:
            rate = rates.get(("BPU", program, None)) or rates.get(("PU", program, None))
        if rate is None:
            raise RateMissing(program)
        amounts[program] = rate_monthly_amount(rate=rate, income=income)
    return amounts


def payer_of(holder: Holder, program: str, default: str) -> str:
    if holder.memberships.get(program):
        return holder.memberships[program]
    for own in PROGRAMS:
        if holder.memberships.get(own):
            return holder.memberships[own]
    return default


@dataclass
class Persons:
    """Persons by program and payer: those to cover (every holder, each program) and those
    paid now (each current membership in a program)."""

    planned: dict[str, dict[str, int]]
    paid: dict[str, dict[str, int]]


def persons_by_payer(holders: list[Holder], *, default_payer: str) -> Persons:
    planned: dict[str, dict[str, int]] = {program: {} for program in PROGRAMS}
    paid: dict[str, dict[str, int]] = {program: {} for program in PROGRAMS}
    for holder in holders:
        for program in PROGRAMS:
            payer = payer_of(holder, program, default_payer)
            planned[program][payer] = planned[program].get(payer, 0) + holder.count
            if program in holder.memberships:
                paid[program][payer] = paid[program].get(payer, 0) + holder.count
    return Persons(planned, paid)


def _cost(
    persons: dict[str, dict[str, int]],
    *,
    programs: tuple[str, ...],
    amounts: dict[str, int],
    default_payer: str = DEFAULT_PAYER,
    vacant: int = 0,
) -> Cost:
    cost = Cost()
    for program in programs:
        amount = amounts[program]
        for payer, count in persons[program].items():
            cost.add(program, payer, count * amount)
        if vacant:
            cost.add(program, default_payer, vacant * amount)
    return cost


def plan_cost(
    holders: list[Holder],
    *,
    programs: tuple[str, ...],
    amounts: dict[str, int],
    default_payer: str,
    vacant: int = 0,
) -> Cost:
    """Covering every holder (and `vacant` more persons, paid by the default payer) with
    `programs`."""
    persons = persons_by_payer(holders, default_payer=default_payer).planned
    return _cost(
        persons, programs=programs, amounts=amounts, default_payer=default_payer, vacant=vacant
    )


def paid_now(holders: list[Holder], *, amounts: dict[str, int], default_payer: str) -> Cost:
    """The holders' current memberships at the same rates (programs without a rate, such as
    JKP, are left out)."""
    persons = persons_by_payer(holders, default_payer=default_payer).paid
    return _cost(persons, programs=tuple(p for p in PROGRAMS if p in amounts), amounts=amounts)


@dataclass
class Budget:
    """A village's budget, or an area's (the sum of its villages')."""

    code: str
    name: str
    people: int = 0
    vacant: int = 0
    minimum: Cost = field(default_factory=Cost)  # the rule set's minimum, filled posts
    minimum_full: Cost = field(default_factory=Cost)  # … at full strength
    chosen: Cost = field(default_factory=Cost)  # the chosen set, filled posts
    chosen_full: Cost = field(default_factory=Cost)  # … at full strength
    now: Cost = field(default_factory=Cost)  # paid now
    min_programs: tuple[str, ...] = ()

    def __iadd__(self, other: Budget) -> Budget:
        self.people += other.people
        self.vacant += other.vacant
        for name in COSTS:
            getattr(self, name).__iadd__(getattr(other, name))
        return self

    @property
    def costs(self) -> list[Cost]:
        """The five costs, in the order of COSTS."""
        return [getattr(self, name) for name in COSTS]

    @property
    def gap(self) -> int:
        """What covering the filled posts with the chosen set adds a month to what is paid."""
        return self.chosen.monthly - self.now.monthly


COSTS = ("minimum", "minimum_full", "chosen", "chosen_full", "now")


def village_budget(
    *,
    code: str,
    name: str,
    holders: list[Holder],
    vacant: int,
    min_programs: tuple[str, ...],
    programs: tuple[str, ...] | None,
    amounts: dict[str, int],
    default_payer: str,
) -> Budget:
    """One village's budget; `programs` None means the rule set's minimum. Each holder's
    payers are found once, for every cost."""
    chosen = programs or min_programs
    persons = persons_by_payer(holders, default_payer=default_payer)

    def cost(programs: tuple[str, ...], vacant: int) -> Cost:
        return _cost(
            persons.planned,
            programs=programs,
            amounts=amounts,
            default_payer=default_payer,
            vacant=vacant,
        )

    minimum = cost(min_programs, 0)
    minimum_full = cost(min_programs, vacant)
    return Budget(
        code=code,
        name=name,
        people=sum(holder.count for holder in holders),
        vacant=vacant,
        minimum=minimum,
        minimum_full=minimum_full,
        chosen=cost(chosen, 0) if chosen != min_programs else _copy(minimum),
        chosen_full=cost(chosen, vacant) if chosen != min_programs else _copy(minimum_full),
        now=_cost(persons.paid, programs=PROGRAMS, amounts=amounts),
        min_programs=min_programs,
    )


def _copy(cost: Cost) -> Cost:
    return Cost(dict(cost.by_program), dict(cost.by_payer))


# --- Reading the data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the user chose in the planner's form."""

    income: int = DEFAULT_INCOME
    programs: tuple[str, ...] | None = None  # None: each village's rule set's minimum
    default_payer: str = DEFAULT_PAYER
    scheme: str = DEFAULT_SCHEME
    risk_class: int = DEFAULT_RISK_CLASS


@dataclass
class VillageBudgets:
    """The villages of an area read from the database, whose budgets are made one by one as
    they are iterated (in code order): the memory held is a few rows per village, not one
    per person."""

    area: Area
    day: dt.date
    choices: Choices
    amounts: dict[str, int]
    villages: list[tuple[str, str]]  # (code, name)
    holders: dict[str, list[Holder]]  # by village code
    vacant: dict[str, int]  # by village code
    rules: RulesInForce

    def __iter__(self) -> Iterator[Budget]:
        for code, name in self.villages:
            yield village_budget(
                code=code,
                name=name,
                holders=self.holders.get(code, []),
                vacant=self.vacant.get(code, len(VILLAGE_POSTS)),
                min_programs=self.rules.for_village(code).min_programs,
                programs=self.choices.programs,
                amounts=self.amounts,
                default_payer=self.choices.default_payer,
            )

    def __len__(self) -> int:
        return len(self.villages)

    def by_child(self, *, length: int, names: dict[str, str]) -> list[Budget]:
        """One budget per child area (the villages' codes cut to `length`), in code order,
        equal to the sum of its villages' budgets: a budget is linear in the persons by
        membership signature and in the vacant posts, and a child's villages share their
        rule set (a regency's or the national one), so each child's persons and vacant posts
        are summed first and budgeted once (35 budgets for a province, not 8,500)."""
        persons: dict[str, dict[frozenset, int]] = {}
        vacant: dict[str, int] = defaultdict(int)
        for code, _name in self.villages:
            child = persons.setdefault(code[:length], defaultdict(int))
            for holder in self.holders.get(code, []):
                child[frozenset(holder.memberships.items())] += holder.count
            vacant[code[:length]] += self.vacant.get(code, len(VILLAGE_POSTS))
        return [
            village_budget(
                code=code,
                name=names.get(code, code),
                holders=[Holder(dict(key), count) for key, count in signatures.items()],
                vacant=vacant[code],
                min_programs=self.rules.for_village(code).min_programs,
                programs=self.choices.programs,
                amounts=self.amounts,
                default_payer=self.choices.default_payer,
            )
            for code, signatures in persons.items()
        ]


def village_budgets(*, area: Area, day: dt.date, choices: Choices = Choices()) -> VillageBudgets:
    """The budgets of the villages of `area` (a village, district, regency or province) on
    `day`. Six queries, whatever the number of villages: the rates, the rule sets (two), the
    villages, the holders grouped by village and memberships, the single posts held.
    RateMissing when a program has no rate in force on `day`."""
    from enrollment.selectors.standings import rules_in_force
    from villages.models import Village
    from villages.selectors import posts_current_in

    db = read_db()
    amounts = monthly_amounts(
        rates_in_force(day=day),
        income=choices.income,
        scheme=choices.scheme,
        risk_class=choices.risk_class,
    )
    rules = rules_in_force(area=area, year=day.year)  # two queries
    villages = list(
        Village.objects.using(db)
        .filter(area.village_filter)
        .order_by("code")
        .values_list("code", "name")
    )
    posts = posts_current_in(area=area, day=day).using(db)
    held = posts.filter(code__in=VILLAGE_POSTS).values_list("village_id", "code").distinct()
    filled: dict[str, int] = defaultdict(int)
    for village_id, _code in held:
        filled[village_id] += 1
    return VillageBudgets(
        area=area,
        day=day,
        choices=choices,
        amounts=amounts,
        villages=villages,
        holders=_holders(posts, day),
        vacant={code: len(VILLAGE_POSTS) - filled[code] for code, _name in villages},
        rules=rules,
    )


def _holders(posts, day: dt.date) -> dict[str, list[Holder]]:
    """The holders of `posts` by village, persons alike in their current memberships counted
    together. One query, grouped in the database: each post's holder's current memberships
    are read once (one probe of the person's memberships, whatever their number) as one
    signature, `+SOURCE;` for each program in PROGRAMS with a current membership ("+;"
    without a recorded source) and `-;` for each without."""
    from enrollment.models import Membership
    from enrollment.selectors.figures import enrolled_by

    signature = Concat(
        *[
            Coalesce(
                Max(Case(When(program_id=program, then=Concat(V("+"), "funding_source", V(";"))))),
                V("-;"),
            )
            for program in PROGRAMS
        ],
        output_field=CharField(),
    )
    memberships = (
        Membership.objects.filter(
            enrolled_by(day), person_id=OuterRef("person_id"), paid_until__gte=day
        )
        .order_by()
        .values("person_id")
        .annotate(signature=signature)
        .values("signature")
    )
    rows = (
        posts.annotate(signature=Subquery(memberships))
        .values("village_id", "signature")
        .annotate(persons=Count("person_id", distinct=True))
        .order_by()
        .values_list("village_id", "signature", "persons")
    )
    by_village: dict[str, list[Holder]] = defaultdict(list)
    for village_id, signature, persons in rows:
        by_village[village_id].append(Holder(_memberships(signature), persons))
    return by_village


def _memberships(signature: str | None) -> dict[str, str]:
    """A signature's memberships (None: the person has no current membership at all)."""
    if signature is None:
        return {}
    parts = signature.split(";")
    return {p: part[1:] for p, part in zip(PROGRAMS, parts, strict=False) if part.startswith("+")}


@dataclass
class AreaBudget:
    area: Area
    day: dt.date
    choices: Choices
    amounts: dict[str, int]
    total: Budget
    rows: list[Budget]  # one per child (village, district or regency); a village: itself

    @property
    def row_level(self) -> str:
        return ROW_LEVEL[self.area.level]


def area_budget(
    *,
    area: Area,
    day: dt.date,
    income: int = DEFAULT_INCOME,
    programs: tuple[str, ...] | None = None,
    default_payer: str = DEFAULT_PAYER,
    scheme: str = DEFAULT_SCHEME,
    risk_class: int = DEFAULT_RISK_CLASS,
) -> AreaBudget:
    """The budget of a village, or of a district, regency or province with one row per child
    (its villages, its districts, its regencies), each the sum of its villages
    (`VillageBudgets.by_child`). Six queries (`village_budgets`), and one more for the names
    of a regency's districts or a province's regencies, whatever the number of villages."""
    choices = Choices(income, programs, default_payer, scheme, risk_class)
    budgets = village_budgets(area=area, day=day, choices=choices)
    level = ROW_LEVEL[area.level]
    if level == "village":
        rows = list(budgets)
    else:
        names = child_names(area=area, level=level)
        rows = budgets.by_child(length=ROW_CODE_LENGTH[level], names=names)
    total = Budget(area.code, area.name)
    for row in rows:
        total += row
    if area.level == "village" and rows:
        total.min_programs = rows[0].min_programs
    return AreaBudget(area, day, choices, budgets.amounts, total, rows)


def child_names(*, area: Area, level: str) -> dict[str, str]:
    """The names of the districts or regencies (`level`) below `area`, by code. One query."""
    from villages.models import District, Regency

    model = District if level == "district" else Regency
    return dict(
        model.objects.using(read_db())
        .filter(code__startswith=f"{area.code}.")
        .values_list("code", "name")
    )
