"""Parsing a workbook's shared strings and a worksheet with expat, as they are unpacked: a row at
a time, each text kept to MAX_CELL_CHARS characters (a longer one becomes an `Overlong` holding
its length), a tag no longer than MAX_TAG_BYTES, no DOCTYPE. Values are those openpyxl gives
(read-only, data only): the cached result of a formula, dates from date styles.
"""

from __future__ import annotations

import datetime as dt
import pyexpat
import zipfile
from array import array
from collections.abc import Callable, Iterator
from typing import IO, Protocol

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601

from enrollment.imports import limits
from enrollment.imports.cells import Cell, Overlong, Row
from enrollment.imports.limits import FileRefused

_MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
)
ROW, CELL, VALUE, INLINE, TEXT, PHONETIC, STRING = range(1, 8)
_TAGS = {
    f"{namespace} {local}": tag
    for namespace in _MAIN
    for local, tag in (("row", ROW), ("c", CELL), ("v", VALUE), ("is", INLINE), ("t", TEXT),
                       ("rPh", PHONETIC), ("si", STRING))
}  # fmt: skip
MAX_COLUMNS = 16_384  # column XFD, the last one Excel has
_COLUMNS = {get_column_letter(n): n for n in range(1, MAX_COLUMNS + 1)}
_CHUNK = 64 * 1024
# expat holds a tag (with its attributes) whole until it ends; no spreadsheet has one this long.
MAX_TAG_BYTES = 1024 * 1024


class _Damaged(Exception):
    """The XML cannot be read as a workbook's part."""


class DateStyles(Protocol):
    """What a workbook says of its dates: the styles of date and duration cells, the epoch."""

    date_styles: set[str]
    timedelta_styles: set[str]
    epoch: dt.datetime


StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]


# --- Shared strings ---------------------------------------------------------------------------


class SharedStrings:
    """The workbook's shared strings, each cut to MAX_CELL_CHARS, as one byte string and their
    ends: a list of Python strings would take some 60 bytes more per string."""

    CACHED = 4096

    def __init__(self) -> None:
        self.text = bytearray()
        self.ends = array("I")
        self.lengths: dict[int, int] = {}  # of the strings over the limit
        # The first strings asked for, decoded once: repeated values (post codes, programs,
        # one string in every cell of a wide row) are one object, not one per cell.
        self.cache: dict[int, str] = {}

    def add(self, text: str, length: int) -> None:
        if length > limits.MAX_CELL_CHARS:
            self.lengths[len(self.ends)] = length
        self.text += text.replace("x005F_", "").encode()  # as openpyxl reads them
        self.ends.append(len(self.text))

    def __getitem__(self, index: int) -> str:
        text = self.cache.get(index)
        if text is None:
            text = self._decode(index)
            if len(self.cache) < self.CACHED:
                self.cache[index] = text
        return text

    def _decode(self, index: int) -> str:
        if not 0 <= index < len(self.ends):
            raise IndexError(index)
        start = self.ends[index - 1] if index else 0
        text = self.text[start : self.ends[index]].decode()
        length = self.lengths.get(index)
        return text if length is None else Overlong(text, length)


def read_strings(stream: IO[bytes], strings: SharedStrings) -> None:
    text = _Text()
    phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal phonetic
        tag = _TAGS.get(name)
        if tag == STRING:
            text.reset()
        elif tag == TEXT:
            text.collecting = not phonetic
        elif tag == PHONETIC:
            phonetic = True

    def end(name: str) -> None:
        nonlocal phonetic
        tag = _TAGS.get(name)
        if tag == TEXT:
            text.collecting = False
        elif tag == PHONETIC:
            phonetic = False
        elif tag == STRING:
            strings.add(text.value(), text.length)

    try:
        for _none in _parse(stream, start, end, text.add, []):
            pass
    except _Damaged:
        raise FileRefused(_("The file is not a valid XLSX workbook.")) from None


class _Text:
    """The text of one element, kept to MAX_CELL_CHARS + 1 characters, and its length."""

    __slots__ = ("pieces", "length", "collecting")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.pieces: list[str] = []
        self.length = 0
        self.collecting = False

    def add(self, data: str) -> None:
        if self.collecting:
            if self.length <= limits.MAX_CELL_CHARS:
                self.pieces.append(data)
            self.length += len(data)

    def value(self) -> str:
        return "".join(self.pieces)[: limits.MAX_CELL_CHARS]


# --- The sheet --------------------------------------------------------------------------------


def sheet_rows(stream: IO[bytes], strings: SharedStrings, book: DateStyles) -> Iterator[Row]:
    """The sheet's rows in order; a row numbered at or before the one before it is dropped,
    as openpyxl does. Refused with the row it broke at when the XML is damaged."""
    state = _SheetState(strings, book)
    try:
        for rows in _parse(stream, state.start, state.end, state.text.add, state.rows):
            yield from rows
            rows.clear()
    except _Damaged:
        if not state.last:
            raise FileRefused(_("The file is not a valid XLSX workbook.")) from None
        raise FileRefused(
            _("The workbook is damaged after row %(row)d: save it again as .xlsx or as CSV.")
            % {"row": state.last}
        ) from None


class _SheetState:
    """What the parser knows between two events: the row and the cell it is in."""

    def __init__(self, strings: SharedStrings, book: DateStyles) -> None:
        self.strings, self.book = strings, book
        self.rows: list[Row] = []
        self.text = _Text()
        self.number = self.last = self.column = 0
        self.cells: list[Cell] = []
        self.kind: str = "n"
        self.style: str | None = None
        self.inline = self.phonetic = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _TAGS.get(name)
        if tag == CELL:
            ref = attrs.get("r")
            self.column = self.column + 1 if ref is None else _column(ref)
            self.kind, self.style = attrs.get("t", "n"), attrs.get("s")
            self.text.reset()
        elif tag == VALUE:
            self.text.collecting = True
        elif tag == TEXT:
            self.text.collecting = self.inline and not self.phonetic
        elif tag == INLINE:
            self.inline = True
        elif tag == PHONETIC:
            self.phonetic = True
        elif tag == ROW:
            ref = attrs.get("r")
            self.number = self.number + 1 if ref is None else _row_number(ref)
            self.cells, self.column = [], 0

    def end(self, name: str) -> None:
        tag = _TAGS.get(name)
        if tag == CELL:
            self._cell()
        elif tag in (VALUE, TEXT):
            self.text.collecting = False
        elif tag == ROW:
            if self.number > self.last:
                self.rows.append((self.number, tuple(self.cells)))
                self.last = self.number
        elif tag == INLINE:
            self.inline = False
        elif tag == PHONETIC:
            self.phonetic = False

    def _cell(self) -> None:
        column = self.column
        if column > MAX_COLUMNS:
            raise _Damaged
        cells = self.cells
        if column > len(cells):
            cells.extend([None] * (column - len(cells)))
        cells[column - 1] = self._value()

    def _value(self) -> Cell:
        """The cell's value as openpyxl gives it (data_only): the cached result of a formula."""
        text, kind = self.text, self.kind
        if text.length > limits.MAX_CELL_CHARS and kind in ("s", "inlineStr", "str", "e"):
            if kind != "s":
                return Overlong(text.value(), text.length)
            raise _Damaged  # a shared string's index is a number
        value = text.value()
        try:
            if kind == "s":
                return self.strings[int(value)] if value else None
            if kind in ("inlineStr", "str"):
                return value
            if not value:
                return None
            if kind == "n":
                return self._number(value)
            if kind == "b":
                return bool(int(value))
            if kind == "d":
                return from_ISO8601(value)
            return value  # an error such as #N/A, or a kind openpyxl does not know
        except (ValueError, IndexError, OverflowError):
            raise _Damaged from None

    def _number(self, value: str) -> Cell:
        number = float(value) if "." in value or "E" in value or "e" in value else int(value)
        if self.style in self.book.date_styles:
            try:
                timedelta = self.style in self.book.timedelta_styles
                return from_excel(number, self.book.epoch, timedelta=timedelta)
            except (OverflowError, ValueError):
                return "#VALUE!"  # as openpyxl: a date cell out of range is an error value
        return number


def _column(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    column = _COLUMNS.get(letters) or _COLUMNS.get(letters.upper().lstrip("$").rstrip("$"))
    if column is None:
        raise _Damaged
    return column


def _row_number(ref: str) -> int:
    try:
        return int(ref)
    except ValueError:
        number = float(ref)  # openpyxl accepts "3.0"
        if not number.is_integer():
            raise _Damaged from None
        return int(number)


# --- Feeding expat ----------------------------------------------------------------------------


def _parse(
    stream: IO[bytes],
    start: StartHandler,
    end: EndHandler,
    characters: Callable[[str], None],
    finished: list[Row],
) -> Iterator[list[Row]]:
    """Parse `stream` chunk by chunk, yielding `finished` (where the handlers put what they
    finish) after each. _Damaged for XML that is not well formed, a DOCTYPE
    (no workbook part has one: refused rather than expanding entities) or a tag that is too
    long."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = _no_doctype
    fed = 0
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
            fed += len(chunk)
            if fed - parser.CurrentByteIndex > MAX_TAG_BYTES:
                raise _Damaged
            yield finished
        parser.Parse(b"", True)
    except (pyexpat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise _Damaged from None
    yield finished


def _no_doctype(*args: object) -> None:
    raise _Damaged
