"""What the database holds for the persons, posts and villages of a file, loaded in a few bulk
queries (chunked IN lists), kept as small mutable states the plan works on.

Everything loaded is also hashed, in a fixed order, into `Stored.basis`: the plan's digest
covers it, so a confirm whose plan starts from records changed since its preview writes
nothing (an update of the same person by another import in between would otherwise be lost).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
from collections.abc import Iterable, Iterator
from itertools import chain, islice

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value

from enrollment.models import Membership, Program
from villages.models import SINGLE_HOLDER_POSTS, UNIT_SINGLE_HOLDER_POSTS, Person, Post, Village

CHUNK = 2000


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Lists of up to `size` values, taken as they come (a streamed query stays streamed)."""
    values = iter(values)
    while batch := list(islice(values, size)):
        yield batch


def unit_key(unit: str) -> str:
    """Units compare with their whitespace runs collapsed, as the import stores them."""
    return " ".join(unit.split())


def slot_key(village: str, code: str, unit: str) -> tuple[str, str, str]:
    """Who else holds a single-holder post: in the village, or in the unit for RT/RW posts."""
    return (village, code, unit_key(unit) if code in UNIT_SINGLE_HOLDER_POSTS else "")


_NONE: tuple = ()


class PersonState:
    """A person as stored (id set) or to be created (id None), with what the file does to it.
    Memberships are stored rows as tuples (id, program, participant_category, kpj_number,
    enrolled_on, paid_until, funding_source, changed by the plan)."""

    __slots__ = (
        "id",
        "nik",
        "name",
        "sex",
        "birth_date",
        "created_in",
        "orig_name",
        "orig_sex",
        "first_row",
        "first_key",
        "coverage",
        "coverage_row",
        "posts",
        "memberships",
        "file_posts",
    )

    def __init__(self, id, nik, name, sex, birth_date, created_in=None):  # noqa: A002 - field name
        self.id, self.nik, self.name, self.sex, self.birth_date = id, nik, name, sex, birth_date
        self.created_in = created_in  # stored, kept as it is (a new person's: see the engine)
        self.orig_name, self.orig_sex = name, sex
        self.first_row = 0  # the first file row naming this person
        # The hash of the coverage columns of the first row giving this person's programs,
        # and that row (not a tuple of both: 9 MB for 200,000 persons)
        self.coverage: int | None = None
        self.coverage_row = 0
        self.posts: tuple[PostState, ...] = _NONE
        self.memberships: tuple[tuple, ...] = _NONE
        # The posts the file gives this person: the first row's (village, code, unit), then
        # {key: row} of any further rows (few persons have them; a file may give one thousands).
        self.first_key: tuple | None = None
        self.file_posts: dict[tuple, int] | tuple = _NONE

    def add_file_post(self, key: tuple, number: int) -> None:
        if self.first_key is None:
            self.first_key = key  # of first_row
        else:
            if not self.file_posts:
                self.file_posts = {}
            self.file_posts[key] = number

    def file_row(self, key: tuple) -> int:
        """The file row giving this person the post `key`, or 0."""
        if key == self.first_key:
            return self.first_row
        return self.file_posts.get(key, 0) if self.file_posts else 0

    def file_pairs(self) -> Iterator[tuple[tuple, int]]:
        """(post key, row) of the rows giving this person a post, in file order."""
        first = [(self.first_key, self.first_row)] if self.first_key is not None else []
        return chain(first, self.file_posts.items() if self.file_posts else ())

    def file_post_count(self) -> int:
        return (self.first_key is not None) + len(self.file_posts)

    def membership(self, program: str) -> tuple | None:
        return next((m for m in self.memberships if m[1] == program), None)

    @property
    def changed(self) -> bool:
        return self.id is not None and (self.name, self.sex) != (self.orig_name, self.orig_sex)

    def values(self) -> tuple:
        return (self.id, self.nik, self.name, self.sex, self.birth_date, self.created_in)


class NewPost:
    """A post the file adds: what writing it needs and what later rows compare with (as a
    holder of the same single-holder post); a file row keeps 17 values, this 8."""

    __slots__ = ("number", "nik", "name", "village", "post", "unit", "term_start", "term_end")

    def __init__(self, row):
        for attribute in self.__slots__:
            setattr(self, attribute, getattr(row, attribute))


class PostState:
    """A stored post; `number` is the file row that names it (0: none), `name` its holder's."""

    __slots__ = (
        "id",
        "person_id",
        "village",
        "code",
        "category",
        "unit",
        "term_start",
        "term_end",
        "decree_number",
        "nik",
        "name",
        "orig_start",
        "orig_end",
        "number",
    )

    def __init__(self, row: tuple, shared: dict):
        for index, (attribute, value) in enumerate(zip(self.__slots__, row, strict=False)):
            setattr(self, attribute, shared.setdefault(value, value) if 1 < index < 9 else value)
        self.orig_start, self.orig_end = self.term_start, self.term_end
        self.number = 0

    @property
    def changed(self) -> bool:
        return (self.term_start, self.term_end) != (self.orig_start, self.orig_end)

    def key(self) -> tuple[str, str, str]:
        return (self.village, self.code, unit_key(self.unit))

    def values(self) -> tuple:
        return tuple(getattr(self, f) for f in self.__slots__[:9])


_POST_QUERY = (
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
MEMBERSHIP_FIELDS = (
    "id",
    "person_id",
    "program_id",
    "participant_category",
    "kpj_number",
    "enrolled_on",
    "paid_until",
    "funding_source",
    "verified_on",
    "verified_source",
)


class Stored:
    """The stored state an import needs: villages, persons by NIK with their posts and
    memberships, and every holder of the single-holder posts in the file's villages. Loaded
    chunk by chunk of the file; what is loaded once is not loaded again."""

    def __init__(self):
        self.villages: set[str] = set()
        self.programs: tuple[str, ...] = ()  # codes, in the programs' order
        self.checked_villages: set[str] = set()
        self.slot_villages: set[str] = set()
        self.persons: dict[str, PersonState] = {}
        self.posts: dict[int, PostState] = {}  # single-holder posts, for one state per post
        self.slots: dict[tuple, list] = {}
        self.shared: dict = {}  # one object per repeated stored value (codes, units, dates)
        self.basis = hashlib.sha256()  # of every row loaded, in a fixed order

    def load_programs(self) -> None:
        """The programs a file may name: read once, and part of the basis (a program added or
        removed since a preview makes its plan stale)."""
        rows = self._fetch(Program.objects.values_list("order", "code"))
        self.programs = tuple(code for _order, code in rows)

    def load_villages(self, codes: Iterable[str]) -> None:
        new = set(codes) - self.checked_villages
        self.checked_villages |= new
        for chunk in chunks(sorted(new)):
            found = Village.objects.filter(_in("code", chunk)).values_list("code", flat=True)
            self.villages.update(self._fetch(found))

    def load_slots(self, villages: Iterable[str]) -> None:
        new = set(villages) - self.slot_villages
        self.slot_villages |= new
        for chunk in chunks(sorted(new)):
            posts = Post.objects.filter(_in("village_id", chunk), code__in=SINGLE_HOLDER_POSTS)
            for row in self._fetch(posts.values_list(*_POST_QUERY)):
                post = self._post(row)
                self.slots.setdefault(slot_key(post.village, post.code, post.unit), []).append(post)

    def load_persons(self, niks: Iterable[str]) -> None:
        """Persons not seen yet, with their posts and memberships."""
        shared, loaded = self.shared, {}
        for chunk in chunks(sorted(set(niks) - self.persons.keys())):
            people = Person.objects.filter(_in("nik", chunk))
            for id, nik, name, sex, birth, area in self._fetch(  # noqa: A001
                people.values_list("id", "nik", "name", "sex", "birth_date", "created_in")
            ):
                birth = shared.setdefault(birth, birth)
                person = PersonState(id, nik, name, sex, birth, shared.setdefault(area, area))
                self.persons[nik] = loaded[id] = person
        for chunk in chunks(loaded):
            for row in self._fetch(
                Post.objects.filter(_in("person_id", chunk)).values_list(*_POST_QUERY)
            ):
                person = loaded[row[1]]
                row = (row[0], person.id, *row[2:-2], person.nik, person.name)  # shared values
                if row[3] in SINGLE_HOLDER_POSTS:
                    person.posts += (self._post(row),)
                else:
                    person.posts += (PostState(row, shared),)
            memberships = Membership.objects.filter(_in("person_id", chunk))
            for row in self._fetch(memberships.values_list(*MEMBERSHIP_FIELDS)):
                person = loaded[row[1]]
                compact = (row[0], *(shared.setdefault(v, v) for v in row[2:8]), False)
                person.memberships += (compact,)
        for person in loaded.values():
            if len(person.posts) > 1:
                person.posts = tuple(
                    sorted(person.posts, key=lambda p: (p.term_start or dt.date.min, p.id))
                )

    def masked_candidates(
        self, keys: Iterable[tuple[str, str, str]]
    ) -> dict[tuple, list[tuple[str, str]]]:
        """(NIK, name) of the holders of each (village, post code, unit), for masked NIKs."""
        wanted = set(keys)
        found: dict[tuple, list[tuple[str, str]]] = {}
        for chunk in chunks(sorted({village for village, _code, _unit in wanted})):
            rows = Post.objects.filter(_in("village_id", chunk)).values_list(
                "village_id", "code", "unit", "person__nik", "person__name"
            )
            for village, code, unit, nik, name in self._fetch(rows):
                key = (village, code, unit_key(unit))
                if key in wanted:
                    found.setdefault(key, []).append((nik, " ".join(name.split())))
        return found

    def _fetch(self, queryset) -> list:
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

    def _post(self, row: tuple) -> PostState:
        """One state per stored post, whichever query found it first."""
        post = self.posts.get(row[0])
        if post is None:
            post = self.posts[row[0]] = PostState(row, self.shared)
        return post


def _in(field: str, values: list) -> Q:
    """`field IN values`; on PostgreSQL as `= ANY(array)`, one parameter instead of thousands
    (psycopg spends more time splitting a query of 2,000 placeholders than the server runs it)."""
    if connection.vendor == "postgresql":
        return Q(AnyOf(F(field), Value(values)))
    return Q(**{f"{field}__in": values})


class AnyOf(Func):
    """`field = ANY(%s)`, the values as one array parameter (PostgreSQL)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        field, values = self.source_expressions
        field_sql, field_params = compiler.compile(field)
        values_sql, values_params = compiler.compile(values)
        array = "bigint[]" if isinstance(values.value[0], int) else "text[]"
        return f"{field_sql} = ANY({values_sql}::{array})", [*field_params, *values_params]
