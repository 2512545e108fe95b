"""The national standing: every regency and city, and every province, ranked by a composite of
four components (docs/national-standing.md gives the formula and why).

Each component is a share, shown as a percentage rounded half up to 2 decimals:
- officials' coverage: covered posts / posts, as the dashboards' headline figure counts them;
- villages enrolled: villages with a perangkat post covered / villages;
- Desa Sadar: villages passing every criterion of the rule set in force there / villages;
- progress against targets: per district and per target (officials covered, villages
  enrolled) the share reached, capped at 100 %, a target not set counting 0; averaged over
  the area's districts, two targets each.
The score is 0.4 × coverage + 0.2 × each of the others, from the rounded components, rounded
half up to 2 decimals. Order: score, then coverage, villages enrolled and Desa Sadar, highest
first; areas equal on all four share a rank (1, 2, 2, 4) and are listed by code.

A fixed number of queries whatever the number of villages: the rule sets, whether the day is
kept, the district targets of the year, the figures of the day in one aggregate by regency
(each district with targets apart) — or, for a day not kept, every village's figures summed
and judged as the dashboards do —, the villages of each regency, the regencies with their
names, provinces and number of districts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import Substr

from enrollment.models import DAY_CATEGORIES, VillageDay
from enrollment.rules import DEFAULT_MIN_PROGRAMS
from enrollment.selectors.day import _day_kept, _sum_of, judged_day_rows
from enrollment.selectors.figures import figures_by_village
from enrollment.selectors.results import perangkat_counts
from enrollment.selectors.standings import RulesInForce, rules_in_force, standings_in
from enrollment.selectors.targets import posts_wanted
from villages.models import DistrictTarget, Regency, Village
from villages.routers import read_db
from villages.selectors import COUNTRY_NAME, Area

# The components, in the order of the tie-break after the score, with their weights (sum 1).
WEIGHTS = {
    "coverage": Decimal("0.4"),
    "villages_enrolled": Decimal("0.2"),
    "desa_sadar": Decimal("0.2"),
    "target_progress": Decimal("0.2"),
}
# After the score, equal areas are told apart by these, in order (docs/national-standing.md).
TIE_BREAK = ("coverage", "villages_enrolled", "desa_sadar")
LEVELS = ("regency", "province")
_HUNDREDTH = Decimal("0.01")
_COUNTRY = Area(code="", name=COUNTRY_NAME, level="country")


@dataclass
class Tally:
    """What an area's components are made of: its districts' figures summed."""

    posts: int = 0
    covered: int = 0
    villages: int = 0
    villages_enrolled: int = 0
    candidates: int = 0
    districts: int = 0
    targets_set: int = 0  # district targets set (two per district at most)
    reached: Fraction | int = 0  # Σ per target set: the share of it reached, at most 1

    def add(self, other: Tally) -> None:
        self.posts += other.posts
        self.covered += other.covered
        self.villages += other.villages
        self.villages_enrolled += other.villages_enrolled
        self.candidates += other.candidates
        self.districts += other.districts
        self.targets_set += other.targets_set
        self.reached += other.reached


@dataclass(frozen=True)
class RankedArea:
    """A regency (or province) in the national standing: its rank of `of`, its components
    as percentages (2 decimals) and what they are made of."""

    code: str
    name: str
    level: str
    rank: int
    of: int
    tally: Tally
    coverage: Decimal
    villages_enrolled: Decimal
    desa_sadar: Decimal
    target_progress: Decimal
    score: Decimal
    province_name: str = ""  # a regency's province


@dataclass(frozen=True)
class NationalRanking:
    """Regencies and provinces in rank order (by code within a shared rank) on a day."""

    as_of: dt.date
    regencies: list[RankedArea]
    provinces: list[RankedArea]

    def of_level(self, level: str) -> list[RankedArea]:
        return self.regencies if level == "regency" else self.provinces

    def get(self, code: str) -> RankedArea | None:
        """The regency or province with this code, None for any other area."""
        rows = self.regencies if len(code) == 5 else self.provinces if len(code) == 2 else []
        return next((row for row in rows if row.code == code), None)


def national_ranking(*, as_of: dt.date) -> NationalRanking:
    """Every regency and province of the regions loaded, ranked on `as_of` (the rule sets and
    district targets of its year)."""
    rules = rules_in_force(area=_COUNTRY, year=as_of.year)
    if _reads_the_day(as_of, rules):
        return _ranking(as_of, _figures_from_day, rules)
    return _ranking(as_of, _figures_summed, rules)


def kept_day_ranking(*, as_of: dt.date) -> NationalRanking | None:
    """The national ranking when it can be read from the figures of the day kept (`as_of` is
    that day and every rule set uses the default minimum programs), else None: summed from
    the summary, the whole country is judged in Python, seconds at national scale, which a
    dashboard does not spend on a card (the standing's page does). Two queries when None."""
    rules = rules_in_force(area=_COUNTRY, year=as_of.year)
    return _ranking(as_of, _figures_from_day, rules) if _reads_the_day(as_of, rules) else None


def _reads_the_day(as_of: dt.date, rules: RulesInForce) -> bool:
    return rules.min_program_sets() == {DEFAULT_MIN_PROGRAMS} and _day_kept(as_of)


Read = Callable[[dt.date, RulesInForce, list[str]], dict[str, Tally]]


def _ranking(as_of: dt.date, read: Read, rules: RulesInForce) -> NationalRanking:
    """The ranking from the figures `read(as_of, rules, targeted districts)` gives."""
    targets = _targets(as_of.year)
    figures = read(as_of, rules, sorted(targets))
    db = read_db()
    villages = dict(
        Village.objects.using(db)
        .values(regency=Substr("code", 1, 5))
        .annotate(n=Count("code"))
        .values_list("regency", "n")
        .order_by()
    )
    regencies = Regency.objects.using(db).annotate(n=Count("districts"))
    tallies: dict[str, Tally] = {}
    rows = []
    for code, name, province, province_name, districts in regencies.values_list(
        "code", "name", "province_id", "province__name", "n"
    ).order_by():
        tally = tallies[code] = figures.get(code) or Tally()
        tally.villages, tally.districts = villages.get(code, 0), districts
        rows.append((code, name, tally, province, province_name))
    for district, target in targets.items():  # the districts with targets, apart until now
        part = figures.get(district) or Tally()
        _add_targets(part, target)
        tallies[district[:5]].add(part)
    provinces: dict[str, tuple[str, Tally]] = {}
    for _code, _name, tally, province, province_name in rows:
        provinces.setdefault(province, (province_name, Tally()))[1].add(tally)
    return NationalRanking(
        as_of,
        ranked("regency", [(c, n, t, p_name) for c, n, t, _p, p_name in rows]),
        ranked("province", [(code, name, t, "") for code, (name, t) in provinces.items()]),
    )


def _figures_from_day(day: dt.date, rules: RulesInForce, targeted: list[str]) -> dict[str, Tally]:
    """Regency (or district with targets) → its villages' figures of the day: one aggregate
    over the rows of the day, each village judged in SQL (`judged_day_rows`; a candidate
    fails no criterion). A district with targets is summed apart, for its targets' shares
    reached; the others by regency, fewer rows to read."""
    rows = judged_day_rows(VillageDay.objects.using(read_db()).filter(day=day), rules)
    regency = Substr("village_id", 1, 5)
    key: Substr | Case = regency
    if targeted:
        rows = rows.annotate(district=Substr("village_id", 1, 8))
        key = Case(When(district__in=targeted, then=F("district")), default=regency)
    grouped = (
        rows.annotate(key=key)
        .values("key")
        .annotate(
            n_posts=Sum(_sum_of([F(f"{prefix}_posts") for _c, prefix in DAY_CATEGORIES])),
            n_covered=Sum(_sum_of([F(f"{prefix}_covered") for _c, prefix in DAY_CATEGORIES])),
            n_enrolled=Count("pk", filter=Q(perangkat_covered__gt=0)),
            n_candidates=Count("pk", filter=Q(failed=0)),
        )
        .order_by()
    )
    return {
        row["key"]: Tally(
            posts=row["n_posts"] or 0,
            covered=row["n_covered"] or 0,
            villages_enrolled=row["n_enrolled"],
            candidates=row["n_candidates"],
        )
        for row in grouped
    }


def _figures_summed(day: dt.date, rules: RulesInForce, targeted: list[str]) -> dict[str, Tally]:
    """The same from every village's figures summed from the summary (or live, for another
    minimum set) and judged in Python, as a dashboard does for a day not kept."""
    figures = figures_by_village(area=_COUNTRY, day=day, rules=rules)
    apart = set(targeted)

    def key(code: str) -> str:
        return code[:8] if code[:8] in apart else code[:5]

    result: dict[str, Tally] = {}
    for code, categories in figures.items():
        tally = result.setdefault(key(code), Tally())
        for item in categories.values():
            tally.posts += item.posts
            tally.covered += item.covered
        tally.villages_enrolled += perangkat_counts(categories)[0]
    for standing in standings_in(area=_COUNTRY, rules=rules, figures=figures, day=day):
        result[key(standing.code)].candidates += standing.candidate
    return result


def _targets(year: int) -> dict[str, tuple[Decimal | None, int | None]]:
    """District → (officials %, villages enrolled) of its targets for `year`."""
    rows = DistrictTarget.objects.using(read_db()).filter(year=year)
    return {
        code: (pct, villages)
        for code, pct, villages in rows.values_list(
            "district_id", "officials_pct", "villages_enrolled"
        ).order_by("district_id")
    }


def _add_targets(tally: Tally, target: tuple[Decimal | None, int | None]) -> None:
    """A district's share of each target reached (at most 1; a target asking for nothing is
    reached); a target not set adds nothing, so counts 0."""
    pct, villages = target
    if pct is not None:
        tally.targets_set += 1
        tally.reached += _capped(tally.covered, posts_wanted(tally.posts, pct))
    if villages is not None:
        tally.targets_set += 1
        tally.reached += _capped(tally.villages_enrolled, villages)


def _capped(reached: int, wanted: int) -> Fraction | int:
    return 1 if reached >= wanted else Fraction(reached, wanted)


def _pct(part: int, whole: int) -> Decimal:
    """100 × part / whole rounded half up to 2 decimals, exactly, in integers; 0 without a
    whole (no posts, no villages, no district: nothing to count)."""
    if not whole:
        return Decimal(0).scaleb(-2)
    return Decimal((20000 * part + whole) // (2 * whole)).scaleb(-2)


def components(tally: Tally) -> dict[str, Decimal]:
    """The four components of a tally, as percentages rounded half up to 2 decimals."""
    progress = Fraction(tally.reached) / (2 * tally.districts) if tally.districts else Fraction()
    return {
        "coverage": _pct(tally.covered, tally.posts),
        "villages_enrolled": _pct(tally.villages_enrolled, tally.villages),
        "desa_sadar": _pct(tally.candidates, tally.villages),
        "target_progress": _pct(progress.numerator, progress.denominator),
    }


def score(parts: dict[str, Decimal]) -> Decimal:
    """The weighted mean of the rounded components, rounded half up to 2 decimals."""
    total = sum((WEIGHTS[name] * value for name, value in parts.items()), Decimal(0))
    return total.quantize(_HUNDREDTH, ROUND_HALF_UP)


def ranked(level: str, rows: Iterable[tuple[str, str, Tally, str]]) -> list[RankedArea]:
    """Competition ranking: equal keys share a rank, the next rank skips (1, 2, 2, 4)."""
    scored = []
    for code, name, tally, province_name in rows:
        parts = components(tally)
        key = (score(parts), *(parts[name] for name in TIE_BREAK))
        scored.append((key, code, name, tally, province_name, parts))
    # Highest key first, by code within equal keys.
    scored.sort(key=lambda row: row[1])
    scored.sort(key=lambda row: row[0], reverse=True)
    result: list[RankedArea] = []
    for position, (key, code, name, tally, province_name, parts) in enumerate(scored, start=1):
        shared = bool(result) and scored[position - 2][0] == key
        result.append(
            RankedArea(
                code=code,
                name=name,
                level=level,
                rank=result[-1].rank if shared else position,
                of=len(scored),
                tally=tally,
                score=key[0],
                province_name=province_name,
                **parts,
            )
        )
    return result
