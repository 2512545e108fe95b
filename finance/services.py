"""Importing contributions and claims (shared/spec/finance-import.md): one service behind the
admin's upload → preview → confirm and `manage.py import_finance`. All or nothing: a file
with any row error writes nothing. The file is read by the roster import's reader (CSV or
XLSX, the same limits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from enrollment.imports.cells import Cell, CellError, display, echo
from enrollment.imports.limits import FileRefused, refuse_past_the_limit
from enrollment.imports.reader import is_blank, read_table, rows_at_most
from finance import cells
from finance.models import FinanceRecord
from villages.access import Scope, scope_for
from villages.models import Province, Regency

# A report keeps at most this many row errors (the count is exact).
ERRORS_KEPT = 1000
# A background job's progress is told every so many rows read, and again written.
PROGRESS_EVERY = 1000
# Told (steps done, steps in all): a background job's progress (finance.jobs).
Progress = Callable[[int, int], None]
Key = tuple[int, str, str, str]  # (year, area code, group, program)


@dataclass(frozen=True)
class Column:
    name: str  # Indonesian, as the template writes it
    alias: str  # English, accepted too
    parse: Callable[[Cell], Any]
    required: bool = True


COLUMNS = (
    Column("tahun", "year", cells.parse_year),
    Column("kode_wilayah", "area_code", cells.parse_area_code),
    Column("kelompok", "group", cells.parse_group),
    Column("program", "program", cells.parse_program),
    Column("iuran", "contributions", cells.parse_rupiah),
    Column("klaim", "claims", cells.parse_rupiah),
    Column("jumlah_klaim", "claim_count", cells.parse_count, required=False),
)
FIELDS = {
    "tahun": "year",
    "kode_wilayah": "area_code",
    "kelompok": "group",
    "program": "program",
    "iuran": "contributions",
    "klaim": "claims",
    "jumlah_klaim": "claim_count",
}
KEY_COLUMNS = "tahun, kode_wilayah, kelompok, program"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    found: str
    expected: str

    def __str__(self) -> str:
        return _("Row %(row)d, column %(column)s: found “%(found)s”; expected %(expected)s.") % {
            "row": self.row,
            "column": self.column,
            "found": self.found,
            "expected": self.expected,
        }


@dataclass
class FinanceImportResult:
    """What an import found, and (unless refused, invalid or a dry run) wrote."""

    refused: str = ""
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused and not self.error_count

    def report(self) -> dict:
        return {
            "refused": self.refused,
            "errors": [[e.row, e.column, e.found, e.expected] for e in self.errors],
            "error_count": self.error_count,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
        }


def finance_import(
    *, data: bytes, file_name: str, scope: Scope, dry_run: bool, progress: Progress | None = None
):
    """Read, check and (unless `dry_run` or any row is wrong) write the file's rows, each
    replacing the stored row of its key. Rows outside `scope` are row errors. `progress` is
    told the rows read, then the rows written on top, of twice the most rows the file can
    have (a dry run writes them too, then rolls back)."""
    result = FinanceImportResult()
    steps = _Steps(progress, rows_at_most(data))
    try:
        rows = _read(data, file_name, scope, result, steps)
    except FileRefused as refused:
        result.refused = str(refused)
        return result
    result.rows = len(rows)
    if not rows and not result.error_count:
        result.refused = _("The file has no data rows.")
        return result
    if not result.ok:
        return result  # all or nothing: one wrong row and nothing is written
    try:
        with transaction.atomic():
            _apply(rows, result, steps)
            if dry_run:  # the same counts as a real run, then undone
                transaction.set_rollback(True)
            else:
                result.written = True
    except IntegrityError:  # another import created one of these rows meanwhile
        result.created = result.updated = result.unchanged = 0
        result.written = False
        result.refused = _("Another import wrote some of these rows meanwhile; try again.")
    return result


def finance_import_as(*, data: bytes, file_name: str, user, dry_run: bool):
    """The import as `user` would run it: only their own areas."""
    return finance_import(data=data, file_name=file_name, scope=scope_for(user), dry_run=dry_run)


# --- Reading ----------------------------------------------------------------------------------


def _positions(header: Sequence[str]) -> dict[str, int]:
    """Column name → position, from a header naming each column in Indonesian or English
    (any case); FileRefused when a required column is missing or one is given twice."""
    names = {c.name: c.name for c in COLUMNS} | {c.alias: c.name for c in COLUMNS}
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = names.get(cell.strip().lower())
        if name is None:
            continue
        if name in positions:
            raise FileRefused(_("The column %(column)s is in the header twice.") % {"column": name})
        positions[name] = position
    missing = [c.name for c in COLUMNS if c.required and c.name not in positions]
    if missing:
        raise FileRefused(
            _("The header row lacks the columns %(missing)s; it needs %(required)s.")
            % {
                "missing": ", ".join(missing),
                "required": ", ".join(c.name for c in COLUMNS if c.required),
            }
        )
    return positions


@dataclass
class _Steps:
    """A job's progress: the rows read, then the rows written, of twice `most`."""

    progress: Progress | None
    most: int

    def read(self, rows: int, *, last: bool = False) -> None:
        if self.progress is not None and (last or rows % PROGRESS_EVERY == 0):
            self.progress(self.most if last else rows, 2 * self.most)

    def written(self, rows: int, *, last: bool = False) -> None:
        if self.progress is not None and (last or rows % PROGRESS_EVERY == 0):
            self.progress(2 * self.most if last else self.most + rows, 2 * self.most)


def _read(data: bytes, file_name: str, scope: Scope, result: FinanceImportResult, steps: _Steps):
    table = read_table(data, file_name)
    positions = _positions(table.header)
    regencies = set(Regency.objects.values_list("code", flat=True))
    provinces = set(Province.objects.values_list("code", flat=True))
    seen: dict[Key, int] = {}
    rows: list[dict[str, Any]] = []
    read = 0
    for number, row_cells in table.rows():
        if is_blank(row_cells):
            continue
        read += 1
        refuse_past_the_limit(read)
        steps.read(read)
        values = _row(number, row_cells, positions, result)
        if values is None:
            continue
        if not _area_ok(number, values, regencies | provinces, scope, result):
            continue
        key: Key = (values["year"], values["area_code"], values["group"], values["program"])
        if key in seen:
            found = f"{key[0]}, {key[1]}, {key[2]}, {key[3]}"
            expected = _("one row per year, area, group and program (this key is on row %(row)d)")
            _error(result, number, KEY_COLUMNS, found, expected % {"row": seen[key]})
            continue
        seen[key] = number
        rows.append(values)
    steps.read(read, last=True)
    return rows


def _row(number: int, row_cells, positions: dict[str, int], result) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    wrong = False
    for column in COLUMNS:
        position = positions.get(column.name)
        raw = row_cells[position] if position is not None and position < len(row_cells) else None
        try:
            values[FIELDS[column.name]] = column.parse(raw)
        except CellError as error:
            _error(result, number, column.name, echo(display(raw)), error.expected)
            wrong = True
    return None if wrong else values


def _area_ok(number: int, values: dict, known: set[str], scope: Scope, result) -> bool:
    code = values["area_code"]
    if code not in known:
        expected = _("the code of a regency or province, e.g. 33.02 or 33")
        _error(result, number, "kode_wilayah", code, expected)
        return False
    if not scope.covers(code):
        expected = _("a regency or province in your area")
        _error(result, number, "kode_wilayah", code, expected)
        return False
    return True


def _error(result: FinanceImportResult, row: int, column: str, found: str, expected: str):
    result.error_count += 1
    if len(result.errors) < ERRORS_KEPT:
        result.errors.append(RowError(row, column, found, expected))


# --- Writing ----------------------------------------------------------------------------------

FIGURES = ("contributions", "claims", "claim_count")


def _apply(rows: list[dict[str, Any]], result: FinanceImportResult, steps: _Steps) -> None:
    """Create or replace each row (saved one by one, so that each change has its history).
    Every value was checked as the model's validators and clean() would (codes against the
    known regencies and provinces, read once), so full_clean's queries per row are spared."""
    stored = {
        (r.year, r.area_code, r.group, r.program): r
        for r in FinanceRecord.objects.select_for_update().filter(
            area_code__in={row["area_code"] for row in rows},
            year__in={row["year"] for row in rows},
        )
    }
    for written, values in enumerate(rows, start=1):
        key = (values["year"], values["area_code"], values["group"], values["program"])
        record = stored.get(key)
        if record is None:
            FinanceRecord(**values).save()
            result.created += 1
        elif all(getattr(record, name) == values[name] for name in FIGURES):
            result.unchanged += 1
        else:
            for name in FIGURES:
                setattr(record, name, values[name])
            record.save()
            result.updated += 1
        steps.written(written)
    steps.written(len(rows), last=True)
