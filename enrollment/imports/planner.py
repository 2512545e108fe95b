"""The meaning of an import, row by row, worked out in memory against the stored state: what
would be created, updated or left alone, which holders would be replaced, and every error.

Each row is checked first and changes the plan only when it has no error, so a rejected row
leaves no trace in what the other rows do. The checks are those of the models' `clean()`,
field validators and constraints (term order, paid-until after enrolment, sex matching the
NIK, one holder at a time, one open post per person and post), done here in bulk.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import NamedTuple

from django.utils.translation import gettext as _

from enrollment.imports.changes import Kind
from enrollment.imports.columns import post_label
from enrollment.imports.limits import refuse_past_the_limit
from enrollment.imports.plan import (
    LISTED,
    Plan,
    Replacement,
    RowWarning,
    date_text,
    listed,
)
from enrollment.imports.plan_coverage import (
    MembershipChange,
    commit_coverage,
    coverage_changes,
    coverage_hash,
)
from enrollment.imports.reader import Table
from enrollment.imports.records import (
    COVERAGE_FIELDS,
    Holder,
    NewPost,
    PersonState,
    PostKey,
    PostState,
    post_key,
    slot_key,
)
from enrollment.imports.rows import RowData, RowError, map_header, parsed_rows, row_error
from enrollment.imports.state import Stored
from enrollment.imports.terms import current, overlaps, pick, term_changes
from villages.access import Scope
from villages.models import SINGLE_HOLDER_POSTS

DAY = dt.timedelta(days=1)
# Rows read, checked against the stored state and planned at a time (the stored state of a
# chunk's persons is loaded in a few queries; earlier chunks' rows are already planned).
PLAN_CHUNK = 5000
# Told the number of rows read and planned so far (a background job's progress).
Progress = Callable[[int], None]


class SlotChange(NamedTuple):
    """A single-holder post a row gives: its holders (the row's post joins them) and those
    whose terms the row's ends on `ended_on`."""

    holders: list[Holder]
    replaced: list[PostState]
    ended_on: dt.date | None


def plan_import(
    table: Table, *, scope: Scope, today: dt.date, progress: Progress | None = None
) -> Plan:
    """The plan of importing `table` for a user with `scope`; FileRefused for file errors.
    `progress` is told how many rows are read and planned, after each chunk."""
    stored = Stored()
    stored.load_programs()
    header = map_header(table.header, programs=stored.programs)
    plan = Plan(today=today, header=header, stored=stored)
    if header.unknown:
        plan.warnings.append(
            RowWarning(0, _("Unknown columns are ignored: %(columns)s.")
            % {"columns": listed(header.unknown, len(header.unknown))})
        )  # fmt: skip
    planner, rows = _Planner(plan, scope), list[RowData]()
    with _frozen_between_chunks() as freeze:
        for number, row, errors in parsed_rows(table.rows(), header):
            plan.counts.rows += 1
            refuse_past_the_limit(plan.counts.rows)
            if row is None or errors:
                plan.reject(number, errors)
            else:
                rows.append(row)
            if len(rows) == PLAN_CHUNK:  # rows the plan does not keep are freed chunk by chunk
                planner.run(rows)
                rows = []
                freeze()
                if progress is not None:
                    progress(plan.counts.rows)
        planner.run(rows)
    if progress is not None:
        progress(plan.counts.rows)
    if header.unnamed_used:
        plan.warnings.append(RowWarning(0, _("Values in columns without a header are ignored.")))
    plan.errors.sort(key=lambda error: error.row)
    return plan


@contextmanager
def _frozen_between_chunks() -> Iterator[Callable[[], None]]:
    """A function freezing what the chunks planned so far leave (gc.freeze): the plan lives to
    the end, and the collector's full passes would scan it again and again (a quarter of the
    time of a 200,000-row plan). Unfrozen at the end, the plan is collected as usual. Left
    alone when something else froze objects already (a server freezing its preloaded app):
    unfreezing would unfreeze those too."""
    if gc.get_freeze_count():
        yield lambda: None
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


class _Planner:
    def __init__(self, plan: Plan, scope: Scope):
        self.plan, self.scope, self.today = plan, scope, plan.today
        self.stored = plan.stored
        self.header = plan.header

    def run(self, rows: list[RowData]) -> None:
        """Plan `rows`, which follow every row planned before, in file order."""
        self.stored.load_villages(row.village for row in rows)
        rows = [row for row in rows if self._village_ok(row)]
        rows = self._resolve_masked(rows)
        self.stored.load_persons((row.nik for row in rows), self.plan.changed_posts)
        self.stored.load_slots(row.village for row in rows if row.post in SINGLE_HOLDER_POSTS)
        for row in rows:
            self._row(row)
        self.plan.settle()

    def _error(self, row: RowData, key: str, found: object, expected: str) -> RowError:
        return row_error(row, self.header, key, found, expected)

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
        masked = [row for row in rows if row.masked_nik is not None]
        if not masked:
            return rows
        holders = self.stored.masked_candidates(post_key(r.village, r.post, r.unit) for r in masked)
        kept = []
        for row in rows:
            if row.masked_nik is not None:
                candidates = holders.get(post_key(row.village, row.post, row.unit), [])
                niks = {
                    nik
                    for nik, name in candidates
                    if name == row.name and row.masked_nik.matches(nik)
                }
                if len(niks) != 1:
                    self.plan.reject(row.number, [self._masked_error(row, len(niks))])
                    continue
                row.nik, row.masked_nik = niks.pop(), None
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
        key = post_key(row.village, row.post, row.unit)
        errors = self._person_errors(row, key, person)
        post, start, end, post_errors = self._match_post(row, key, person)
        errors += post_errors
        slot = None
        if not errors and row.post in SINGLE_HOLDER_POSTS and term_changes(post, start, end):
            slot, start, slot_errors = self._slot_check(row, post, start, end)
            errors += slot_errors
        coverage, coverage_errors = coverage_changes(self.plan, row, person)
        errors += coverage_errors
        if errors:
            self.plan.reject(row.number, errors)
            return
        self._commit(row, key, person, post, start, end, slot, coverage)

    def _person_errors(
        self, row: RowData, key: PostKey, person: PersonState | None
    ) -> list[RowError]:
        if person is None or not person.file.first_row:
            return []
        errors = []
        if row.name != person.name:
            errors.append(
                self._error(row, "name", row.name, _("%(name)s, as row %(row)d has for this NIK")
                % {"name": person.name, "row": person.file.first_row})
            )  # fmt: skip
        first = person.file.file_row(key)
        if first:
            errors.append(
                self._error(row, "post", row.post,
                            _("another post: row %(row)d already gives this NIK this post")
                            % {"row": first})
            )  # fmt: skip
        coverage = person.file.coverage
        if row.programs and coverage is not None and coverage_hash(row) != coverage:
            errors.append(
                self._error(row, "programs", " ".join(row.programs),
                            _("the same coverage as row %(row)d for this NIK, or empty coverage "
                              "columns") % {"row": person.file.coverage_row})
            )  # fmt: skip
        return errors

    def _match_post(
        self, row: RowData, key: PostKey, person: PersonState | None
    ) -> tuple[PostState | None, dt.date | None, dt.date | None, list[RowError]]:
        """The stored post this row names (or None: a new post), and its resulting term.
        Empty cells keep what is stored."""
        candidates = [p for p in person.file.posts if p.key() == key] if person else []
        post = pick(candidates, row.term_start)
        if post is None:
            return None, row.term_start, row.term_end, []
        start = row.term_start or post.term_start
        end = row.term_end or post.term_end
        if start and end and end < start:
            found = row.term_end or row.term_start
            column = "term_end" if row.term_end else "term_start"
            expected = _("a term that ends after it starts (stored term: %(start)s – %(end)s)") % {
                "start": date_text(post.term_start),
                "end": date_text(post.term_end),
            }
            return post, start, end, [self._error(row, column, found, expected)]
        return post, start, end, []

    def _slot_check(
        self, row: RowData, post: PostState | None, start: dt.date | None, end: dt.date | None
    ) -> tuple[SlotChange | None, dt.date | None, list[RowError]]:
        """Other holders of a single-holder post in the new term: replaced, or an error."""
        holders = self.stored.slots.setdefault(slot_key(row.village, row.post, row.unit), [])
        others = [s for s in holders if s is not post]
        errors: list[RowError] = []
        replaced: list[PostState] = []
        ended_on = None
        if start is None and others and post is None and (end is None or end >= self.today):
            start = self.today  # the previous holder's term ends yesterday
        for other in others:
            if not overlaps(other, start, end):
                continue
            if start is None:
                expected = _("a term start: this post has had other holders")
                return None, start, [self._error(row, "term_start", "", expected)]
            outcome = self._replaced(row, other, start, end)
            if isinstance(outcome, RowError):
                errors.append(outcome)
            else:
                replaced.append(outcome)
                ended_on = start - DAY
        return SlotChange(holders, replaced, ended_on), start, errors

    def _replaced(
        self, row: RowData, other: Holder, start: dt.date, end: dt.date | None
    ) -> PostState | RowError:
        """The stored holder whose term the row's ends, or why the row cannot."""
        params = {"name": other.name, "row": other.number, "start": date_text(other.term_start)}
        if other.nik == row.nik:
            expected = _("a term that does not overlap this person's other term of this post")
        elif isinstance(other, NewPost) or other.number:
            expected = _("a term that does not overlap the one row %(row)d gives %(name)s")
        elif end is not None and end < self.today:
            expected = _("a term that does not overlap the term of %(name)s (since %(start)s)")
        elif other.term_start is not None and other.term_start > start - DAY:
            expected = _(
                "a term starting after %(start)s: %(name)s holds this post since then; "
                "the file may be older than the records"
            )
        else:
            return other
        return self._error(row, "post", row.post, expected % params)

    # --- Writing the row into the plan --------------------------------------------------------

    def _commit(
        self,
        row: RowData,
        key: PostKey,
        person: PersonState | None,
        post: PostState | None,
        start: dt.date | None,
        end: dt.date | None,
        slot: SlotChange | None,
        coverage: list[MembershipChange],
    ) -> None:
        plan = self.plan
        if person is None:
            # Entered in the village of their first post: its staff see them (villages.access).
            person = PersonState(None, row.nik, row.name, row.sex or row.nik_sex, row.nik_birth,
                                 row.village)  # fmt: skip
            self.stored.add(person)
        person_changed = False
        if not person.file.first_row:
            person.file.first_row = row.number
            if person.id is not None:
                self._log_person(row, person)
                if row.name != person.name:  # else one object for both
                    person.name = row.name
                person.sex = row.sex or person.sex
                person_changed = person.changed
        self._two_posts_warning(row, key, person, post)
        person.file.add_file_post(key, row.number)
        if post is None:
            if start != row.term_start:
                plan.warnings.append(RowWarning(row.number, _(
                    "The term start is taken as today, %(today)s: the post has had other holders."
                ) % {"today": date_text(self.today)}))  # fmt: skip
            new_post = NewPost(row.number, row.nik, person.name, row.village, row.post, row.unit,
                               start, end)  # fmt: skip
            plan.new_posts.append(new_post)
            plan.changes.add(row.number, row.nik, person.name, Kind.NEW_POST, "",
                             [row.village, row.post, row.unit], None, [start, end])  # fmt: skip
            if slot is not None:
                slot.holders.append(new_post)
        else:
            self._log_post(row, person, post, Kind.POST, {"term_start": start, "term_end": end})
            post.term_start, post.term_end, post.number = start, end, row.number
            if post.changed:
                plan.changed_posts[post.id] = post
        if slot is not None and slot.ended_on is not None:
            self._replace(row, person, slot.replaced, slot.ended_on)
        self._log_coverage(row, person, coverage)
        coverage_changed = commit_coverage(self.plan, row, person, coverage)
        if post is None:
            plan.counts.created += 1
        elif person_changed or post.changed or coverage_changed:
            plan.counts.updated += 1
        else:
            plan.counts.unchanged += 1

    def _replace(
        self, row: RowData, person: PersonState, others: list[PostState], ended_on: dt.date
    ) -> None:
        for other in others:
            self._log_post(row, other, other, Kind.REPLACED, {"term_end": ended_on})
            other.term_end = ended_on
            self.plan.changed_posts[other.id] = other
            self.plan.replacements.append(
                Replacement(row.number, row.village, row.post, row.unit, other.name, ended_on,
                            person.name)
            )  # fmt: skip

    # --- The change list (changes.py) -----------------------------------------------------------

    def _log_person(self, row: RowData, person: PersonState) -> None:
        """A stored person's fields the row changes (its first row: later ones may not)."""
        for field, old, new in (("name", person.name, row.name),
                                ("sex", person.sex, row.sex or person.sex)):  # fmt: skip
            if old != new:
                self.plan.changes.add(row.number, person.nik, row.name, Kind.PERSON, field,
                                      "", old, new)  # fmt: skip

    def _log_post(
        self,
        row: RowData,
        holder: PersonState | PostState,
        post: PostState,
        kind: str,
        new: dict[str, dt.date | None],
    ) -> None:
        """A stored post's term fields that change, under its holder's name."""
        what = [post.village, post.code, post.unit]
        for field, value in new.items():
            old = getattr(post, field)
            if old != value:
                self.plan.changes.add(row.number, holder.nik, holder.name, kind, field, what,
                                      old, value)  # fmt: skip

    def _log_coverage(
        self, row: RowData, person: PersonState, coverage: list[MembershipChange]
    ) -> None:
        """The memberships the row adds (one line for their programs) and the fields it changes
        in stored ones (one line per field for the programs with the same change)."""
        new = [change for change in coverage if change.stored is None]
        if new:
            self.plan.changes.add(row.number, person.nik, person.name, Kind.NEW_MEMBERSHIPS,
                                  "paid_until", " ".join(change.program for change in new),
                                  None, new[0].coverage.paid_until)  # fmt: skip
        lines: dict[tuple[str, object, object], list[str]] = {}
        for change in coverage:
            if change.stored is None:
                continue
            for field in COVERAGE_FIELDS:
                old, value = getattr(change.stored.coverage, field), getattr(change.coverage, field)
                if old != value:
                    lines.setdefault((field, old, value), []).append(change.program)
        for (field, old, value), programs in lines.items():
            self.plan.changes.add(row.number, person.nik, person.name, Kind.MEMBERSHIP, field,
                                  " ".join(programs), old, value)  # fmt: skip

    def _two_posts_warning(
        self, row: RowData, key: PostKey, person: PersonState, post: PostState | None
    ) -> None:
        # The row's own key is not among the file's posts yet (the same post twice is an error).
        in_file = person.file.file_post_count()
        others = [
            f"{post_label(code)} ({_('row')} {n})"
            for (_village, code, _unit), n in islice(person.file.file_pairs(), LISTED)
        ]
        stored = [
            post_label(p.code)
            for p in person.file.posts
            if p is not post and p.key() != key and not p.number and current(p, self.today)
        ]
        if in_file or stored:
            self.plan.warnings.append(RowWarning(row.number, _(
                "This NIK also holds another post (allowed for acting posts): %(posts)s."
            ) % {"posts": listed(others + stored, in_file + len(stored))}))  # fmt: skip
