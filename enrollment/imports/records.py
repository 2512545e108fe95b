"""The named records an import works with: the coverage a row gives, the stored persons, posts
and memberships the plan starts from, and what it adds.

A plan holds up to 200,000 of each: they are slotted dataclasses, not NamedTuples (CPython
allocates a tuple subclass one item bigger, and never stops tracking it for the collector).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from itertools import chain

from villages.models import UNIT_SINGLE_HOLDER_POSTS


@dataclass(frozen=True, slots=True)
class Coverage:
    """A membership's values as a roster row gives them, one set for all the programs of the
    row. The fields are the Membership model's, in its order, and the keys of the roster
    columns that give them: COVERAGE_FIELDS is the one list of them that the parser, the plan,
    the stored state, the writes and the export read."""

    participant_category: str
    kpj_number: str
    enrolled_on: dt.date | None
    paid_until: dt.date | None
    funding_source: str

    def values(self) -> dict[str, object]:
        """The fields by name: the Membership model's."""
        return {name: getattr(self, name) for name in COVERAGE_FIELDS}

    def given(self) -> bool:
        """Whether any value is given (not empty)."""
        return any(getattr(self, name) for name in COVERAGE_FIELDS)

    def over(self, stored: Coverage) -> Coverage:
        """These values over the stored ones: an empty value keeps what is stored."""
        return Coverage(*(getattr(self, n) or getattr(stored, n) for n in COVERAGE_FIELDS))


COVERAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Coverage))
# Whether a coverage field's values repeat from person to person (one object each in a plan):
# all but the KPJ number, which is one person's.
REPEATED_COVERAGE: tuple[bool, ...] = tuple(name != "kpj_number" for name in COVERAGE_FIELDS)


@dataclass(slots=True)
class StoredMembership:
    """A stored membership; once the plan updates its coverage, `orig` is the stored one."""

    id: int
    program: str
    coverage: Coverage
    orig: Coverage | None = None

    @property
    def changed(self) -> bool:
        return self.orig is not None


# A post held, as the import tells posts apart: (village code, post code, unit). A plain tuple:
# a plan keeps one per post in the file and per single-holder post in its villages, and a
# tuple of strings is 16 bytes smaller than a NamedTuple and left alone by the collector.
PostKey = tuple[str, str, str]


def unit_key(unit: str) -> str:
    """Units compare with their whitespace runs collapsed, as the import stores them."""
    key = " ".join(unit.split())
    return unit if key == unit else key  # the object a plan holds already, mostly


def post_key(village: str, code: str, unit: str) -> PostKey:
    return (village, code, unit_key(unit))


def slot_key(village: str, code: str, unit: str) -> PostKey:
    """Who else holds a single-holder post: in the village, or in the unit for RT/RW posts."""
    return (village, code, unit_key(unit) if code in UNIT_SINGLE_HOLDER_POSTS else "")


@dataclass(slots=True)
class PostState:
    """A stored post: the Post model's fields, its holder's NIK and name, and the file row that
    names it (`number`, 0: none)."""

    id: int
    person_id: int
    village: str
    code: str
    category: str
    unit: str
    term_start: dt.date | None
    term_end: dt.date | None
    decree_number: str
    nik: str
    name: str
    number: int = 0
    orig_start: dt.date | None = field(init=False)
    orig_end: dt.date | None = field(init=False)

    def __post_init__(self) -> None:
        self.orig_start, self.orig_end = self.term_start, self.term_end

    @property
    def changed(self) -> bool:
        return (self.term_start, self.term_end) != (self.orig_start, self.orig_end)

    def key(self) -> PostKey:
        return post_key(self.village, self.code, self.unit)

    def values(self) -> dict[str, object]:
        """The Post model's fields, by name."""
        return {
            "id": self.id,
            "person_id": self.person_id,
            "village_id": self.village,
            "code": self.code,
            "category": self.category,
            "unit": self.unit,
            "term_start": self.term_start,
            "term_end": self.term_end,
            "decree_number": self.decree_number,
        }


@dataclass(slots=True)
class NewPost:
    """A post the file adds: what writing it needs, and what later rows compare with (as a
    holder of the same single-holder post)."""

    number: int
    nik: str
    name: str
    village: str
    code: str
    unit: str
    term_start: dt.date | None
    term_end: dt.date | None


# A holder of a single-holder post, stored or added by the file.
Holder = PostState | NewPost


@dataclass(slots=True)
class PersonFile:
    """What the file's rows make of a person, and their stored posts and memberships: what
    their rows read and write. Kept while the chunk of rows naming the person is planned, and
    packed between chunks (`packed.py`)."""

    first_row: int = 0  # the first file row naming this person
    # The posts the file gives this person: the first row's, then {key: row} of any further
    # rows (few persons have them; a file may give one thousands).
    first_key: PostKey | None = None
    file_posts: dict[PostKey, int] | None = None
    # The hash of the programs and coverage of the first row giving this person programs, and
    # that row: later rows only compare with it (a hash keeps 200,000 persons small).
    coverage: int | None = None
    coverage_row: int = 0
    posts: tuple[PostState, ...] = ()
    memberships: tuple[StoredMembership, ...] = ()

    def add_file_post(self, key: PostKey, number: int) -> None:
        if self.first_key is None:
            self.first_key = key  # of first_row
        else:
            if self.file_posts is None:
                self.file_posts = {}
            self.file_posts[key] = number

    def file_row(self, key: PostKey) -> int:
        """The file row giving this person the post `key`, or 0."""
        if key == self.first_key:
            return self.first_row
        return self.file_posts.get(key, 0) if self.file_posts else 0

    def file_pairs(self) -> Iterator[tuple[PostKey, int]]:
        """(post key, row) of the rows giving this person a post, in file order."""
        first = [(self.first_key, self.first_row)] if self.first_key is not None else []
        return chain(first, self.file_posts.items() if self.file_posts else ())

    def file_post_count(self) -> int:
        return (self.first_key is not None) + len(self.file_posts or ())

    def membership(self, program: str) -> StoredMembership | None:
        return next((m for m in self.memberships if m.program == program), None)


@dataclass(slots=True)
class PersonState:
    """A person as stored (`id` set) or to be created (`id` None): what the writes read, and
    what the file does to them (`file`, or `packed` between the chunks of rows naming them)."""

    id: int | None
    nik: str
    name: str
    sex: str
    birth_date: dt.date | None
    created_in: str | None = None  # as stored; a new person's: their first row's village
    phone: str = ""  # as stored, kept as it is: the file has no phone column
    orig_name: str = field(init=False)
    orig_sex: str = field(init=False)
    live: PersonFile | None = field(default_factory=PersonFile)
    packed: bytes | None = None

    def __post_init__(self) -> None:
        self.orig_name, self.orig_sex = self.name, self.sex

    @property
    def file(self) -> PersonFile:
        """What the file makes of the person, whose rows are being planned (not packed)."""
        assert self.live is not None, "a packed person is unpacked before its rows are planned"
        return self.live

    @property
    def changed(self) -> bool:
        return self.id is not None and (self.name, self.sex) != (self.orig_name, self.orig_sex)

    def values(self) -> dict[str, object]:
        """The Person model's fields, by name."""
        return {
            "id": self.id,
            "nik": self.nik,
            "name": self.name,
            "sex": self.sex,
            "birth_date": self.birth_date,
            "created_in": self.created_in,
            "phone": self.phone,
        }


@dataclass(slots=True)
class NewMemberships:
    """The memberships the plan creates for a person: one per program, all with `coverage`."""

    person: PersonState
    programs: tuple[str, ...]
    coverage: Coverage
