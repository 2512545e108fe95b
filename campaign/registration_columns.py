"""The registrations file's columns and one parser per column, as the registrations import
contract lists them (`tanggal`, `kode_desa`, `kanal`, `jumlah`, `kode_agen`, `iuran`).

File handling, dates and village codes are the roster import's (enrollment.imports). A parser
takes a raw cell and returns the value to store, or raises `CellError` saying what was
expected; it never repairs a value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Channel
from enrollment.imports import limits
from enrollment.imports.cells import Cell, CellError, Overlong, cell_text, display, echo, is_number
from enrollment.imports.columns import parse_village_code
from enrollment.imports.dates import DATE_EXPECTED, parse_date
from enrollment.imports.limits import FileRefused
from enrollment.imports.rows import RowError, column_letter

# Far above any village's day (a village has a few thousand households), far below the
# database's limits: a bigger number is a typing error, not a count.
MAX_COUNT = 100_000
MAX_CONTRIBUTIONS = 1_000_000_000_000  # Rp 1 trillion

_REQUIRED = gettext_lazy("a value (this column is required)")


def parse_day(raw: Cell) -> dt.date:
    day = parse_date(raw)
    if day is None:
        raise CellError(_REQUIRED)
    return day


def parse_village(raw: Cell) -> str:
    if raw is None or not cell_text(raw):
        raise CellError(_REQUIRED)
    return parse_village_code(raw)


_CHANNELS = {code.casefold(): code for code in Channel.values}


def parse_channel(raw: Cell) -> str:
    text = cell_text(raw)
    if not text:
        raise CellError(_REQUIRED)
    channel = _CHANNELS.get(text.casefold())
    if channel is None or is_number(raw):
        raise CellError(gettext_lazy("PERISAI, MANDIRI, SOSIALISASI or LAINNYA (any case)"))
    return channel


_AGENT_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,29}")


def parse_agent_code(raw: Cell) -> str:
    """An agent code as agents are stored (capitals); "" when empty. Whether an agent has it
    is checked against the database."""
    text = cell_text(raw).upper()
    if text and not _AGENT_RE.fullmatch(text):
        raise CellError(
            gettext_lazy("an agent code of capital letters, digits and hyphens, e.g. PRS-3523-001")
        )
    return text


# Whole numbers as people type them: plain digits, or thousands grouped by dots or spaces
# ("168.000", "168 000"). "1.5" or "1,5" is not a whole number, and is not guessed.
_GROUPED_RE = re.compile(r"\d{1,3}(?:[. \u00a0]\d{3})+|\d+", re.ASCII)
_RUPIAH_RE = re.compile(r"rp\.?\s*", re.IGNORECASE)
_NOT_DIGITS_RE = re.compile(r"[^0-9]")


def _whole(raw: Cell, *, rupiah: bool) -> int | None:
    """A whole number from a number cell or text; None when the cell is not one."""
    if isinstance(raw, bool):
        return None
    if is_number(raw):
        return int(raw) if float(raw).is_integer() else None
    text = cell_text(raw)
    if rupiah:
        text = _RUPIAH_RE.sub("", text, count=1) if _RUPIAH_RE.match(text) else text
    if not _GROUPED_RE.fullmatch(text):
        return None
    return int(_NOT_DIGITS_RE.sub("", text))


def parse_count(raw: Cell) -> int:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise CellError(_REQUIRED)
    count = _whole(raw, rupiah=False)
    if count is None or count < 1 or count > MAX_COUNT:
        raise CellError(
            gettext_lazy(
                "a whole number of residents from 1 to %(max)s (a day without registrations "
                "needs no row)"
            )
            % {"max": f"{MAX_COUNT:,}".replace(",", ".")}
        )
    return count


def parse_contributions(raw: Cell) -> int | None:
    """Whole rupiah; None when empty (a new registration gets 0, a stored one keeps its own)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    amount = _whole(raw, rupiah=True)
    if amount is None or not 0 <= amount <= MAX_CONTRIBUTIONS:
        raise CellError(
            gettext_lazy(
                "whole rupiah of at least 0, such as 168000 or Rp 168.000 (no decimals, "
                "at most Rp 1.000.000.000.000)"
            )
        )
    return amount


@dataclass(frozen=True)
class Column:
    """One column of the registrations file: its Indonesian name, English alias and parser."""

    key: str
    name: str
    alias: str
    required: bool
    parse: Callable[[Cell], object]
    accepts: Promise  # for the template's notes


COLUMNS: tuple[Column, ...] = (
    Column("date", "tanggal", "date", True, parse_day, gettext_lazy("a date, e.g. 24/04/2024")),
    Column("village", "kode_desa", "village_code", True, parse_village,
           gettext_lazy("Kemendagri village code: 33.02.18.2001 or 3302182001")),
    Column("channel", "kanal", "channel", True, parse_channel,
           gettext_lazy("PERISAI, MANDIRI, SOSIALISASI, LAINNYA")),
    Column("count", "jumlah", "count", True, parse_count,
           gettext_lazy("residents registered that day: a whole number of at least 1")),
    Column("agent", "kode_agen", "agent_code", False, parse_agent_code,
           gettext_lazy("the Perisai agent's code with PERISAI; empty for other channels")),
    Column("contributions", "iuran", "contributions", False, parse_contributions,
           gettext_lazy("first contributions in rupiah, e.g. 168000 or Rp 168.000; empty keeps "
                        "a stored row's (0 for a new one)")),
)  # fmt: skip
HEADER = [column.name for column in COLUMNS]
_BY_HEADER = {name: c for c in COLUMNS for name in (c.name, c.alias)}
DEFAULTS = {"agent": "", "contributions": None}


@dataclass
class Header:
    """Where each known column is in the file, and what the file calls it."""

    index: dict[str, int]
    labels: dict[str, str]
    unknown: list[str] = field(default_factory=list)

    def label(self, key: str) -> str:
        return self.labels.get(key) or next(c.name for c in COLUMNS if c.key == key)


def map_header(header: Sequence[str]) -> Header:
    """The header's columns; FileRefused for a name given twice or a required column missing
    (the roster import's messages)."""
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    for position, raw in enumerate(header):
        name = raw.replace("\ufeff", "").strip().casefold()
        if not name:
            continue
        column = _BY_HEADER.get(name)
        if column is None:
            unknown.append(echo(raw.strip()))
            continue
        if column.key in index:
            raise FileRefused(
                _("The header names the column %(name)s twice (columns %(first)s and %(second)s).")
                % {"name": echo(raw.strip()), "first": column_letter(index[column.key]),
                   "second": column_letter(position)}
            )  # fmt: skip
        index[column.key], labels[column.key] = position, echo(raw.strip())
    missing = [c for c in COLUMNS if c.required and c.key not in index]
    if missing:
        raise FileRefused(
            _("Required columns are missing from the header (row 1): %(missing)s.")
            % {"missing": ", ".join(f"{c.name} ({c.alias})" for c in missing)}
        )
    return Header(index=index, labels=labels, unknown=unknown)


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    """One parsed row of the file."""

    number: int
    date: dt.date
    village: str
    channel: str
    count: int
    agent: str
    contributions: int | None  # None: not given


# Parsed cells by (column, raw cell), for one file: dates, villages, channels and counts repeat
# from row to row. Emptied when it grows past this (a column of values all different).
CACHE_SIZE = 100_000


def parse_row(
    number: int, cells: Sequence[Cell], header: Header, cache: dict[Any, Any] | None = None
) -> tuple[RegistrationRow | None, list[RowError]]:
    """The row's values, or None with an error for every cell that cannot be read. `cache`
    keeps the parsed values (or errors) of cells seen before in the file."""
    cache = {} if cache is None else cache
    errors = [_overlong(number, index, cell) for index, cell in enumerate(cells)
              if cell.__class__ is Overlong]  # fmt: skip
    values: dict[str, object] = dict(DEFAULTS)
    width = len(cells)
    for column in COLUMNS:
        position = header.index.get(column.key)
        if position is None:
            continue
        raw = cells[position] if position < width else None
        if raw.__class__ is Overlong:
            continue
        key = (column.key, raw.__class__, raw)
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            try:
                value = column.parse(raw)
            except CellError as error:
                value = error
            if len(cache) >= CACHE_SIZE:
                cache.clear()
            cache[key] = value
        if isinstance(value, CellError):
            errors.append(RowError(number, header.label(column.key), echo(display(raw)),
                                   value.expected))  # fmt: skip
        else:
            values[column.key] = value
    if errors:
        return None, errors
    return RegistrationRow(number=number, **values), []  # type: ignore[arg-type]


_MISSING = object()


def _overlong(number: int, index: int, cell: Cell) -> RowError:
    assert isinstance(cell, Overlong)
    letter = column_letter(index)
    expected = _("at most %(limit)d characters in column %(column)s (this cell has %(length)d)") % {
        "limit": limits.MAX_CELL_CHARS,
        "column": letter,
        "length": cell.length,
    }
    return RowError(number, letter, echo(cell), expected)


__all__ = ["COLUMNS", "DATE_EXPECTED", "HEADER", "Header", "RegistrationRow", "map_header",
           "parse_row"]  # fmt: skip
