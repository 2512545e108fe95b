"""Who receives the weekly work-list e-mail, and what each one's mail lists.

A user's mail holds the work list of each area their work-list page offers them
(enrollment.work_views): their one regency, or each regency of a branch that serves several
(the page asks to pick one), or a village secretary's village; each read with the page's own
selector and arguments (`work_list` on `Post.objects.visible_to(user)`, the rule sets in force
in the area), so the mail never lists a person the page would not show them. Per area: the
people by state, and the page's first page of rows (the page's order: by village, earliest
date first). No NIK and no phone number goes into a mail: the page shows them to whom it may,
and logs it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db.models import QuerySet

from digest.models import DigestSent
from enrollment.exports import LEVEL_LABELS
from enrollment.selectors.standings import RulesInForce, rules_in_force
from enrollment.selectors.work_list import WORK_STATES, WorkListRow, state_of_cover, work_list
from enrollment.work_views import PAGE_SIZE
from villages.access import scope_for
from villages.models import Post, Regency, Role
from villages.selectors import Area, area_get

RECIPIENT_ROLES = (Role.Kind.BRANCH_STAFF, Role.Kind.VILLAGE_SECRETARY)
# The rows of each area in the mail: the work-list page's first page.
ROWS_PER_AREA = PAGE_SIZE


@dataclass(frozen=True)
class DigestArea:
    """One area's work list in a mail: people by state, the first rows, the page's query."""

    area: Area
    counts: dict[str, int]  # people per state, WORK_STATES order
    villages: int  # villages with someone to call
    rows: list[WorkListRow]  # the first ROWS_PER_AREA, as on the page
    query: str  # the work-list page's query string for this area

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def title(self) -> str:
        """The area as a mail names it: "Kabupaten Banyumas", "Desa Karanglewas" (a
        regency's name says its kind; a district's and a village's do not)."""
        if self.area.level == "regency":
            return self.area.name
        return f"{LEVEL_LABELS[self.area.level]} {self.area.name}"

    @property
    def more(self) -> int:
        """People listed on the page but not in the mail."""
        return self.total - len(self.rows)


@dataclass(frozen=True)
class WorkDigest:
    """A user's weekly mail: the work list of each of their areas with someone to call."""

    day: dt.date
    areas: list[DigestArea] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(area.total for area in self.areas)


def digest_recipients(*, week_start: dt.date) -> QuerySet[User]:
    """Active branch staff and village secretaries with an e-mail address who have not
    stopped the mail and have not been sent the week's, by id. Superusers are left out
    whatever their role: their scope is the whole country."""
    sent = DigestSent.objects.filter(week_start=week_start).values("user_id")
    return (
        User.objects.filter(is_active=True, is_superuser=False, role__kind__in=RECIPIENT_ROLES)
        .exclude(email="")
        .exclude(digest_preference__subscribed=False)
        .exclude(pk__in=sent)
        .order_by("pk")
    )


def digest_areas(*, user: User) -> list[Area]:
    """The areas whose work lists the user's page offers: the regencies in their scope, and
    any area of theirs below a regency that is not inside one of those (a secretary's
    village, a district given besides a branch's regencies)."""
    scope = scope_for(user)
    if scope.everything:
        return []  # the country is no work list; never a recipient (digest_recipients)
    regencies = [
        Area(code=code, name=name, level="regency")
        for code, name in Regency.objects.filter(scope.village_q("code"))
        .order_by("code")
        .values_list("code", "name")
    ]
    codes = {regency.code for regency in regencies}
    below = []
    for prefix in scope.prefixes:
        if prefix in codes or prefix[:5] in codes:  # a listed regency, or inside one
            continue
        area = area_get(code=prefix)
        if area is not None and area.level in ("district", "village"):
            below.append(area)
    return regencies + below


def work_digest(
    *, user: User, day: dt.date, rules: dict[tuple[str, int], RulesInForce] | None = None
) -> WorkDigest:
    """The user's mail on `day`: each of their areas with someone to call. `rules` keeps the
    rule sets read, by regency and year, across the users of a run."""
    rules = {} if rules is None else rules
    posts = Post.objects.visible_to(user)
    areas = []
    for area in digest_areas(user=user):
        key = (area.code[:5], day.year)
        if key not in rules:
            rules[key] = rules_in_force(area=area, year=day.year)
        listed = work_list(posts=posts, area=area, day=day, rules=rules[key])
        entries = list(listed.entries)
        if not entries:
            continue
        states = Counter(state_of_cover(entry["until"], day) for entry in entries)
        areas.append(
            DigestArea(
                area=area,
                counts={state: states[state] for state in WORK_STATES},
                villages=len({entry["village_id"] for entry in entries}),
                rows=listed.rows(entries[:ROWS_PER_AREA]),
                query=urlencode({area.level: area.code}),
            )
        )
    return WorkDigest(day=day, areas=areas)
