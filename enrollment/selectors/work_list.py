"""The work list: the people of a user's scope whose coverage ends within 30 days, is in
arrears, or has ended, by village — the call list of branch staff and village secretaries.

A holder of a post on the day is on the list when their minimum programs (of the rule set in
force in their village) are all recorded and the earliest paid-until date among them — the
day their coverage ends, as the dashboards count it — is no later than 30 days ahead:

- *lapsing soon*: paid through the day, but not beyond the next 30 days;
- *in arrears*: ended within the last 3 months (arrears can still be paid);
- *ended*: ended before that.

Holders who lack one of the minimum programs were never covered by it and are not on the list
(the village page lists them as not covered). One row per person and village; a person with
two posts in a village has one row naming both.

Everything is read from posts and memberships directly (not the dashboards' summary), in a
fixed number of queries: the list's rows are a query to page through (count and page), and a
page's details (posts, persons, villages, memberships) two more, whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from enrollment.models import Membership, arrears_since
from enrollment.selectors.figures import LAPSING_WINDOW, enrolled_by
from enrollment.selectors.standings import RulesInForce
from villages.categories import POST_ORDER
from villages.models import Post
from villages.nik import mask_nik
from villages.phones import mask_phone
from villages.selectors import Area, current_posts_q

LAPSING, IN_ARREARS, ENDED = "lapsing_soon", "in_arrears", "ended"
WORK_STATES = (LAPSING, IN_ARREARS, ENDED)


@dataclass(frozen=True)
class WorkListRow:
    """A person to call about their coverage in one village."""

    village_code: str
    village_name: str
    district_name: str
    person_id: int
    name: str
    nik: str  # masked unless the user may see full identifiers
    phone: str  # likewise; "" when none is recorded
    posts: tuple[str, ...]  # post labels, with the unit when there is one
    until: dt.date  # the day their coverage ends (ended)
    state: str  # LAPSING, IN_ARREARS or ENDED
    programs: tuple[str, ...]  # minimum programs ending in the window, or no longer paid


@dataclass
class WorkList:
    """The work list of a scope on a day: `entries` to count and page through (dicts of
    `village_id`, `person_id`, `until`, by village, then date, then name), `rows` for those
    of a page, `all_rows` for an export."""

    day: dt.date
    rules: RulesInForce
    full_identifiers: bool
    posts: QuerySet[Post]  # the scope's posts held on the day
    entries: QuerySet

    def rows(self, entries: Iterable[dict]) -> list[WorkListRow]:
        """The rows of `entries` (a page). Two queries."""
        entries = list(entries)
        return self._rows(entries, [entry["person_id"] for entry in entries])

    def all_rows(self) -> list[WorkListRow]:
        """Every row of the list (an export). Three queries, however long the list: the
        details are read for every holder who may be on it (`posts`)."""
        return self._rows(list(self.entries), self.posts.values("person_id"))

    def _rows(self, entries: list[dict], persons) -> list[WorkListRow]:
        if not entries:
            return []
        posts: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for post in (
            self.posts.filter(person_id__in=persons)
            .order_by()
            .values(
                "village_id",
                "person_id",
                "code",
                "unit",
                "person__name",
                "person__nik",
                "person__phone",
                "village__name",
                "village__district__name",
            )
        ):
            posts[(post["village_id"], post["person_id"])].append(post)
        paid: dict[int, dict[str, dt.date]] = defaultdict(dict)
        for person, program, until in (
            Membership.objects.filter(
                enrolled_by(self.day),
                person_id__in=persons,
                program_id__in=_all_min_programs(self.rules),
                paid_until__isnull=False,
            )
            .order_by()
            .values_list("person_id", "program_id", "paid_until")
        ):
            paid[person][program] = until
        return [
            self._row(entry, posts[(entry["village_id"], entry["person_id"])], paid)
            for entry in entries
        ]

    def _row(self, entry: dict, posts: list[dict], paid: dict) -> WorkListRow:
        first = posts[0]
        state = state_of_cover(entry["until"], self.day)
        # Lapsing: the programs ending within the window; else those no longer paid.
        last_day = self.day + LAPSING_WINDOW if state == LAPSING else self.day - dt.timedelta(1)
        minimum = self.rules.for_village(entry["village_id"]).min_programs
        person_paid = paid[entry["person_id"]]
        nik, phone = first["person__nik"], first["person__phone"]
        return WorkListRow(
            village_code=entry["village_id"],
            village_name=first["village__name"],
            district_name=first["village__district__name"],
            person_id=entry["person_id"],
            name=first["person__name"],
            nik=nik if self.full_identifiers else mask_nik(nik),
            phone=phone if self.full_identifiers else mask_phone(phone),
            posts=tuple(
                _post_label(post)
                for post in sorted(posts, key=lambda p: (POST_ORDER[p["code"]], p["unit"]))
            ),
            until=entry["until"],
            state=state,
            programs=tuple(code for code in minimum if person_paid.get(code, last_day) <= last_day),
        )


def state_of_cover(until: dt.date, day: dt.date) -> str:
    """LAPSING, IN_ARREARS or ENDED for coverage that ends on `until` (at most 30 days after
    `day`, as on the list)."""
    if until >= day:
        return LAPSING
    return IN_ARREARS if until >= arrears_since(day) else ENDED


def work_list(
    *,
    posts: QuerySet[Post],
    area: Area | None,
    day: dt.date,
    rules: RulesInForce,
    state: str = "",
    full_identifiers: bool = False,
) -> WorkList:
    """The work list of the posts `posts` (the user's, `Post.objects.visible_to(user)`), below
    `area` when given, on `day`, of one state (`WORK_STATES`) or of all (""), with NIKs and
    phones in full or masked. No query yet."""
    held = posts.filter(current_posts_q(day))
    if area is not None:
        held = held.filter(area.post_filter)
    # Only holders with a minimum program paid through at most 30 days ahead can be on the
    # list: the paid-until index finds them first.
    ending = Membership.objects.filter(
        enrolled_by(day),
        program_id__in=_all_min_programs(rules),
        paid_until__lte=day + LAPSING_WINDOW,
    ).values("person_id")
    candidates = held.filter(person_id__in=ending)
    per_set = [
        _entries(candidates.filter(where), programs, day, state)
        for programs, where in _villages_by_min_programs(rules)
    ]
    entries = per_set[0] if len(per_set) == 1 else per_set[0].union(*per_set[1:], all=True)
    return WorkList(
        day=day,
        rules=rules,
        full_identifiers=full_identifiers,
        posts=candidates,
        entries=entries.order_by("village_id", "until", "person__name", "person_id"),
    )


def _entries(posts: QuerySet[Post], programs: tuple[str, ...], day: dt.date, state: str):
    """(village, person, name, until) of the holders of `posts` whose minimum `programs` are
    all recorded, `until` the earliest paid-until among them, in `state`: one grouped join of
    the posts and their holders' memberships (no per-post subquery)."""
    paid = "person__memberships__"
    memberships = Q(
        Q(**{f"{paid}enrolled_on__isnull": True}) | Q(**{f"{paid}enrolled_on__lte": day}),
        **{f"{paid}program_id__in": programs, f"{paid}paid_until__isnull": False},
    )
    # Filtered before the annotation: the aggregates read only the memberships that pass.
    return (
        posts.filter(memberships)
        .values("village_id", "person_id", "person__name")
        .annotate(
            n_programs=Count(f"{paid}program_id", distinct=True),
            until=Min(f"{paid}paid_until"),
        )
        .filter(_state_q(state, day), n_programs=len(programs))
        .values("village_id", "person_id", "person__name", "until")
        .order_by()  # the list's order is given once, over every set's rows
    )


def _villages_by_min_programs(rules: RulesInForce) -> list[tuple[tuple[str, ...], Q]]:
    """Each minimum-program set in force with the posts it judges: the regencies with a set
    of their own other than the national one, and the national set everywhere else."""
    national = rules.national.min_programs
    own: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for code, regency_rules in sorted(rules.by_regency.items()):
        if regency_rules.min_programs != national:
            own[regency_rules.min_programs].append(code)
    if not own:
        return [(national, Q())]
    regencies = {
        programs: Q(*[Q(village__code__startswith=f"{c}.") for c in codes], _connector=Q.OR)
        for programs, codes in own.items()
    }
    elsewhere = ~Q(*regencies.values(), _connector=Q.OR)
    return [(national, elsewhere), *regencies.items()]


def _state_q(state: str, day: dt.date) -> Q:
    soon, since = day + LAPSING_WINDOW, arrears_since(day)
    return {
        "": Q(until__lte=soon),
        LAPSING: Q(until__gte=day, until__lte=soon),
        IN_ARREARS: Q(until__lt=day, until__gte=since),
        ENDED: Q(until__lt=since),
    }[state]


def _all_min_programs(rules: RulesInForce) -> list[str]:
    return sorted(set().union(*rules.min_program_sets()))


def _post_label(post: dict) -> str:
    label = str(Post.Code(post["code"]).label)
    return f"{label} ({post['unit']})" if post["unit"] else label
