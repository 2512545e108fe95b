"""What a plan keeps between the chunks of rows it is planned in, packed into bytes.

A plan against 200,000 stored persons kept each one's posts and memberships as objects, some
600 bytes a person (each object, its ids and dates as objects, the tuples holding them), and
took a worker past 300 MB. Most persons are named by one row: once the chunk of rows naming
them is planned, what the file makes of them (`PersonFile`) is packed with marshal, the values
that repeat (codes, units, programs, dates) as indexes into one table, and unpacked if a later
row names them. The writes read a packed person's own fields and, from the pack, only the
memberships the plan changes.

Packed: the file rows naming the person (the first, its post key, the further posts, the
coverage hash and its row); the posts no other part of the plan holds (a single-holder post
is held by `Stored.posts`, a changed one by `Plan.changed_posts`: those by id); and the
memberships a later row can still read: all of them until a row gives the person programs,
after that only those the plan changes (the writes need them, and their stored coverage).
The posts and memberships the file adds are packed too, a chunk's list at a time
(`PackedList`).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Container, Iterator, Mapping
from operator import attrgetter
from typing import Any, Generic, TypeVar

from enrollment.imports.records import (
    COVERAGE_FIELDS,
    REPEATED_COVERAGE,
    Coverage,
    NewMemberships,
    NewPost,
    PersonFile,
    PersonState,
    PostKey,
    PostState,
    StoredMembership,
)

_CHANGED, _UNCHANGED = b"\x01", b"\x00"  # whether the pack holds memberships the plan changes
_UNCHANGED_REF = -1
T = TypeVar("T")


class _Refs(dict[Any, int]):
    """The index of each value in `table`; a new value is appended (a dict lookup otherwise)."""

    def __init__(self) -> None:
        super().__init__()
        self.table: list[Any] = []

    def __missing__(self, value: Any) -> int:
        ref = self[value] = len(self.table)
        self.table.append(value)
        return ref


_coverage_values = attrgetter(*COVERAGE_FIELDS)


class Packer:
    """Packs and unpacks persons; `values` is the table of repeated values (strings, dates,
    None) the packs refer to by index, each value once."""

    def __init__(self) -> None:
        self.refs = _Refs()
        self.values = self.refs.table

    # --- Packing --------------------------------------------------------------------------------

    def pack(self, person: PersonState, *, held: Container[int], changed: Container[int]) -> None:
        """Pack what the file makes of the person (posts in `held` or `changed` by id)."""
        file, refs = person.file, self.refs
        posts = [
            post.id
            if post.id in held or post.id in changed
            else (post.id, refs[post.village], refs[post.code], refs[post.category],
                  refs[post.unit], refs[post.term_start], refs[post.term_end],
                  refs[post.decree_number], post.number)
            for post in file.posts
        ]  # fmt: skip
        memberships = file.memberships
        if file.coverage is not None:  # a row gave programs: later rows compare with its hash
            memberships = tuple(m for m in memberships if m.orig is not None)
        coverages: dict[int, int] = {}  # by identity: a person's memberships share objects
        objects: list[Coverage] = []
        entries = []
        for m in memberships:
            refs_of = [coverages.get(id(c)) for c in (m.coverage, m.orig)]
            for position, coverage in enumerate((m.coverage, m.orig)):
                if coverage is not None and refs_of[position] is None:
                    refs_of[position] = coverages[id(coverage)] = len(objects)
                    objects.append(coverage)
            orig = _UNCHANGED_REF if refs_of[1] is None else refs_of[1]
            entries.append((m.id, refs[m.program], refs_of[0], orig))
        key, more = file.first_key, file.file_posts
        data = (
            file.first_row,
            None if key is None else self._key(key),
            None if more is None else [(self._key(k), n) for k, n in more.items()],
            file.coverage,
            file.coverage_row,
            posts,
            [self._coverage(coverage) for coverage in objects],
            entries,
        )  # fmt: skip
        flag = _CHANGED if any(m.orig is not None for m in memberships) else _UNCHANGED
        person.packed, person.live = flag + marshal.dumps(data), None

    def _key(self, key: PostKey) -> tuple[int, int, int]:
        village, code, unit = key
        return self.refs[village], self.refs[code], self.refs[unit]

    def _coverage(self, coverage: Coverage) -> list[Any]:
        refs = self.refs
        return [
            refs[value] if repeated else value
            for value, repeated in zip(_coverage_values(coverage), REPEATED_COVERAGE, strict=True)
        ]

    # --- Unpacking ------------------------------------------------------------------------------

    def unpack(
        self,
        person: PersonState,
        *,
        held: Mapping[int, PostState],
        changed: Mapping[int, PostState],
    ) -> None:
        """The person as before packing (posts packed by id from `held` or `changed`)."""
        assert person.packed is not None
        first_row, first_key, more, coverage, coverage_row, posts, coverages, entries = (
            marshal.loads(person.packed[1:])
        )
        person.live = PersonFile(
            first_row=first_row,
            first_key=None if first_key is None else self._unkey(first_key),
            file_posts=None if more is None else {self._unkey(k): n for k, n in more},
            coverage=coverage,
            coverage_row=coverage_row,
            posts=tuple(
                held.get(entry) or changed[entry] if isinstance(entry, int)
                else self._post(entry, person)
                for entry in posts
            ),
            memberships=self._memberships(coverages, entries),
        )  # fmt: skip
        person.packed = None

    def changed_memberships(self, person: PersonState) -> tuple[StoredMembership, ...]:
        """The stored memberships of the person that the plan changes, packed or not."""
        if person.packed is None:
            return tuple(m for m in person.file.memberships if m.orig is not None)
        if not person.packed.startswith(_CHANGED):
            return ()
        *_rest, coverages, entries = marshal.loads(person.packed[1:])
        return tuple(m for m in self._memberships(coverages, entries) if m.orig is not None)

    def _uncoverage(self, values: list[Any]) -> Coverage:
        v = self.values
        return Coverage(
            *[
                v[x] if repeated else x
                for x, repeated in zip(values, REPEATED_COVERAGE, strict=True)
            ]
        )

    def _unkey(self, key: tuple[int, int, int]) -> PostKey:
        village, code, unit = key
        return self.values[village], self.values[code], self.values[unit]

    def _post(self, entry: tuple[Any, ...], person: PersonState) -> PostState:
        id, village, code, category, unit, start, end, decree, number = entry  # noqa: A001
        v = self.values
        assert person.id is not None  # a stored person's post
        return PostState(id, person.id, v[village], v[code], v[category], v[unit], v[start],
                         v[end], v[decree], person.nik, person.orig_name, number)  # fmt: skip

    def _memberships(
        self, coverages: list[list[Any]], entries: list[tuple[int, ...]]
    ) -> tuple[StoredMembership, ...]:
        v = self.values
        objects = [self._uncoverage(values) for values in coverages]
        return tuple(
            StoredMembership(id, v[program], objects[coverage],
                             None if orig == _UNCHANGED_REF else objects[orig])
            for id, program, coverage, orig in entries
        )  # fmt: skip

    # --- What the file adds ---------------------------------------------------------------------

    def pack_new_post(self, post: NewPost) -> tuple[Any, ...]:
        refs = self.refs
        return (post.number, post.nik, refs[post.village], refs[post.code], refs[post.unit],
                refs[post.term_start], refs[post.term_end])  # fmt: skip

    def new_post(self, values: tuple[Any, ...], persons: Mapping[str, PersonState]) -> NewPost:
        """A packed new post; its holder's name is the person's (set before any post is)."""
        number, nik, village, code, unit, start, end = values
        v = self.values
        return NewPost(number, nik, persons[nik].name, v[village], v[code], v[unit], v[start],
                       v[end])  # fmt: skip

    def pack_new_memberships(self, new: NewMemberships) -> tuple[Any, ...]:
        return (new.person.nik, self.refs[new.programs], self._coverage(new.coverage))

    def new_memberships(
        self, values: tuple[Any, ...], persons: Mapping[str, PersonState]
    ) -> NewMemberships:
        nik, programs, coverage = values
        return NewMemberships(persons[nik], self.values[programs], self._uncoverage(coverage))


class PackedList(Generic[T]):
    """Records in the order appended: those of earlier chunks packed, a chunk's blob at a time
    (`settle`), the current chunk's as they are. Iterating unpacks a blob at a time."""

    def __init__(
        self,
        pack: Callable[[T], tuple[Any, ...]],
        unpack: Callable[[tuple[Any, ...]], T],
    ) -> None:
        self._pack, self._unpack = pack, unpack
        self.blobs: list[bytes] = []
        self.live: list[T] = []
        self.count = 0

    def append(self, record: T) -> None:
        self.live.append(record)
        self.count += 1

    def settle(self) -> None:
        if self.live:
            self.blobs.append(marshal.dumps([self._pack(record) for record in self.live]))
            self.live = []

    def __iter__(self) -> Iterator[T]:
        unpack = self._unpack
        for blob in self.blobs:
            yield from map(unpack, marshal.loads(blob))
        yield from self.live

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0
