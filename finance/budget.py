"""The village budget planner: what covering a village's post holders costs a month and a
year, by program and by who pays, against what is being paid now (issue 15).

The rules:
- One person, one contribution per program: a person holding two posts in a village is
  counted once (contributions are a person's, not a post's). A person holding posts in two
  villages is counted in each, so that an area's sum is the sum of its villages.
- Everyone is costed on the declared income the user gives (default Rp 1.000.000, the
  income at which BPU JKK is exactly its Rp 10.000 minimum, so JKK + JKM is the Rp 16.800 of
  the minimum BPU package), at the BPU rate of each program; a program BPU lacks (JP) at the
  PU rate. The participant category recorded on a membership is not used.
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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Subquery

from finance.models import ContributionRate
from finance.selectors import RateKey, rate_monthly_amount, rates_in_force
from villages.categories import POSTS
from villages.routers import read_db
from villages.selectors import Area

PROGRAMS = ("JKK", "JKM", "JHT", "JP")
PAYERS = ("APBDES", "APBD", "MANDIRI", "LAINNYA")
DEFAULT_PAYER = "APBDES"
# Declared income: 1 % of it is the JKK minimum, Rp 10.000 (JKK + JKM = Rp 16.800).
DEFAULT_INCOME = 1_000_000
VILLAGE_POSTS = tuple(p.code for p in POSTS if p.holder == "village")


# --- Pure calculation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """A person holding at least one current post in a village, with the funding source
    ("" when unrecorded) of each of their current memberships, by program."""

    person_id: int
    memberships: dict[str, str] = field(default_factory=dict)


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
    rates: dict[RateKey, ContributionRate], *, income: int, programs=PROGRAMS
) -> dict[str, int]:
    """One person's contribution a month in each program: the BPU rate, else the PU rate
    (without risk class) on the same income. RateMissing when neither is in force."""
    amounts = {}
    for program in programs:
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
    cost = Cost()
    for holder in holders:
        for program in programs:
            cost.add(program, payer_of(holder, program, default_payer), amounts[program])
    for program in programs:
        cost.add(program, default_payer, vacant * amounts[program])
    return cost


def paid_now(holders: list[Holder], *, amounts: dict[str, int], default_payer: str) -> Cost:
    """The holders' current memberships at the same rates (programs without a rate, such as
    JKP, are left out)."""
    cost = Cost()
    for holder in holders:
        for program in holder.memberships:
            if program in amounts:
                cost.add(program, payer_of(holder, program, default_payer), amounts[program])
    return cost


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
        for name in ("minimum", "minimum_full", "chosen", "chosen_full", "now"):
            getattr(self, name).__iadd__(getattr(other, name))
        return self

    @property
    def gap(self) -> int:
        """What covering the filled posts with the chosen set adds a month to what is paid."""
        return self.chosen.monthly - self.now.monthly


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
    """One village's budget; `programs` None means the rule set's minimum."""
    chosen = programs or min_programs

    def cost(programs: tuple[str, ...], vacant: int) -> Cost:
        return plan_cost(
            holders, programs=programs, amounts=amounts, default_payer=default_payer, vacant=vacant
        )

    return Budget(
        code=code,
        name=name,
        people=len(holders),
        vacant=vacant,
        minimum=cost(min_programs, 0),
        minimum_full=cost(min_programs, vacant),
        chosen=cost(chosen, 0),
        chosen_full=cost(chosen, vacant),
        now=paid_now(holders, amounts=amounts, default_payer=default_payer),
        min_programs=min_programs,
    )


# --- Reading the data ------------------------------------------------------------------------


@dataclass
class AreaBudget:
    area: Area
    day: dt.date
    income: int
    default_payer: str
    programs: tuple[str, ...] | None
    amounts: dict[str, int]
    total: Budget
    rows: list[Budget]  # one per child (district or village); a village: itself


def area_budget(
    *,
    area: Area,
    day: dt.date,
    income: int = DEFAULT_INCOME,
    programs: tuple[str, ...] | None = None,
    default_payer: str = DEFAULT_PAYER,
) -> AreaBudget:
    """The budget of a village, or of a district or regency with one row per child (its
    villages, its districts). Seven queries, whatever the number of villages. RateMissing
    when a program has no rate in force on `day`."""
    from enrollment.models import Membership
    from enrollment.selectors.figures import enrolled_by
    from enrollment.selectors.standings import rules_in_force
    from villages.models import District, Village
    from villages.selectors import posts_current_in

    db = read_db()
    amounts = monthly_amounts(rates_in_force(day=day), income=income)
    rules = rules_in_force(area=area, year=day.year)  # two queries
    villages = list(
        Village.objects.using(db)
        .filter(area.village_filter)
        .order_by("code")
        .values_list("code", "name")
    )
    posts = posts_current_in(area=area, day=day).using(db)
    held: dict[str, dict[int, Holder]] = defaultdict(dict)
    codes: dict[str, set[str]] = defaultdict(set)
    for village_id, person_id, code in posts.values_list("village_id", "person_id", "code"):
        held[village_id].setdefault(person_id, Holder(person_id))
        codes[village_id].add(code)
    sources: dict[int, dict[str, str]] = defaultdict(dict)
    for person_id, program_id, source in (
        Membership.objects.using(db)
        .filter(
            enrolled_by(day),
            paid_until__gte=day,
            person_id__in=Subquery(posts.values("person_id")),
        )
        .values_list("person_id", "program_id", "funding_source")
    ):
        sources[person_id][program_id] = source
    budgets = []
    for code, name in villages:
        holders = [Holder(h.person_id, sources.get(h.person_id, {})) for h in held[code].values()]
        budgets.append(
            village_budget(
                code=code,
                name=name,
                holders=holders,
                vacant=len(set(VILLAGE_POSTS) - codes[code]),
                min_programs=rules.for_village(code).min_programs,
                programs=programs,
                amounts=amounts,
                default_payer=default_payer,
            )
        )
    if area.level == "regency":
        names = dict(
            District.objects.using(db)
            .filter(code__startswith=f"{area.code}.")
            .values_list("code", "name")
        )
        by_child: dict[str, Budget] = {}
        for budget in budgets:
            child = budget.code[:8]
            row = by_child.setdefault(child, Budget(child, names.get(child, child)))
            row += budget
        rows = list(by_child.values())
    else:
        rows = budgets
    total = Budget(area.code, area.name)
    for row in rows:
        total += row
    if area.level == "village" and rows:
        total.min_programs = rows[0].min_programs
    return AreaBudget(
        area=area,
        day=day,
        income=income,
        default_payer=default_payer,
        programs=programs,
        amounts=amounts,
        total=total,
        rows=rows,
    )
