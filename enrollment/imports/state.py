"""What the database holds for the persons, posts and villages of a file, loaded in a few bulk
queries (chunked IN lists), kept as small mutable states the plan works on. The persons a
chunk of rows names are loaded (or unpacked) for it and packed once it is planned (`packed.py`).

Everything loaded is also hashed, in a fixed order, into `Stored.basis`: the plan's digest
covers it, so a confirm whose plan starts from records changed since its preview writes
nothing (an update of the same person by another import in between would otherwise be lost).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any, TypeVar

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.sql.compiler import SQLCompiler

from enrollment.imports.packed import Packer
from enrollment.imports.records import (
    COVERAGE_FIELDS,
    REPEATED_COVERAGE,
    Coverage,
    Holder,
    PersonState,
    PostKey,
    PostState,
    StoredMembership,
    post_key,
    slot_key,
)
from enrollment.models import Membership, Program
from villages.batches import chunks
from villages.models import SINGLE_HOLDER_POSTS, Person, Post, Village

CHUNK = 2000
T = TypeVar("T")
_NOBODY: Mapping[int, PersonState] = {}


POST_QUERY = (
    "id",
    "person_id",
    "village_id",
    "code",
    "category",
    "unit",
    "term_start",
    "term_end",
    "decree_number",
    "person__nik",
    "person__name",
)
# The coverage, and what a confirm must not overwrite unseen (the basis covers every field).
MEMBERSHIP_QUERY = (
    "id",
    "person_id",
    "program_id",
    *COVERAGE_FIELDS,
    "verified_on",
    "verified_source",
)
_MEMBERSHIP_KEYS = itemgetter(
    *(MEMBERSHIP_QUERY.index(n) for n in ("id", "person_id", "program_id"))
)
_MEMBERSHIP_COVERAGE = itemgetter(*(MEMBERSHIP_QUERY.index(name) for name in COVERAGE_FIELDS))


class Stored:
    """The stored state an import needs: villages, persons by NIK with their posts and
    memberships, and every holder of the single-holder posts in the file's villages. Loaded
    chunk by chunk of the file; what is loaded once is not loaded again. The persons of the
    chunk being planned are `live`; the others are packed."""

    def __init__(self) -> None:
        self.villages: set[str] = set()
        self.programs: tuple[str, ...] = ()  # codes, in the programs' order
        self.checked_villages: set[str] = set()
        self.slot_villages: set[str] = set()
        self.persons: dict[str, PersonState] = {}
        self.posts: dict[int, PostState] = {}  # single-holder posts, for one state per post
        self.slots: dict[PostKey, list[Holder]] = {}
        self.shared: dict[Any, Any] = {}  # one object per repeated stored value (codes, dates)
        self.basis = hashlib.sha256()  # of every row loaded, in a fixed order
        self.live: list[PersonState] = []  # loaded, unpacked or added for the current chunk
        self.packer = Packer()

    def add(self, person: PersonState) -> None:
        """A person the file adds."""
        self.persons[person.nik] = person
        self.live.append(person)

    def settle(self, changed_posts: Mapping[int, PostState]) -> None:
        """Pack the persons of the chunk just planned."""
        for person in self.live:
            self.packer.pack(person, held=self.posts, changed=changed_posts)
        self.live = []

    def changed_memberships(self, person: PersonState) -> tuple[StoredMembership, ...]:
        return self.packer.changed_memberships(person)

    def load_programs(self) -> None:
        """The programs a file may name: read once, and part of the basis (a program added or
        removed since a preview makes its plan stale)."""
        rows = self._fetch(Program.objects.values_list("order", "code"))
        self.programs = tuple(code for _order, code in rows)

    def load_villages(self, codes: Iterable[str]) -> None:
        new = set(codes) - self.checked_villages
        self.checked_villages |= new
        for chunk in chunks(sorted(new), CHUNK):
            found = Village.objects.filter(_in("code", chunk)).values_list("code", flat=True)
            self.villages.update(self._fetch(found))

    def load_slots(self, villages: Iterable[str]) -> None:
        new = set(villages) - self.slot_villages
        self.slot_villages |= new
        for chunk in chunks(sorted(new), CHUNK):
            posts = Post.objects.filter(_in("village_id", chunk), code__in=SINGLE_HOLDER_POSTS)
            for row in self._fetch(posts.values_list(*POST_QUERY)):
                post = self._post(row)
                key = slot_key(post.village, post.code, post.unit)
                holders = self.slots.get(key)
                if holders is None:
                    self.slots[key] = [post]  # a list of one: most slots have one holder
                else:
                    holders.append(post)

    def load_persons(self, niks: Iterable[str], changed_posts: Mapping[int, PostState]) -> None:
        """Persons not seen yet, with their posts and memberships; those seen in an earlier
        chunk unpacked."""
        share, loaded = self.shared.setdefault, {}
        wanted = set(niks)
        for nik in wanted & self.persons.keys():
            person = self.persons[nik]
            if person.packed is not None:
                self.packer.unpack(person, held=self.posts, changed=changed_posts)
                self.live.append(person)
        for chunk in chunks(sorted(wanted - self.persons.keys()), CHUNK):
            people = Person.objects.filter(_in("nik", chunk))
            for id, nik, name, sex, birth, area, phone in self._fetch(  # noqa: A001
                people.values_list(
                    "id", "nik", "name", "sex", "birth_date", "created_in", "phone"
                )
            ):
                person = PersonState(
                    id, nik, name, sex, share(birth, birth), share(area, area), phone
                )
                self.persons[nik] = loaded[id] = person
        for chunk in chunks(loaded, CHUNK):
            posts = Post.objects.filter(_in("person_id", chunk)).values_list(*POST_QUERY)
            for row in self._fetch(posts):
                post = self._post(row, loaded)
                loaded[post.person_id].file.posts += (post,)
            memberships = Membership.objects.filter(_in("person_id", chunk))
            for row in self._fetch(memberships.values_list(*MEMBERSHIP_QUERY)):
                self._add_membership(row, loaded)
        self.live.extend(loaded.values())
        for person in loaded.values():
            file = person.file
            if len(file.posts) > 1:
                file.posts = tuple(
                    sorted(file.posts, key=lambda p: (p.term_start or dt.date.min, p.id))
                )

    def masked_candidates(self, keys: Iterable[PostKey]) -> dict[PostKey, list[tuple[str, str]]]:
        """(NIK, name) of the holders of each post, for masked NIKs."""
        wanted = set(keys)
        found: dict[PostKey, list[tuple[str, str]]] = {}
        for chunk in chunks(sorted({village for village, _code, _unit in wanted}), CHUNK):
            rows = Post.objects.filter(_in("village_id", chunk)).values_list(
                "village_id", "code", "unit", "person__nik", "person__name"
            )
            for village, code, unit, nik, name in self._fetch(rows):
                key = post_key(village, code, unit)
                if key in wanted:
                    found.setdefault(key, []).append((nik, " ".join(name.split())))
        return found

    def _fetch(self, queryset: QuerySet[Any, Any]) -> list[Any]:
        """A values_list queryset's rows, fetched at once (a chunk of at most a few thousand),
        sorted (the first value is an id or a code) and added to the basis. The query has no
        ORDER BY: the models' default orderings would join villages and programs."""
        rows = sorted(queryset.order_by())
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=5)
        pickler.fast = True  # no memo: the bytes depend on the values only, not on identities
        pickler.dump(rows)
        self.basis.update(out.getbuffer())
        return rows

    def _post(
        self, row: tuple[Any, ...], persons: Mapping[int, PersonState] = _NOBODY
    ) -> PostState:
        """A row of POST_QUERY as a state, its repeated values shared, the NIK and name of its
        holder the person's own objects when `persons` has them. A single-holder post has one
        state, whichever query finds it first (its holders and its person share it)."""
        id, person_id, village, code, category, unit, start, end, decree, nik, name = row  # noqa: A001
        single = code in SINGLE_HOLDER_POSTS
        if single and id in self.posts:
            return self.posts[id]
        holder = persons.get(person_id)
        if holder is not None and holder.id is not None:
            person_id, nik, name = holder.id, holder.nik, holder.name
        share = self.shared.setdefault
        post = PostState(
            id=id,
            person_id=person_id,
            village=share(village, village),
            code=share(code, code),
            category=share(category, category),
            unit=share(unit, unit),
            term_start=share(start, start),
            term_end=share(end, end),
            decree_number=share(decree, decree),
            nik=nik,
            name=name,
        )
        if single:
            self.posts[id] = post
        return post

    def _add_membership(self, row: tuple[Any, ...], persons: Mapping[int, PersonState]) -> None:
        """A row of MEMBERSHIP_QUERY as a stored membership of its person. A person's
        memberships mostly share one coverage (a row gives them): one object for it."""
        share = self.shared.setdefault
        id, person_id, program = _MEMBERSHIP_KEYS(row)  # noqa: A001
        person = persons[person_id]
        coverage = Coverage(
            *(
                share(value, value) if shared else value
                for value, shared in zip(_MEMBERSHIP_COVERAGE(row), REPEATED_COVERAGE, strict=True)
            )
        )
        coverage = next(
            (m.coverage for m in person.file.memberships if m.coverage == coverage), coverage
        )
        person.file.memberships += (StoredMembership(id, share(program, program), coverage),)


def _in(field: str, values: list[Any]) -> Q:
    """`field IN values`; on PostgreSQL as `= ANY(array)`, one parameter instead of thousands
    (psycopg spends more time splitting a query of 2,000 placeholders than the server runs it)."""
    if connection.vendor == "postgresql":
        return Q(AnyOf(field, values))
    return Q(**{f"{field}__in": values})


class AnyOf(Func):
    """`field = ANY(%s)`, the values as one array parameter (PostgreSQL)."""

    output_field = BooleanField()

    def __init__(self, field: str, values: list[Any]) -> None:
        super().__init__(F(field), Value(values))
        self.array = "bigint[]" if isinstance(values[0], int) else "text[]"

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        field, values = self.source_expressions
        field_sql, field_params = compiler.compile(field)
        values_sql, values_params = compiler.compile(values)
        return f"{field_sql} = ANY({values_sql}::{self.array})", [*field_params, *values_params]
