"""The plan of an import: everything it would create, update or leave alone, the holders it
would replace, and every error and warning. `planner.py` works it out; `apply.py` writes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from enrollment.imports.changes import ChangeLog
from enrollment.imports.packed import PackedList
from enrollment.imports.records import NewMemberships, NewPost, PersonState, PostState
from enrollment.imports.rows import HeaderMap, RowError
from enrollment.imports.state import Stored

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
    """Everything an import would do; `apply.apply_plan` writes it."""

    today: dt.date
    header: HeaderMap
    stored: Stored
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    changed_posts: dict[int, PostState] = field(default_factory=dict)
    # What each committed row changes, field by field, compressed as it is added (changes.py).
    changes: ChangeLog = field(default_factory=ChangeLog)
    # The posts and memberships the file adds, packed chunk by chunk (packed.py). One entry of
    # new memberships per person; the stored memberships the plan updates are flagged in place
    # (PersonState.memberships).
    new_posts: PackedList[NewPost] = field(init=False)
    new_memberships: PackedList[NewMemberships] = field(init=False)

    def __post_init__(self) -> None:
        packer, persons = self.stored.packer, self.stored.persons
        self.new_posts = PackedList(
            packer.pack_new_post, lambda values: packer.new_post(values, persons)
        )
        self.new_memberships = PackedList(
            packer.pack_new_memberships, lambda values: packer.new_memberships(values, persons)
        )

    @property
    def persons(self) -> dict[str, PersonState]:
        return self.stored.persons

    def settle(self) -> None:
        """Pack what the chunk just planned added (its persons, posts and memberships)."""
        self.stored.settle(self.changed_posts)
        self.new_posts.settle()
        self.new_memberships.settle()

    def reject(self, number: int, errors: list[RowError]) -> None:
        self.invalid_rows.add(number)
        self.counts.invalid += 1
        self.errors.extend(errors)


def listed(names: list[str], total: int) -> str:
    """The first LISTED names, and how many more there are: a message stays short."""
    shown = ", ".join(names[:LISTED])
    if total <= LISTED:
        return shown
    return _("%(names)s and %(more)d more") % {"names": shown, "more": total - LISTED}


def date_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"
