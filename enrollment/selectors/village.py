"""A village's page: its roster, each holder's programs, its Desa Sadar standing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Max,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import (
    Declaration,
    Membership,
    Program,
    State,
    arrears_since,
    state_of,
)
from enrollment.rules import (
    Criterion,
    Figures,
    Rules,
    evaluate,
)
from enrollment.selectors.figures import (
    LAPSING_WINDOW,
    CategoryFigures,
    _by_category,
    _sum,
    enrolled_by,
)
from enrollment.selectors.results import perangkat_counts
from enrollment.selectors.standings import VillageStanding, _facts, rules_in_force, with_facts
from villages.categories import CATEGORY_ORDER, POST_ORDER
from villages.models import Village
from villages.nik import mask_nik
from villages.selectors import (
    Area,
    area_get,
    posts_current_in,
)

# --- Village page ------------------------------------------------------------------------


@dataclass
class RosterRow:
    post_id: int
    person_id: int
    post: str
    post_label: str
    category: str
    unit: str
    name: str
    nik: str
    programs: dict[str, str]
    paid_until: dt.date | None
    covered: bool
    lapsing_soon: bool
    in_arrears: bool
    missing: str  # why the holder is not covered, "" when covered
    ended: bool = False  # had been covered; ended before the arrears window


@dataclass
class VillageCoverage:
    """Everything the village page (and its API twin) shows."""

    area: Area
    as_of: dt.date
    rules: Rules
    totals: Figures
    people: int
    by_category: list[CategoryFigures]
    standing: VillageStanding
    roster: list[RosterRow]

    # The villages counts of an area's figures, for one village: 1 or 0 each.
    villages = 1

    @property
    def villages_enrolled(self) -> int:
        return perangkat_counts(dict(self.by_category))[0]

    @property
    def villages_officials_covered(self) -> int:
        return perangkat_counts(dict(self.by_category))[1]


def coverage_for_village(*, area: Area, as_of: dt.date, full_nik: bool = False) -> VillageCoverage:
    """The roster, figures and Desa Sadar checklist of one village. Five queries."""
    rules = rules_in_force(area=area, year=as_of.year).for_village(area.code)
    roster = _roster(area, as_of, rules, full_nik)
    figures: dict[str, Figures] = defaultdict(Figures)
    for row in roster:
        figures[row.category].add(_row_figures(row))
    village = with_facts(Village.objects.filter(code=area.code), "code", "name", day=as_of).get()
    declared = Declaration.objects.filter(village_id=area.code).aggregate(d=Max("declared_on"))
    standing = VillageStanding(
        code=area.code,
        name=area.name,
        criteria=evaluate(rules, figures, _facts(village), _blockers(roster)),
        declared_on=declared["d"],
        near=rules.near,
    )
    return VillageCoverage(
        area=area,
        as_of=as_of,
        rules=rules,
        totals=_sum(list(figures.values())),
        people=len({row.person_id for row in roster}),
        by_category=_by_category(figures),
        standing=standing,
        roster=roster,
    )


@dataclass(frozen=True)
class Eligibility:
    """How a village stood against its Desa Sadar rule set on a day."""

    rule_set: str
    failed: list[Criterion]

    @property
    def eligible(self) -> bool:
        return not self.failed


def declaration_eligibility(*, village_code: str, day: dt.date) -> Eligibility:
    """Whether the village may be declared Desa Sadar on `day` (a day to come is judged on
    today's data): the rule set in force and the criteria it fails. Six queries."""
    area = area_get(code=village_code)
    if area is None or area.level != "village":
        raise ValueError(f"no village has the code {village_code!r}")
    coverage = coverage_for_village(area=area, as_of=min(day, timezone.localdate()))
    return Eligibility(rule_set=coverage.rules.name, failed=coverage.standing.failed)


def _row_figures(row: RosterRow) -> Figures:
    return Figures(1, int(row.covered), int(row.lapsing_soon), int(row.in_arrears), int(row.ended))


def _roster(area: Area, day: dt.date, rules: Rules, full_nik: bool) -> list[RosterRow]:
    posts = list(
        posts_current_in(area=area, day=day).select_related("person").order_by("person__name", "id")
    )
    memberships: dict[int, dict[str, dt.date | None]] = defaultdict(dict)
    for person_id, program_id, paid_until in Membership.objects.filter(
        enrolled_by(day), person_id__in={p.person_id for p in posts}
    ).values_list("person_id", "program_id", "paid_until"):
        memberships[person_id][program_id] = paid_until
    programs = list(Program.objects.values_list("code", flat=True))
    rows = [
        _roster_row(post, memberships[post.person_id], programs, rules, day, full_nik)
        for post in posts
    ]
    rows.sort(key=lambda r: (CATEGORY_ORDER.index(r.category), POST_ORDER[r.post], r.unit, r.name))
    return rows


def _roster_row(post, paid: dict, programs: list[str], rules: Rules, day, full_nik) -> RosterRow:
    missing = [code for code in rules.min_programs if paid.get(code) is None]
    minimum = [paid[code] for code in rules.min_programs if paid.get(code) is not None]
    until = min(minimum) if minimum and not missing else None
    covered = until is not None and until >= day
    return RosterRow(
        post_id=post.pk,
        person_id=post.person_id,
        post=post.code,
        post_label=post.get_code_display(),
        category=post.category,
        unit=post.unit,
        name=post.person.name,
        nik=post.person.nik if full_nik else mask_nik(post.person.nik),
        programs={
            code: (state_of(paid[code], day) if code in paid else State.NONE).value
            for code in programs
        },
        paid_until=until if until else (min(minimum) if minimum else None),
        covered=covered,
        lapsing_soon=covered and until <= day + LAPSING_WINDOW,
        in_arrears=until is not None and arrears_since(day) <= until < day,
        missing=_missing_reason(missing, until, covered),
        ended=until is not None and until < arrears_since(day),
    )


def _missing_reason(missing: list[str], until: dt.date | None, covered: bool) -> str:
    if missing:
        return _("no %(programs)s") % {"programs": ", ".join(missing)}
    if not covered and until is not None:
        return _("paid until %(date)s") % {"date": until.strftime("%d/%m/%Y")}
    return ""


def _blockers(roster: list[RosterRow]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = defaultdict(list)
    for row in roster:
        if not row.covered:
            result[row.category].append(
                {"post": row.post, "name": row.name, "unit": row.unit, "reason": row.missing}
            )
    return result
