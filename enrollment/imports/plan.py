"""The meaning of an import, row by row, worked out in memory against the stored state: what
would be created, updated or left alone, which holders would be replaced, and every error.

Each row is checked first and changes the plan only when it has no error, so a rejected row
leaves no trace in what the other rows do. The checks are those of the models' `clean()`,
field validators and constraints (term order, paid-until after enrolment, sex matching the
NIK, one holder at a time, one open post per person and post), done here in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import islice

from django.utils.translation import gettext as _

from enrollment.imports.cells import echo
from enrollment.imports.columns import MaskedKpj, MaskedNik, post_label
from enrollment.imports.limits import refuse_past_the_limit
from enrollment.imports.reader import Table
from enrollment.imports.rows import HeaderMap, RowData, RowError, map_header, parsed_rows
from enrollment.imports.state import (
    NewPost,
    PersonState,
    PostState,
    Stored,
    slot_key,
    unit_key,
)
from villages.access import Scope
from villages.models import SINGLE_HOLDER_POSTS

DAY = dt.timedelta(days=1)
# Rows read, checked against the stored state and planned at a time (the stored state of a
# chunk's persons is loaded in a few queries; earlier chunks' rows are already planned).
PLAN_CHUNK = 5000
# A message lists this many columns or posts at most, then says how many more there are.
LISTED = 10


@dataclass(frozen=True)
class RowWarning:
    """Something the user should know about a row (or the file, row 0) that is not an error."""

    row: int
    message: str


@dataclass(frozen=True)
class Replacement:
    """A single-holder post passing to a new holder: the previous term ends on `ended_on`."""

    row: int
    village: str
    post: str
    unit: str
    previous: str
    ended_on: dt.date
    holder: str


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0


@dataclass
class Plan:
    """Everything an import would do; `apply` writes it."""

    today: dt.date
    header: HeaderMap | None = None
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    stored: Stored = field(default_factory=Stored)
    new_posts: list[NewPost] = field(default_factory=list)
    changed_posts: dict[int, PostState] = field(default_factory=dict)
    # (person, programs, the person's coverage tuple) to create, one entry per person; stored
    # memberships to update are flagged in place (PersonState.memberships)
    new_memberships: list[tuple[PersonState, tuple[str, ...], tuple]] = field(default_factory=list)

    @property
    def persons(self) -> dict[str, PersonState]:
        return self.stored.persons

    def reject(self, number: int, errors: list[RowError]) -> None:
        self.invalid_rows.add(number)
        self.counts.invalid += 1
        self.errors.extend(errors)


def plan_import(table: Table, *, scope: Scope, today: dt.date) -> Plan:
    """The plan of importing `table` for a user with `scope`; FileRefused for file errors."""
    plan = Plan(today=today)
    plan.stored.load_programs()
    plan.header = map_header(table.header, programs=plan.stored.programs)
    if plan.header.unknown:
        plan.warnings.append(
            RowWarning(0, _("Unknown columns are ignored: %(columns)s.")
            % {"columns": _listed(plan.header.unknown, len(plan.header.unknown))})
        )  # fmt: skip
    planner, rows = _Planner(plan, scope), []
    for number, row, errors in parsed_rows(table.rows(), plan.header):
        plan.counts.rows += 1
        refuse_past_the_limit(plan.counts.rows)
        if row is None or errors:
            plan.reject(number, errors)
        else:
            rows.append(row)
        if len(rows) == PLAN_CHUNK:  # rows the plan does not keep are freed chunk by chunk
            planner.run(rows)
            rows = []
    planner.run(rows)
    if plan.header.unnamed_used:
        plan.warnings.append(RowWarning(0, _("Values in columns without a header are ignored.")))
    plan.errors.sort(key=lambda error: error.row)
    return plan


class _Planner:
    def __init__(self, plan: Plan, scope: Scope):
        self.plan, self.scope, self.today = plan, scope, plan.today
        self.stored = plan.stored
        self.header = plan.header
        self.keys: dict[tuple, tuple] = {}  # one (village, code, unit) tuple per post key

    def run(self, rows: list[RowData]) -> None:
        """Plan `rows`, which follow every row planned before, in file order."""
        self.stored.load_villages(row.village for row in rows)
        rows = [row for row in rows if self._village_ok(row)]
        rows = self._resolve_masked(rows)
        self.stored.load_persons(row.nik for row in rows)
        self.stored.load_slots(row.village for row in rows if row.post in SINGLE_HOLDER_POSTS)
        for row in rows:
            self._row(row)

    def _error(self, row: RowData, key: str, found, expected: str) -> RowError:
        if isinstance(found, dt.date):
            found = found.strftime("%d/%m/%Y")
        return RowError(row.number, self.header.label(key), echo(str(found)), expected)

    def _village_ok(self, row: RowData) -> bool:
        if row.village not in self.stored.villages:
            expected = _("a village code that exists in the Kemendagri list")
        elif not self.scope.covers(row.village):
            expected = _("a village in your area: village %(code)s is outside your area") % {
                "code": row.village
            }
        else:
            return True
        self.plan.reject(row.number, [self._error(row, "village", row.village, expected)])
        return False

    def _resolve_masked(self, rows: list[RowData]) -> list[RowData]:
        """A masked NIK names the one holder of the row's post with that name and digits."""
        masked = [row for row in rows if isinstance(row.nik, MaskedNik)]
        if not masked:
            return rows
        keys = ((r.village, r.post, unit_key(r.unit)) for r in masked)
        holders = self.stored.masked_candidates(keys)
        kept = []
        for row in rows:
            if isinstance(row.nik, MaskedNik):
                candidates = holders.get((row.village, row.post, unit_key(row.unit)), [])
                niks = {
                    nik for nik, name in candidates if name == row.name and row.nik.matches(nik)
                }
                if len(niks) != 1:
                    self.plan.reject(row.number, [self._masked_error(row, len(niks))])
                    continue
                row.nik = niks.pop()
            kept.append(row)
        return kept

    def _masked_error(self, row: RowData, matches: int) -> RowError:
        if matches:
            expected = _("the full NIK: the masked NIK matches %(count)d holders of this post")
        else:
            expected = _("the full NIK: the masked NIK matches no holder of this post by that name")
        return self._error(row, "nik", row.nik, expected % {"count": matches})

    # --- One row -------------------------------------------------------------------------------

    def _row(self, row: RowData) -> None:
        person = self.plan.persons.get(row.nik)
        errors = self._person_errors(row, person)
        post, start, end, post_errors = self._match_post(row, person)
        errors += post_errors
        slot = None
        if not errors and row.post in SINGLE_HOLDER_POSTS and _term_changes(post, start, end):
            slot, start, slot_errors = self._slot_check(row, post, start, end)
            errors += slot_errors
        coverage, coverage_errors = self._coverage(row, person)
        errors += coverage_errors
        if errors:
            self.plan.reject(row.number, errors)
            return
        self._commit(row, person, post, start, end, slot, coverage)

    def _person_errors(self, row: RowData, person: PersonState | None) -> list[RowError]:
        if person is None or not person.first_row:
            return []
        errors = []
        if row.name != person.name:
            errors.append(
                self._error(row, "name", row.name, _("%(name)s, as row %(row)d has for this NIK")
                % {"name": person.name, "row": person.first_row})
            )  # fmt: skip
        first = person.file_row((row.village, row.post, unit_key(row.unit)))
        if first:
            errors.append(
                self._error(row, "post", row.post,
                            _("another post: row %(row)d already gives this NIK this post")
                            % {"row": first})
            )  # fmt: skip
        if row.programs and person.coverage is not None and hash(row.coverage()) != person.coverage:
            errors.append(
                self._error(row, "programs", " ".join(row.programs),
                            _("the same coverage as row %(row)d for this NIK, or empty coverage "
                              "columns") % {"row": person.coverage_row})
            )  # fmt: skip
        return errors

    def _match_post(self, row: RowData, person: PersonState | None):
        """The stored post this row names (or None: a new post), and its resulting term.
        Empty cells keep what is stored."""
        key = (row.village, row.post, unit_key(row.unit))
        candidates = [p for p in person.posts if p.key() == key] if person else []
        post = _pick(candidates, row.term_start)
        if post is None:
            return None, row.term_start, row.term_end, []
        start = row.term_start or post.term_start
        end = row.term_end or post.term_end
        if start and end and end < start:
            found = row.term_end or row.term_start
            key = "term_end" if row.term_end else "term_start"
            expected = _("a term that ends after it starts (stored term: %(start)s – %(end)s)") % {
                "start": _date(post.term_start),
                "end": _date(post.term_end),
            }
            return post, start, end, [self._error(row, key, found, expected)]
        return post, start, end, []

    def _slot_check(self, row: RowData, post: PostState | None, start, end):
        """Other holders of a single-holder post in the new term: replaced, or an error."""
        slot = self.stored.slots.setdefault(slot_key(row.village, row.post, row.unit), [])
        others = [s for s in slot if s is not post]
        errors, replaced = [], []
        if start is None and others and post is None and (end is None or end >= self.today):
            start = self.today  # the previous holder's term ends yesterday
        for other in others:
            if not _overlaps(other, start, end):
                continue
            if start is None:
                expected = _("a term start: this post has had other holders")
                return slot, start, [self._error(row, "term_start", "", expected)]
            error = self._replace_error(row, other, start, end)
            if error:
                errors.append(error)
            else:
                replaced.append(other)
        return (slot, replaced), start, errors

    def _replace_error(self, row: RowData, other, start, end) -> RowError | None:
        params = {"name": other.name, "row": other.number, "start": _date(other.term_start)}
        if other.nik == row.nik:
            expected = _("a term that does not overlap this person's other term of this post")
        elif other.number:
            expected = _("a term that does not overlap the one row %(row)d gives %(name)s")
        elif end is not None and end < self.today:
            expected = _("a term that does not overlap the term of %(name)s (since %(start)s)")
        elif other.term_start is not None and other.term_start > start - DAY:
            expected = _(
                "a term starting after %(start)s: %(name)s holds this post since then; "
                "the file may be older than the records"
            )
        else:
            return None
        return self._error(row, "post", row.post, expected % params)

    def _coverage(self, row: RowData, person: PersonState | None):
        """Membership changes for the row's programs (first row of a person only):
        (program, stored row or None, new coverage values)."""
        if not row.programs or (person is not None and person.coverage is not None):
            return [], []
        changes, errors = [], []
        for program in row.programs:
            stored = person.membership(program) if person else None
            values, error = self._membership_values(row, stored)
            if error:
                errors.append(error)
            elif stored is None or values != stored[2:7]:
                changes.append((program, stored, values))
        return changes, errors

    def _membership_values(self, row: RowData, stored: tuple | None):
        """(participant_category, kpj_number, enrolled_on, paid_until, funding_source): the
        row's values, empty cells keeping the stored ones."""
        kpj = row.kpj
        if isinstance(kpj, MaskedKpj):
            if stored is None or not kpj.matches(stored[3]):
                expected = _("the full KPJ number: the masked number matches no stored number")
                return None, self._error(row, "kpj", kpj, expected)
            kpj = stored[3]
        if stored is None:
            return (row.category, kpj, row.enrolled_on, row.paid_until, row.funding), None
        values = tuple(
            new or old
            for new, old in zip(
                (row.category, kpj, row.enrolled_on, row.paid_until, row.funding),
                stored[2:7],
                strict=True,
            )
        )
        if values[2] and values[3] and values[3] < values[2]:
            found = row.paid_until or row.enrolled_on
            expected = _("dates with contributions paid until after enrolment (stored %(program)s: "
                         "enrolled %(enrolled)s, paid until %(paid)s)") % {
                "program": stored[1], "enrolled": _date(stored[4]), "paid": _date(stored[5]),
            }  # fmt: skip
            key = "paid_until" if row.paid_until else "enrolled_on"
            return None, self._error(row, key, found, expected)
        return values, None

    # --- Writing the row into the plan --------------------------------------------------------

    def _commit(self, row, person, post, start, end, slot, coverage) -> None:
        plan = self.plan
        if person is None:
            person = PersonState(None, row.nik, row.name, row.sex or row.nik_sex, row.nik_birth)
            plan.persons[row.nik] = person
        person_changed = False
        if not person.first_row:
            person.first_row = row.number
            if person.id is not None:
                person.name = row.name
                person.sex = row.sex or person.sex
                person_changed = person.changed
        self._two_posts_warning(row, person, post)
        key = (row.village, row.post, unit_key(row.unit))
        person.add_file_post(self.keys.setdefault(key, key), row.number)
        if post is None:
            if start != row.term_start:
                plan.warnings.append(RowWarning(row.number, _(
                    "The term start is taken as today, %(today)s: the post has had other holders."
                ) % {"today": _date(self.today)}))  # fmt: skip
                row.term_start = start
            row.name = person.name
            new_post = NewPost(row)
            plan.new_posts.append(new_post)
            if slot is not None:
                slot[0].append(new_post)
        else:
            post.term_start, post.term_end, post.number = start, end, row.number
            if post.changed:
                plan.changed_posts[post.id] = post
        if slot is not None:
            self._replace(row, start, slot[1])
        coverage_changed = self._commit_coverage(row, person, coverage)
        if post is None:
            plan.counts.created += 1
        elif person_changed or post.changed or coverage_changed:
            plan.counts.updated += 1
        else:
            plan.counts.unchanged += 1

    def _replace(self, row: RowData, start: dt.date, others: list) -> None:
        for other in others:
            other.term_end = start - DAY
            self.plan.changed_posts[other.id] = other
            self.plan.replacements.append(
                Replacement(row.number, row.village, row.post, row.unit, other.name,
                            other.term_end, row.name)
            )  # fmt: skip

    def _commit_coverage(self, row: RowData, person: PersonState, changes: list) -> bool:
        if row.programs and person.coverage is None:
            coverage = (row.number, *row.coverage())
            # Only later rows of the person compare with it: a hash keeps 200,000 persons small.
            person.coverage, person.coverage_row = hash(coverage[1:]), row.number
            new = tuple(program for program, stored, _values in changes if stored is None)
            new = self.stored.shared.setdefault(new, new)  # a few sets of programs, repeated
            if new:
                self.plan.new_memberships.append((person, new, coverage))
            for _program, stored, values in changes:
                if stored is not None:
                    person.memberships = tuple(
                        (*m[:2], *values, True) if m is stored else m for m in person.memberships
                    )
            self._kept_memberships_warning(row, person, set(row.programs))
            return bool(changes)
        if not row.programs and person.coverage is None and person.memberships:
            self._kept_memberships_warning(row, person, set())
        return False

    def _kept_memberships_warning(self, row, person: PersonState, listed: set[str]) -> None:
        kept = [m[1] for m in person.memberships if m[1] not in listed]
        if kept:
            self.plan.warnings.append(RowWarning(row.number, _(
                "The row does not list %(programs)s, which this person holds: those memberships "
                "are kept as they are (end them in the admin)."
            ) % {"programs": ", ".join(sorted(kept))}))  # fmt: skip

    def _two_posts_warning(self, row: RowData, person: PersonState, post: PostState | None) -> None:
        key = (row.village, row.post, unit_key(row.unit))
        # The row's own key is not among the file's posts yet (the same post twice is an error).
        in_file = person.file_post_count()
        others = [f"{post_label(k[1])} ({_('row')} {n})"
                  for k, n in islice(person.file_pairs(), LISTED)]  # fmt: skip
        stored = [
            post_label(p.code)
            for p in person.posts
            if p is not post and p.key() != key and not p.number and _current(p, self.today)
        ]
        if in_file or stored:
            self.plan.warnings.append(RowWarning(row.number, _(
                "This NIK also holds another post (allowed for acting posts): %(posts)s."
            ) % {"posts": _listed(others + stored, in_file + len(stored))}))  # fmt: skip


def _term_changes(post: PostState | None, start, end) -> bool:
    return post is None or (post.term_start, post.term_end) != (start, end)


def _pick(candidates: list[PostState], start: dt.date | None) -> PostState | None:
    """Which stored term a row names: the one with its start date, else the open one, else
    the latest unless it ended before the row's term starts (a new term)."""
    if not candidates:
        return None
    for post in candidates:
        if start is not None and post.term_start == start:
            return post
    for post in candidates:
        if post.term_end is None:
            return post
    latest = candidates[-1]
    if start is not None and latest.term_end is not None and latest.term_end < start:
        return None
    return latest


def _overlaps(other, start: dt.date | None, end: dt.date | None) -> bool:
    """As Post._check_single_holder: a missing date is open on that side."""
    after_start = start is None or other.term_end is None or other.term_end >= start
    before_end = end is None or other.term_start is None or other.term_start <= end
    return after_start and before_end


def _current(post: PostState, today: dt.date) -> bool:
    return (post.term_start is None or post.term_start <= today) and (
        post.term_end is None or post.term_end >= today
    )


def _listed(names: list[str], total: int) -> str:
    """The first LISTED names, and how many more there are: a message stays short."""
    shown = ", ".join(names[:LISTED])
    if total <= LISTED:
        return shown
    return _("%(names)s and %(more)d more") % {"names": shown, "more": total - LISTED}


def _date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"
