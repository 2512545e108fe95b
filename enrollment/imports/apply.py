"""Writing a plan: every record it creates or changes, in bulk, each with its history
(`writes.py`). A record is handed to the writes as its model's fields by name; the writes make
the rows COPY takes from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enrollment.imports.plan import Plan
from enrollment.imports.records import COVERAGE_FIELDS, NewMemberships, NewPost
from enrollment.imports.writes import create_with_history, update_with_history
from enrollment.models import Membership
from villages.models import CATEGORY_OF_POST, Person, Post

# Every field but the id, as a new record's values name them.
PERSON_FIELDS = ("nik", "name", "sex", "birth_date", "created_in", "phone")
POST_FIELDS = ("person_id", "village_id", "code", "category", "unit", "term_start", "term_end",
               "decree_number")  # fmt: skip
MEMBERSHIP_FIELDS = ("person_id", "program_id", *COVERAGE_FIELDS, "verified_on", "verified_source")
# What an import changes in a stored record.
POST_UPDATED = ["term_start", "term_end"]
PERSON_UPDATED = ["name", "sex"]
MEMBERSHIP_UPDATED = [*COVERAGE_FIELDS, "verified_on", "verified_source"]
IMPORTED = Membership.Source.IMPORT.value


def apply_plan(plan: Plan, *, user: Any, reference: str, file_name: str) -> None:
    """Write the plan in bulk, each record's history with it: the importing user, and as the
    reason the import's reference and file ("Impor IMP-000123: roster.xlsx"), in the site's
    language (history is read by everyone alike). Call inside a transaction."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Import %(reference)s: %(file)s") % {"reference": reference, "file": file_name}
        before = _("Stored state before import %(reference)s") % {"reference": reference}
    history = {
        "default_user": user,
        "default_change_reason": reason[:100],
        "default_date": timezone.now(),
    }
    # Ended terms first: a single-holder post's new holder needs the previous term closed.
    posts = (p.values() for p in plan.changed_posts.values() if p.changed)
    update_with_history(Post, posts, POST_UPDATED, history=history, baseline=before)
    _create_persons(plan, history)
    people = (p.values() for p in plan.persons.values() if p.changed)
    update_with_history(Person, people, PERSON_UPDATED, history=history, baseline=before)
    # Generators: the writes take them a chunk at a time (460,000 memberships as one list of
    # tuples were 60 MB more at the peak of a 200,000-row import).
    new_posts = (_new_post(plan, post) for post in plan.new_posts)
    create_with_history(Post, POST_FIELDS, new_posts, history=history)
    memberships = (values for new in plan.new_memberships
                   for values in _new_memberships(new, plan.today))  # fmt: skip
    create_with_history(Membership, MEMBERSHIP_FIELDS, memberships, history=history)
    update_with_history(Membership, changed_memberships(plan), MEMBERSHIP_UPDATED,
                        history=history, baseline=before)  # fmt: skip


def changed_memberships(plan: Plan) -> Iterator[dict[str, object]]:
    """Every field of the stored memberships the plan changes."""
    for person in plan.persons.values():
        for membership in plan.stored.changed_memberships(person):
            yield {
                "id": membership.id,
                "person_id": person.id,
                "program_id": membership.program,
                **membership.coverage.values(),
                "verified_on": plan.today,
                "verified_source": IMPORTED,
            }


def _create_persons(plan: Plan, history: dict[str, Any]) -> None:
    new = [p for p in plan.persons.values() if p.id is None]
    ids = create_with_history(Person, PERSON_FIELDS, (p.values() for p in new), history=history)
    for person, pk in zip(new, ids, strict=True):
        person.id = pk


def _new_post(plan: Plan, post: NewPost) -> dict[str, object]:
    return {
        "person_id": plan.persons[post.nik].id,
        "village_id": post.village,
        "code": post.code,
        "category": CATEGORY_OF_POST[post.code],
        "unit": post.unit,
        "term_start": post.term_start,
        "term_end": post.term_end,
        "decree_number": "",
    }


def _new_memberships(new: NewMemberships, today: dt.date) -> Iterator[dict[str, object]]:
    values = {
        "person_id": new.person.id,
        **new.coverage.values(),
        "verified_on": today,
        "verified_source": IMPORTED,
    }
    for program in new.programs:
        yield {**values, "program_id": program}
