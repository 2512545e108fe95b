"""What an import changes, person by person: each field's old and new value, the posts it adds,
the holders it replaces and the memberships it adds or changes.

The planner records a change as it commits a row; the list is kept as zlib-compressed JSON
lines (`ChangeLog`), one line a change, so a 200,000-row import's list costs a few megabytes
while it is planned, and is stored that way on its ImportRecord (`ImportRecord.changes`). A
page of it is read by decompressing up to that page (`change_page`), and labelled for the
reader, in the reader's language, only then (`change_rows`).

A line: [row, NIK, name, kind, field, what, old, new], the values as the database holds them
(dates in ISO form, choices as codes); `what` names the post ([village, code, unit]) or the
programs ("JKK JKM") of the change.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField, Field, Model
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports.columns import post_label
from enrollment.models import Membership
from villages.models import Person, Post
from villages.nik import mask_kpj, mask_nik

# The changes an import keeps, listed in its report; the count goes on past it. A change is
# some 120 bytes of JSON, 15 to 25 compressed: the list stays under 5 MB.
MAX_CHANGES = 200_000
PAGE_SIZE = 50
_READ = 64 * 1024  # compressed bytes decompressed at a time when reading a page


class Kind:
    """What a change is: its `kind` in a line."""

    PERSON = "person"  # a stored person's field (name, sex)
    POST = "post"  # a stored post's term
    NEW_POST = "new_post"  # a post the file adds (and a new person with it)
    REPLACED = "replaced"  # a single-holder post's previous holder: their term ends
    MEMBERSHIP = "membership"  # a stored membership's field, for the programs in `what`
    NEW_MEMBERSHIPS = "new_memberships"  # memberships the file adds


KIND_LABELS = {
    Kind.PERSON: gettext_lazy("person"),
    Kind.POST: gettext_lazy("post"),
    Kind.NEW_POST: gettext_lazy("new post"),
    Kind.REPLACED: gettext_lazy("replaced in post"),
    Kind.MEMBERSHIP: gettext_lazy("membership"),
    Kind.NEW_MEMBERSHIPS: gettext_lazy("new membership"),
}
_MODELS: dict[str, type[Model]] = {
    Kind.PERSON: Person,
    Kind.POST: Post,
    Kind.NEW_POST: Post,
    Kind.REPLACED: Post,
    Kind.MEMBERSHIP: Membership,
    Kind.NEW_MEMBERSHIPS: Membership,
}


def _iso(value: object) -> str:
    """Dates in a line: ISO form (json.dumps calls this for what it cannot write)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a change")


class ChangeLog:
    """The changes of a plan, compressed as they are added; at most MAX_CHANGES kept."""

    def __init__(self, limit: int = MAX_CHANGES) -> None:
        self.limit = limit
        self.count = 0  # every change, kept or not
        self.kept = 0
        self._compressor: Any = zlib.compressobj(6)
        self._chunks: list[bytes] = []
        self._blob: bytes | None = None

    def add(
        self,
        row: int,
        nik: str,
        name: str,
        kind: str,
        field: str,
        what: object,
        old: object,
        new: object,
    ) -> None:
        self.count += 1
        if self.kept >= self.limit or self._blob is not None:
            return
        self.kept += 1
        line = json.dumps(
            [row, nik, name, kind, field, what, old, new],
            ensure_ascii=False,
            separators=(",", ":"),
            default=_iso,
        )
        chunk = self._compressor.compress(line.encode() + b"\n")
        if chunk:
            self._chunks.append(chunk)

    def blob(self) -> bytes:
        """The kept changes, compressed; the log takes no more changes after this."""
        if self._blob is None:
            self._chunks.append(self._compressor.flush())
            self._blob = b"".join(self._chunks)
            self._chunks, self._compressor = [], None
        return self._blob


def _lines(blob: bytes) -> Iterator[bytes]:
    """The JSON lines of a stored list, decompressed a slice at a time."""
    decompressor = zlib.decompressobj()
    rest = b""
    for start in range(0, len(blob), _READ):
        rest += decompressor.decompress(blob[start : start + _READ])
        *lines, rest = rest.split(b"\n")
        yield from lines
    rest += decompressor.flush()
    yield from (line for line in rest.split(b"\n") if line)


def change_page(blob: bytes, start: int, stop: int) -> list[list[Any]]:
    """The changes `start` to `stop` (0-based, `stop` excluded) of a stored list."""
    page = []
    for index, line in enumerate(_lines(blob)):
        if index >= stop:
            break
        if index >= start:
            page.append(json.loads(line))
    return page


@dataclass(frozen=True)
class ChangeRow:
    """A change as the report shows it."""

    row: int
    name: str
    nik: str
    kind: str
    what: str
    field: str
    old: str
    new: str


def change_rows(lines: list[list[Any]], *, full_identifiers: bool) -> list[ChangeRow]:
    """Stored changes labelled for the reader: Indonesian field names and values, dates as
    dd/mm/yyyy, NIK and KPJ numbers masked unless `full_identifiers`."""
    shown = []
    for row, nik, name, kind, field, what, old, new in lines:
        model = _MODELS[kind]
        shown.append(
            ChangeRow(
                row=row,
                name=name,
                nik=nik if full_identifiers else mask_nik(nik),
                kind=str(KIND_LABELS[kind]),
                what=_what(kind, what),
                field=_field_label(model, kind, field),
                old=_value(model, kind, field, old, full_identifiers),
                new=_value(model, kind, field, new, full_identifiers),
            )
        )
    return shown


def _what(kind: str, what: object) -> str:
    if isinstance(what, list):  # a post: [village, code, unit]
        village, code, unit = what
        return " ".join(part for part in (post_label(code), unit, village) if part)
    return ", ".join(str(what).split()) if what else ""


def _field_label(model: type[Model], kind: str, field: str) -> str:
    if kind == Kind.NEW_POST:
        return str(capfirst(_("term")))
    return str(capfirst(_model_field(model, field).verbose_name))


def _model_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _value(model: type[Model], kind: str, field: str, value: object, full_identifiers: bool) -> str:
    """A stored value as the reader reads it."""
    if kind == Kind.NEW_POST and isinstance(value, list):  # [term start, term end]
        start, end = (_date_text(v) for v in value)
        return f"{start} – {end}"
    if value is None or value == "":
        return "—"
    if field == "kpj_number" and not full_identifiers:
        return mask_kpj(str(value))
    model_field = _model_field(model, field)
    if isinstance(model_field, DateField):
        return _date_text(value)
    return str(dict(model_field.flatchoices).get(value, value))


def _date_text(value: object) -> str:
    if not value:
        return "—"
    return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
