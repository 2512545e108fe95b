"""The memberships a row's programs create or change, checked and then written into the plan
(for `planner.py`). A person's coverage comes from the first row giving them programs; later
rows may only repeat it."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from django.utils.translation import gettext as _

from enrollment.imports.plan import Plan, RowWarning, date_text
from enrollment.imports.records import Coverage, NewMemberships, PersonState, StoredMembership
from enrollment.imports.rows import RowData, RowError, row_error


class MembershipChange(NamedTuple):
    """A membership a row creates (`stored` None) or updates, with its coverage."""

    program: str
    stored: StoredMembership | None
    coverage: Coverage


def coverage_hash(row: RowData) -> int:
    """What later rows of a person compare with the first row giving programs."""
    return hash((row.programs, row.coverage))


def coverage_changes(
    plan: Plan, row: RowData, person: PersonState | None
) -> tuple[list[MembershipChange], list[RowError]]:
    """The memberships the row's programs create or change (first row of a person only)."""
    if not row.programs or (person is not None and person.file.coverage is not None):
        return [], []
    changes: list[MembershipChange] = []
    errors = []
    for program in row.programs:
        stored = person.file.membership(program) if person else None
        coverage, error = _membership_values(plan, row, stored)
        if error is not None:
            errors.append(error)
        elif coverage is not None and (stored is None or coverage != stored.coverage):
            if changes and coverage == changes[-1].coverage:
                coverage = changes[-1].coverage  # one object for the person's programs
            changes.append(MembershipChange(program, stored, coverage))
    return changes, errors


def _membership_values(
    plan: Plan, row: RowData, stored: StoredMembership | None
) -> tuple[Coverage | None, RowError | None]:
    """The row's coverage for a membership, empty cells keeping the stored values."""
    coverage = row.coverage
    if row.masked_kpj is not None:
        if stored is None or not row.masked_kpj.matches(stored.coverage.kpj_number):
            expected = _("the full KPJ number: the masked number matches no stored number")
            return None, row_error(row, plan.header, "kpj_number", row.masked_kpj, expected)
        coverage = replace(coverage, kpj_number=stored.coverage.kpj_number)
    if stored is None:
        return coverage, None
    kept = stored.coverage
    values = coverage.over(kept)
    if values.enrolled_on and values.paid_until and values.paid_until < values.enrolled_on:
        found = row.coverage.paid_until or row.coverage.enrolled_on
        expected = _("dates with contributions paid until after enrolment (stored %(program)s: "
                     "enrolled %(enrolled)s, paid until %(paid)s)") % {
            "program": stored.program, "enrolled": date_text(kept.enrolled_on),
            "paid": date_text(kept.paid_until),
        }  # fmt: skip
        key = "paid_until" if row.coverage.paid_until else "enrolled_on"
        return None, row_error(row, plan.header, key, found, expected)
    return values, None


def commit_coverage(
    plan: Plan, row: RowData, person: PersonState, changes: list[MembershipChange]
) -> bool:
    """Write the row's membership changes into the plan; whether there are any."""
    file = person.file
    if row.programs and file.coverage is None:
        file.coverage, file.coverage_row = coverage_hash(row), row.number
        new = tuple(change.program for change in changes if change.stored is None)
        new = plan.stored.shared.setdefault(new, new)  # a few sets of programs, repeated
        if new:
            plan.new_memberships.append(NewMemberships(person, new, row.coverage))
        for change in changes:
            if change.stored is not None:
                change.stored.orig, change.stored.coverage = change.stored.coverage, change.coverage
        _kept_memberships_warning(plan, row, person, set(row.programs))
        return bool(changes)
    if not row.programs and file.coverage is None and file.memberships:
        _kept_memberships_warning(plan, row, person, set())
    return False


def _kept_memberships_warning(
    plan: Plan, row: RowData, person: PersonState, listed: set[str]
) -> None:
    kept = [m.program for m in person.file.memberships if m.program not in listed]
    if kept:
        plan.warnings.append(RowWarning(row.number, _(
            "The row does not list %(programs)s, which this person holds: those memberships "
            "are kept as they are (end them in the admin)."
        ) % {"programs": ", ".join(sorted(kept))}))  # fmt: skip
