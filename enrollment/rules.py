"""Desa Sadar rules: which rule set is in force, and how a village fares against it.

Pure functions over plain values: the selectors feed them figures and facts read in a
fixed number of queries, so the same evaluation serves a village page and a whole country.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from villages.categories import BY_CODE, CRITERION_CATEGORIES

DEFAULT_MIN_PROGRAMS = ("JKK", "JKM")
# The forecast looks this many days ahead: which candidates stop passing if nothing is paid.
FORECAST_DAYS = (30, 60, 90)
# Criterion key, rule-set field prefix, category: one per category that has a criterion.
CATEGORY_CRITERIA = tuple(
    (f"{category.prefix}_covered", category.prefix, category.code)
    for category in CRITERION_CATEGORIES
)
FACT_CRITERIA = (
    ("bumdes_active", "require_bumdes"),
    ("perisai_agent", "require_perisai"),
    ("memorandum_signed", "require_memorandum"),
    ("contribution_regulation", "require_regulation"),
)


@dataclass(frozen=True)
class Near:
    """When a village that fails is "near" to Desa Sadar: it fails at most `max_failing`
    criteria and at most `max_people` officials are still to cover (a rule set's setting)."""

    max_failing: int = 1
    max_people: int = 2

    def holds(self, failing: int, people: int) -> bool:
        return 0 < failing <= self.max_failing and people <= self.max_people


@dataclass(frozen=True)
class Rules:
    """A rule set as plain values; `Rules.default(year)` when none is recorded."""

    name: str
    min_programs: tuple[str, ...] = DEFAULT_MIN_PROGRAMS
    # Enabled category criteria: (category, minimum %).
    categories: tuple[tuple[str, Decimal], ...] = (("PERANGKAT", Decimal(100)),)
    self_enrolled_min_pct: Decimal | None = None
    facts: tuple[str, ...] = ()  # enabled fact criteria keys
    # The default in force while no rule set is recorded (RuleSet's own defaults give the
    # same rules, so head office records it to edit it: the rule-set list says how).
    builtin: bool = False
    near: Near = Near()

    @classmethod
    def default(cls, year: int) -> Rules:
        return cls(name=f"Default {year}", builtin=True)

    @classmethod
    def from_model(cls, rule_set) -> Rules:
        programs = tuple(sorted(p.code for p in rule_set.minimum_programs.all()))
        return cls(
            name=rule_set.name,
            min_programs=programs or DEFAULT_MIN_PROGRAMS,
            categories=tuple(
                (category, getattr(rule_set, f"{prefix}_min_pct"))
                for _key, prefix, category in CATEGORY_CRITERIA
                if getattr(rule_set, f"{prefix}_enabled")
            ),
            self_enrolled_min_pct=(
                rule_set.self_enrolled_min_pct if rule_set.self_enrolled_enabled else None
            ),
            facts=tuple(key for key, flag in FACT_CRITERIA if getattr(rule_set, flag)),
            near=Near(rule_set.near_max_failing, rule_set.near_max_people),
        )


@dataclass
class Figures:
    """Posts and their coverage; `coverage_pct` is None when there are no posts.

    A post held is covered (some of them lapsing soon), in arrears (its holder's minimum
    programs ended within the arrears window), ended (they ended before it: the holder had
    been covered and no longer can pay the arrears), or none of these (the holder never held
    every minimum program with a paid-until date). `covered_ahead` counts a village's posts
    still covered on each of `FORECAST_DAYS` ahead if nothing is paid: the forecast's input,
    read with a village's figures where the forecast is evaluated in Python; not a figure of
    the day, so figures compare and add up without it."""

    posts: int = 0
    covered: int = 0
    lapsing_soon: int = 0
    in_arrears: int = 0
    ended: int = 0
    covered_ahead: tuple[int, ...] = field(default=(0,) * len(FORECAST_DAYS), compare=False)

    def add(self, other: Figures) -> None:
        self.posts += other.posts
        self.covered += other.covered
        self.lapsing_soon += other.lapsing_soon
        self.in_arrears += other.in_arrears
        self.ended += other.ended

    @property
    def coverage_pct(self) -> float | None:
        return pct(self.covered, self.posts)


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


@dataclass(frozen=True)
class VillageFacts:
    """What a village's profile and the campaign's records say on a day, as Desa Sadar needs
    it (read by `enrollment.selectors.standings.with_facts`)."""

    households: int | None
    # Residents enrolled on their own by the day: the old figure and the registrations after
    # its date (campaign.criteria); None when neither is recorded.
    self_enrolled: int | None
    bumdes_active: bool
    # The name of an active Perisai agent serving the village on the day, None if none.
    perisai_agent: str | None
    memorandum_signed_on: dt.date | None
    contribution_regulation: str


VILLAGE_FACT_FIELDS = [
    "households",
    "self_enrolled",
    "bumdes_active",
    "perisai_agent",
    "memorandum_signed_on",
    "contribution_regulation",
]


@dataclass
class Criterion:
    key: str
    label: str
    passed: bool
    detail: str
    blocking: list[dict] = field(default_factory=list)
    # Officials still to cover for a category criterion to pass; 0 for the other criteria
    # (a missing fact is not a number of people).
    people_missing: int = 0


def people_to_cover(posts: int, covered: int, minimum: Decimal) -> int:
    """Officials still to cover for `covered` of `posts` to reach `minimum` percent:
    ceil(minimum × posts / 100) − covered, at least 0. In integers (the minimum has two
    decimals), as the SQL of the dashboards computes it, so both agree at every boundary."""
    needed = (posts * int(minimum * 100) + 9999) // 10000
    return max(needed - covered, 0)


def evaluate(
    rules: Rules,
    figures: dict[str, Figures],
    facts: VillageFacts,
    blockers: dict[str, list[dict]] | None = None,
) -> list[Criterion]:
    """Every criterion of `rules` for one village: passed or not, a detail, what blocks it.

    `figures` maps a category to its figures; `blockers` (village page only) maps a category
    to the people not covered, each {"post", "name", "reason"}.
    """
    blockers, language = blockers or {}, get_language()
    result = [
        _category_criterion(
            key, category, minimum, figures.get(category, Figures()), blockers, language
        )
        for key, _prefix, category in CATEGORY_CRITERIA
        for cat, minimum in rules.categories
        if cat == category
    ]
    if rules.self_enrolled_min_pct is not None:
        result.append(_self_enrolled_criterion(rules.self_enrolled_min_pct, facts))
    result.extend(_fact_criterion(key, facts) for key in rules.facts)
    return result


def stops_passing_within(rules: Rules, figures: dict[str, Figures]) -> int | None:
    """For a village that passes `rules` today: the first of `FORECAST_DAYS` by which one of
    its category criteria fails if nothing is paid (its posts as held today), else None.
    The other criteria do not move with the calendar."""
    for index, days in enumerate(FORECAST_DAYS):
        for category, minimum in rules.categories:
            item = figures.get(category, Figures())
            if not item.posts or 100 * item.covered_ahead[index] < minimum * item.posts:
                return days
    return None


def _category_label(category: str, minimum: Decimal, language: str | None = None) -> str:
    return _category_label_in(category, minimum, language or get_language())


# The same few labels and "x of y covered" details recur in every village: at national scale
# translating and number-formatting them anew took most of a dashboard's time. Cached per
# language (the language decides both the words and the number format).
@functools.lru_cache(maxsize=1024)
def _category_label_in(category: str, minimum: Decimal, language: str | None) -> str:
    who = BY_CODE[category].who
    if minimum >= 100:
        return _("All %(who)s covered") % {"who": who}
    return _("At least %(pct)s%% of %(who)s covered") % {
        "pct": formats.number_format(minimum, decimal_pos=0 if minimum % 1 == 0 else 2),
        "who": who,
    }


def _category_criterion(key, category, minimum, figures: Figures, blockers, language) -> Criterion:
    passed = figures.posts > 0 and 100 * figures.covered >= minimum * figures.posts
    detail = _covered_detail(figures.covered, figures.posts, language)
    if figures.posts:
        blocking = [] if passed else blockers.get(category, [])
    else:
        blocking = [{"reason": _("No posts of this category are recorded")}]
    missing = people_to_cover(figures.posts, figures.covered, minimum)
    label = _category_label(category, minimum, language)
    return Criterion(key, label, passed, detail, blocking, missing)


@functools.lru_cache(maxsize=65536)
def _covered_detail(covered: int, posts: int, language: str | None) -> str:
    if not posts:
        return _("no posts recorded")
    return _("%(covered)s of %(posts)s covered") % {
        "covered": formats.number_format(covered, force_grouping=True),
        "posts": formats.number_format(posts, force_grouping=True),
    }


def _self_enrolled_criterion(minimum: Decimal, facts: VillageFacts) -> Criterion:
    label = _("Residents enrolled on their own: at least %(pct)s%% of households") % {
        "pct": formats.number_format(minimum, decimal_pos=0 if minimum % 1 == 0 else 2)
    }
    if not facts.households or facts.self_enrolled is None:
        reason = _("Households or residents enrolled on their own not recorded")
        return Criterion("self_enrolled", label, False, reason, [{"reason": reason}])
    # In integers, as the SQL of the lists compares them (enrollment.selectors.day).
    passed = facts.self_enrolled * 10000 >= facts.households * int(minimum * 100)
    detail = _("%(enrolled)s of %(households)s households") % {
        "enrolled": formats.number_format(facts.self_enrolled, force_grouping=True),
        "households": formats.number_format(facts.households, force_grouping=True),
    }
    return Criterion("self_enrolled", label, passed, detail, [] if passed else [{"reason": detail}])


def _fact_criterion(key: str, facts: VillageFacts) -> Criterion:
    label, value, missing = {
        "bumdes_active": (_("BUMDes active"), facts.bumdes_active, _("No active BUMDes")),
        "perisai_agent": (
            _("Perisai agent present"),
            facts.perisai_agent,
            _("No Perisai agent recorded"),
        ),
        "memorandum_signed": (
            _("Memorandum with the branch signed"),
            facts.memorandum_signed_on,
            _("No memorandum signed"),
        ),
        "contribution_regulation": (
            _("Village regulation or budget line for contributions"),
            facts.contribution_regulation,
            _("No regulation or budget line recorded"),
        ),
    }[key]
    # An agent is present whatever their name; the other facts, when given.
    passed = value is not None if key == "perisai_agent" else bool(value)
    detail = _fact_detail(value) if passed else missing
    return Criterion(key, label, passed, detail, [] if passed else [{"reason": missing}])


def _fact_detail(value) -> str:
    if isinstance(value, bool):
        return _("yes")
    if isinstance(value, dt.date):
        return _("signed on %(date)s") % {"date": value.strftime("%d/%m/%Y")}
    return str(value)
