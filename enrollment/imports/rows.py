"""From a file's header and rows to parsed rows and cell errors, column by column."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from enrollment.imports import limits
from enrollment.imports.cells import Cell, Overlong, display, echo
from enrollment.imports.columns import COLUMNS, Column, MaskedKpj, MaskedNik, NikValue
from enrollment.imports.reader import FileRefused, Row, is_blank
from enrollment.imports.records import COVERAGE_FIELDS, Coverage

_BY_HEADER: dict[str, Column] = {}
for _column in COLUMNS:
    _BY_HEADER[_column.name] = _column
    _BY_HEADER[_column.alias] = _column


@dataclass(frozen=True)
class RowError:
    """Why a row cannot be imported: row number, column, the value found, what is expected."""

    row: int
    column: str
    found: str
    expected: str


class ColumnParser(NamedTuple):
    """How a file's column is read: the value's key, the column's position, its parser, and
    whether its values repeat from row to row (shared)."""

    key: str
    position: int
    parse: Callable[[Any], Any]
    repeats: bool


@dataclass
class HeaderMap:
    """Where each known column is in the file, and what the file calls it."""

    index: dict[str, int]  # column key -> position
    labels: dict[str, str]  # column key -> header as written (cut as a report echoes it)
    names: list[str] = field(default_factory=list)  # every position's header, cut likewise
    unknown: list[str] = field(default_factory=list)
    unnamed: list[int] = field(default_factory=list)  # positions of columns without a header
    unnamed_used: bool = False  # whether any row has a value in such a column
    programs: tuple[str, ...] = ()  # the codes a file may name: the programs in the database

    @cached_property
    def parsers(self) -> list[ColumnParser]:
        """The parsers of the columns present, in contract order."""
        return [
            ColumnParser(c.key, self.index[c.key], c.parser(self.programs), c.key in _SHARED)
            for c in COLUMNS
            if c.key in self.index
        ]

    @cached_property
    def defaults(self) -> dict[str, Any]:
        """A value for every column: the default of the columns the file does not have (and
        None for the others, read from each row: a copy of this is never resized)."""
        return {c.key: None if c.key in self.index else _DEFAULTS.get(c.key) for c in COLUMNS}

    def label(self, key: str) -> str:
        return self.labels.get(key) or next(c.name for c in COLUMNS if c.key == key)

    def position_label(self, position: int) -> str:
        """A column as a report names it: its header, or its letter when it has none."""
        name = self.names[position] if position < len(self.names) else ""
        return name or column_letter(position)


def _normal(header: str) -> str:
    return header.replace("\ufeff", "").strip().casefold()


def map_header(header: Sequence[str], *, programs: tuple[str, ...]) -> HeaderMap:
    """The header's columns, the program codes a file may name being `programs`; FileRefused
    for duplicate names or missing required columns."""
    seen: dict[str, int] = {}
    index, labels, unknown, unnamed = {}, {}, [], []
    names = [echo(raw.strip()) for raw in header]
    for position, raw in enumerate(header):
        name = _normal(raw)
        if not name:
            unnamed.append(position)
            continue
        column = _BY_HEADER.get(name)
        key = column.key if column else f"?{name}"
        if key in seen:
            raise FileRefused(
                _("The header names the column %(name)s twice (columns %(first)s and %(second)s).")
                % {
                    "name": names[position],
                    "first": column_letter(seen[key]),
                    "second": column_letter(position),
                }
            )
        seen[key] = position
        if column is None:
            unknown.append(names[position])
        else:
            index[column.key], labels[column.key] = position, names[position]
    missing = [c for c in COLUMNS if c.required and c.key not in index]
    if missing:
        raise FileRefused(
            _("Required columns are missing from the header (row 1): %(missing)s.")
            % {"missing": ", ".join(f"{c.name} ({c.alias})" for c in missing)}
        )
    return HeaderMap(
        index=index, labels=labels, names=names, unknown=unknown, unnamed=unnamed, programs=programs
    )


def column_letter(position: int) -> str:
    """A spreadsheet column letter: 0 is A, 26 is AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(slots=True)
class RowData:
    """One parsed row: the values to store (empty optional cells as "" or None). A masked NIK
    or KPJ number is in `masked_nik` or `masked_kpj`, and as its text in `nik` or the coverage,
    until the plan resolves it."""

    number: int
    village: str
    nik: str
    name: str
    sex: str
    post: str
    unit: str
    term_start: dt.date | None
    term_end: dt.date | None
    programs: tuple[str, ...]
    coverage: Coverage
    masked_nik: MaskedNik | None = None
    masked_kpj: MaskedKpj | None = None
    nik_birth: dt.date | None = None  # what a valid NIK says
    nik_sex: str = ""


_DEFAULTS: dict[str, object] = {
    "unit": "", "sex": "", "kpj_number": "", "participant_category": "", "programs": (),
    "funding_source": "",
}  # fmt: skip
# Columns whose values repeat from row to row: one object per value keeps 200,000 rows small.
_SHARED = {"village", "sex", "post", "unit", "term_start", "term_end", "participant_category",
           "programs", "enrolled_on", "paid_until", "funding_source"}  # fmt: skip


def parse_row(
    number: int, cells: Sequence[Cell], header: HeaderMap, shared: dict[Any, Any] | None = None
) -> tuple[RowData | None, list[RowError]]:
    """The row's values, or None with the errors of every cell that cannot be read."""
    shared = {} if shared is None else shared
    errors = _overlong_errors(number, cells, header)
    width = len(cells)
    values = header.defaults.copy()
    for key, position, parse, repeats in header.parsers:
        raw = cells[position] if position < width else None
        if raw.__class__ is Overlong:
            continue  # its error is given
        try:
            value = parse(raw)
        except Exception as error:  # noqa: BLE001 - every cell parses or is a row error
            expected = getattr(error, "expected", None) or _("a readable value")
            errors.append(RowError(number, header.label(key), echo(display(raw)), expected))
            continue
        values[key] = shared.setdefault(value, value) if repeats else value
    if errors:
        return None, errors
    row = _row(number, values, shared)
    return row, _row_checks(row, header)


def _row(number: int, values: dict[str, Any], shared: dict[Any, Any]) -> RowData:
    """The parsed values as a row: the coverage columns as its Coverage, what a valid NIK
    says beside it."""
    nik, kpj = values["nik"], values["kpj_number"]
    if isinstance(nik, NikValue):
        masked_nik, nik_text, nik_sex = None, nik.nik, nik.sex
        born = shared.setdefault(nik.birth_date, nik.birth_date)  # dates repeat
    else:
        masked_nik, nik_text, nik_sex, born = nik, str(nik), "", None
    masked_kpj = kpj if isinstance(kpj, MaskedKpj) else None
    if masked_kpj is not None:
        values["kpj_number"] = str(masked_kpj)
    return RowData(
        number=number,
        village=values["village"],
        nik=nik_text,
        name=values["name"],
        sex=values["sex"],
        post=values["post"],
        unit=values["unit"],
        term_start=values["term_start"],
        term_end=values["term_end"],
        programs=values["programs"],
        coverage=Coverage(*map(values.__getitem__, COVERAGE_FIELDS)),
        masked_nik=masked_nik,
        masked_kpj=masked_kpj,
        nik_birth=born,
        nik_sex=nik_sex,
    )


def _overlong_errors(number: int, cells: Sequence[Cell], header: HeaderMap) -> list[RowError]:
    """Every cell over the limit, in any column (ignored ones too): a row error each."""
    errors = []
    for position, cell in enumerate(cells):
        if isinstance(cell, Overlong):
            column = header.position_label(position)
            expected = _(
                "at most %(limit)d characters in column %(column)s (this cell has %(length)d)"
            ) % {"limit": limits.MAX_CELL_CHARS, "column": column, "length": cell.length}
            errors.append(RowError(number, column, echo(cell), expected))
    return errors


def _row_checks(row: RowData, header: HeaderMap) -> list[RowError]:
    """Rules between cells of one row, as the models' clean() and constraints have them."""
    errors = []
    coverage = row.coverage
    if row.sex and row.nik_sex and row.sex != row.nik_sex:
        errors.append(
            row_error(
                row, header, "sex", row.sex, _("%(sex)s, as the NIK says") % {"sex": row.nik_sex}
            )
        )
    if row.term_start and row.term_end and row.term_end < row.term_start:
        errors.append(
            row_error(row, header, "term_end", row.term_end, _("a date not before the term start"))
        )
    if coverage.enrolled_on and coverage.paid_until and coverage.paid_until < coverage.enrolled_on:
        errors.append(
            row_error(row, header, "paid_until", coverage.paid_until,
                   _("a date not before enrolment"))
        )  # fmt: skip
    if not row.programs and coverage.given():
        errors.append(
            row_error(row, header, "programs", "", _("the programs the coverage columns are for"))
        )
    return errors


def row_error(row: RowData, header: HeaderMap, key: str, found: object, expected: str) -> RowError:
    """The error of `row` in the column `key`: dates found as the user writes them, a long
    value cut."""
    if isinstance(found, dt.date):
        found = found.strftime("%d/%m/%Y")
    return RowError(row.number, header.label(key), echo(str(found)), expected)


def parsed_rows(
    rows: Iterator[Row], header: HeaderMap
) -> Iterator[tuple[int, RowData | None, list[RowError]]]:
    """(row number, parsed row or None, errors) for every non-blank row; blank rows are skipped
    (but their numbers are not reused). A cell in a column without a header is remembered."""
    shared: dict[Any, Any] = {}
    for number, cells in rows:
        if is_blank(cells):
            continue
        if header.unnamed and not header.unnamed_used:
            # Only the positions this row has: a header thousands of columns wide costs nothing
            # on rows of a few cells.
            within = header.unnamed[: bisect_left(header.unnamed, len(cells))]
            header.unnamed_used = any(cells[p] not in (None, "") for p in within)
        row, errors = parse_row(number, cells, header, shared)
        yield number, row, errors
