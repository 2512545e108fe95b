"""The dashboard tables as rows, for the pages and their CSV and XLSX exports.

A table is built here once from the selectors' results; the page shows it and the export
writes it, so a download holds exactly the figures on the screen. Headers are in the active
language. Text that a spreadsheet would run as a formula is escaped in both formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, cast

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from enrollment.models import State
from enrollment.rules import Figures
from enrollment.selectors import (
    CANDIDATE,
    DECLARED_FAILING,
    DECLARED_FAILING_NOW,
    NEAR,
    NOT_YET,
    AreaCoverage,
    ListedVillage,
    RosterRow,
    VillageCoverage,
)
from enrollment.selectors.ranking import RankedArea
from enrollment.selectors.work_list import WorkListRow
from villages.models import Post
from villages.selectors import CHILD_LEVEL, Area

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TEXT, INT, PCT, DATE = "text", "int", "pct", "date"
XLSX_NUMBER_FORMATS = {INT: "#,##0", PCT: "0.00", DATE: "DD/MM/YYYY"}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LEVEL_LABELS = {
    "country": gettext_lazy("Country"),
    "province": gettext_lazy("Province"),
    "regency": gettext_lazy("Regency / city"),
    "district": gettext_lazy("District"),
    "village": gettext_lazy("Village"),
}


def escape_cell(value):
    """A cell value safe to open in a spreadsheet: control characters a workbook cannot hold
    are dropped, and text starting like a formula gets a leading single quote."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Table:
    """Headers and rows of one table; cells are text, numbers, dates or None."""

    slug: str
    columns: list[Column]
    rows: list[list]
    footer: list | None = None  # the totals row, written after the rows


# --- Area tables ---------------------------------------------------------------------------


def _figure_columns() -> list[Column]:
    return [
        Column(_("Posts"), INT),
        Column(_("Covered"), INT),
        Column(_("Coverage (%)"), PCT),
        Column(_("Lapsing soon"), INT),
        Column(_("In arrears"), INT),
        Column(_("Ended"), INT),
    ]


def _figure_cells(figures: Figures) -> list:
    return [
        figures.posts,
        figures.covered,
        figures.coverage_pct,
        figures.lapsing_soon,
        figures.in_arrears,
        figures.ended,
    ]


def children_table(coverage: AreaCoverage) -> Table:
    columns = [
        Column(_("Code")),
        Column(str(LEVEL_LABELS[CHILD_LEVEL[coverage.area.level]])),
        *_figure_columns(),
        Column(_("Villages"), INT),
        Column(_("Desa Sadar candidates"), INT),
        Column(_("Villages enrolled"), INT),
        Column(_("Villages enrolled (%)"), PCT),
        Column(_("Villages with every official covered"), INT),
    ]
    rows = [
        [row.area.code, row.area.name, *_figure_cells(row.figures), row.area.villages]
        + [row.candidates, row.villages_enrolled, row.villages_enrolled_pct]
        + [row.villages_officials_covered]
        for row in coverage.children
    ]
    footer = ["", _("Total"), *_figure_cells(coverage.totals), None, coverage.n_candidates]
    footer += [
        coverage.villages_enrolled,
        coverage.villages_enrolled_pct,
        coverage.villages_officials_covered,
    ]
    return Table("children", columns, rows, footer)


def categories_table(coverage: AreaCoverage | VillageCoverage) -> Table:
    columns = [Column(_("Category")), *_figure_columns()]
    rows = [
        [str(Post.Category(category).label), *_figure_cells(figures)]
        for category, figures in coverage.by_category
    ]
    return Table("categories", columns, rows, [_("Total"), *_figure_cells(coverage.totals)])


STATUS_LABELS = {
    CANDIDATE: gettext_lazy("Candidate"),
    NEAR: gettext_lazy("Near"),
    DECLARED_FAILING: gettext_lazy("Declared, no longer passes"),
    NOT_YET: gettext_lazy("Not yet"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS[status])


def candidates_table(rows: list[ListedVillage]) -> Table:
    """The Desa Sadar list of an area, whole, in the order and with the filters of its page:
    what each village still misses (officials to cover, criteria failed)."""
    return Table("candidates", candidates_columns(), list(candidate_rows(rows)))


def candidates_columns() -> list[Column]:
    return [
        Column(_("Code")),
        Column(_("Village")),
        Column(str(LEVEL_LABELS["district"])),
        Column(_("Status")),
        Column(_("Officials still to cover"), INT),
        Column(_("Number of criteria not passed"), INT),
        Column(_("Criteria not passed")),
        Column(_("Detail")),
        Column(_("Posts"), INT),
        Column(_("Covered"), INT),
        Column(_("Coverage (%)"), PCT),
        Column(_("Declared on"), DATE),
    ]


def candidate_rows(villages: Iterable[ListedVillage]) -> Iterator[list]:
    """The cells of `candidates_table`, a village at a time (a large export streams them)."""
    # Translated once, not once per village (a country has 80,000 of them).
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    return (_candidate_cells(row, labels) for row in villages)


def _candidate_cells(row: ListedVillage, labels: dict[str, str]) -> list:
    standing, failed = row.standing, row.standing.failed
    return [
        standing.code,
        standing.name,
        row.district,
        labels[standing.list_status],
        standing.people_missing,
        len(failed),
        "; ".join(c.label for c in failed),
        "; ".join(c.detail for c in failed),
        row.totals.posts,
        row.totals.covered,
        row.totals.coverage_pct,
        standing.declared_on,
    ]


def forecast_label(days: int) -> str:
    """What a village of the forecast faces: losing its candidacy within `days`, or (0) being
    declared and failing already."""
    if days == DECLARED_FAILING_NOW:
        return status_label(DECLARED_FAILING)
    return _("Stops passing within %(days)s days") % {"days": days}


def forecast_table(coverage: AreaCoverage) -> Table:
    """The forecast's villages, each once: the candidates that stop passing within 30, 60 or
    90 days if nothing is paid (the first of them), then the declared villages failing today;
    by code within. Holds them all when the coverage was read with every village of it."""
    within = coverage.area.level != "district"
    columns = [Column(_("Code")), Column(_("Village"))]
    if within:
        columns.append(Column(str(LEVEL_LABELS[CHILD_LEVEL[coverage.area.level]])))
    columns += [Column(_("Forecast")), Column(_("Within (days)"), INT)]
    children = {row.area.code: row.area for row in coverage.children}
    ahead = [v for v in coverage.forecast.villages if v.days != DECLARED_FAILING_NOW]
    declared = [v for v in coverage.forecast.villages if v.days == DECLARED_FAILING_NOW]
    rows = []
    for village in ahead + declared:
        cells = [village.code, village.name]
        if within:
            child = children.get(coverage.area.child_code(village.code))
            cells.append(child.name if child else "")
        days = village.days if village.days != DECLARED_FAILING_NOW else None
        rows.append([*cells, forecast_label(village.days), days])
    return Table("forecast", columns, rows)


RANKING_SLUGS = {"regency": "peringkat-kabupaten", "province": "peringkat-provinsi"}


def ranking_table(rows: list[RankedArea], level: str) -> Table:
    """The national standing of regencies (or provinces), in rank order: each component as a
    percentage and the figures it is made of (docs/national-standing.md)."""
    columns = [Column(_("Rank"), INT), Column(_("Of"), INT), Column(_("Code"))]
    columns.append(Column(str(LEVEL_LABELS[level])))
    if level == "regency":
        columns.append(Column(str(LEVEL_LABELS["province"])))
    columns += [
        Column(_("Score"), PCT),
        Column(_("Officials' posts covered (%)"), PCT),
        Column(_("Villages enrolled (%)"), PCT),
        Column(_("Desa Sadar candidates (%)"), PCT),
        Column(_("Progress against district targets (%)"), PCT),
        Column(_("Posts"), INT),
        Column(_("Covered"), INT),
        Column(_("Villages"), INT),
        Column(_("Villages enrolled"), INT),
        Column(_("Desa Sadar candidates"), INT),
        Column(_("Districts"), INT),
        Column(_("District targets set"), INT),
    ]
    return Table(RANKING_SLUGS[level], columns, [_ranking_cells(row) for row in rows])


def _ranking_cells(row: RankedArea) -> list:
    tally = row.tally
    cells: list = [row.rank, row.of, row.code, row.name]
    if row.level == "regency":
        cells.append(row.province_name)
    return cells + [
        row.score,
        row.coverage,
        row.villages_enrolled,
        row.desa_sadar,
        row.target_progress,
        tally.posts,
        tally.covered,
        tally.villages,
        tally.villages_enrolled,
        tally.candidates,
        tally.districts,
        tally.targets_set,
    ]


# The tables of an area's dashboard (the Desa Sadar list, `candidates_table`, has its page).
AREA_TABLES = {
    "children": children_table,
    "categories": categories_table,
    "forecast": forecast_table,
}


# --- Village roster ------------------------------------------------------------------------

COVERED, LAPSING_SOON, IN_ARREARS, ENDED, NOT_COVERED = (
    "covered",
    "lapsing_soon",
    "in_arrears",
    "ended",
    "not_covered",
)
ROSTER_STATUS_LABELS = {
    COVERED: gettext_lazy("Covered"),
    LAPSING_SOON: gettext_lazy("Covered, lapsing soon"),
    IN_ARREARS: gettext_lazy("In arrears"),
    ENDED: gettext_lazy("Ended"),
    NOT_COVERED: gettext_lazy("Not covered"),
}
# The roster's filter (the `status` of the village page and its export): covered holders
# (lapsing soon or not), those lapsing soon, in arrears, ended, and those who never held every
# minimum program (or not yet on the day).
ROSTER_FILTERS = {
    COVERED: gettext_lazy("Active"),
    LAPSING_SOON: gettext_lazy("Lapsing within 30 days"),
    IN_ARREARS: gettext_lazy("In arrears"),
    ENDED: gettext_lazy("Ended"),
    NOT_COVERED: gettext_lazy("Not registered"),
}


def roster_status(row: RosterRow) -> str:
    """One word for a holder's standing: covered, lapsing soon, in arrears, ended (covered
    once, past the arrears window) or not covered."""
    if row.covered:
        return LAPSING_SOON if row.lapsing_soon else COVERED
    if row.in_arrears:
        return IN_ARREARS
    return ENDED if row.ended else NOT_COVERED


def _in_filter(row: RosterRow, status: str) -> bool:
    if status == COVERED:
        return row.covered
    return not status or roster_status(row) == status


def roster_filtered(roster: list[RosterRow], status: str) -> list[RosterRow]:
    """The rows the roster filter `status` shows ("" for all)."""
    return [row for row in roster if _in_filter(row, status)]


def roster_filter_counts(roster: list[RosterRow]) -> dict[str, int]:
    """The number of rows each choice of the roster filter shows ("" for all)."""
    return {status: len(roster_filtered(roster, status)) for status in ("", *ROSTER_FILTERS)}


def roster_table(coverage: VillageCoverage, status: str = "") -> Table:
    """The roster, or the rows the roster filter `status` shows."""
    programs = list(coverage.roster[0].programs) if coverage.roster else []
    columns = [
        Column(_("Category")),
        Column(_("Post")),
        Column(_("Unit")),
        Column(_("Name")),
        Column(_("NIK")),
        *[Column(code) for code in programs],
        Column(_("Paid until"), DATE),
        Column(_("Status")),
        Column(_("Missing")),
    ]
    rows = [
        [
            str(Post.Category(row.category).label),
            row.post_label,
            row.unit,
            row.name,
            row.nik,
            *[str(State(row.programs[code]).label) for code in programs],
            row.paid_until,
            str(ROSTER_STATUS_LABELS[roster_status(row)]),
            row.missing,
        ]
        for row in roster_filtered(coverage.roster, status)
    ]
    return Table(f"roster-{status}" if status else "roster", columns, rows)


# --- Work list -------------------------------------------------------------------------------

# The work list's states: the roster's words for the first two (the same values).
WORK_STATE_LABELS = {
    LAPSING_SOON: gettext_lazy("Lapsing within 30 days"),
    IN_ARREARS: gettext_lazy("In arrears"),
    ENDED: gettext_lazy("Ended"),
}


def work_list_table(rows: list[WorkListRow]) -> Table:
    """The call list: every row of a work list, with its phone (masked as on the page)."""
    columns = [
        Column(_("Village code")),
        Column(_("Village")),
        Column(_("District")),
        Column(_("Name")),
        Column(_("Phone")),
        Column(_("NIK")),
        Column(_("Post")),
        Column(_("Status")),
        Column(_("Paid until"), DATE),
        Column(_("Programs missing")),
    ]
    cells = [
        [
            row.village_code,
            row.village_name,
            row.district_name,
            row.name,
            row.phone,
            row.nik,
            "; ".join(row.posts),
            str(WORK_STATE_LABELS[row.state]),
            row.until,
            ", ".join(row.programs),
        ]
        for row in rows
    ]
    return Table("daftar-telepon", columns, cells)


# --- Files ---------------------------------------------------------------------------------


def export_filename(area: Area, table: Table, as_of: dt.date, fmt: str) -> str:
    """`cakupan-33.02-children-2026-11-22.xlsx`; the country is `indonesia`."""
    return f"cakupan-{area.code or 'indonesia'}-{table.slug}-{as_of:%Y-%m-%d}.{fmt}"


def export_response(table: Table, *, fmt: str, filename: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    # Never None for an attachment; the stubs' return type cannot say so.
    response["Content-Disposition"] = cast(str, content_disposition_header(True, filename))
    return response


def _all_rows(table: Table) -> list[list]:
    return table.rows + ([table.footer] if table.footer else [])


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the names right), a dot as the decimal
    separator, ISO dates: a file for programs as much as for people."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(column.header) for column in table.columns])
    for row in _all_rows(table):
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape_cell(value)


def table_xlsx(table: Table) -> bytes:
    """One sheet: a bold, frozen header row; numbers and dates as numbers and dates."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.slug
    sheet.append([escape_cell(column.header) for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _all_rows(table):
        sheet.append([escape_cell(value) for value in row])
    if table.footer:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        _format_column(sheet, index, column)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _format_column(sheet, index: int, column: Column) -> None:
    letter = get_column_letter(index)
    number_format = XLSX_NUMBER_FORMATS.get(column.kind)
    width = len(column.header)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
        if number_format:
            cell.number_format = number_format
        width = max(width, len(str(cell.value or "")))
    sheet.column_dimensions[letter].width = min(width + 2, 60)


# --- Files written row by row (the background exports: enrollment.jobs) -------------------

CSV_CHUNK_ROWS = 1000
# Widths in characters: a write-only sheet cannot be measured after its rows are written.
XLSX_WIDTHS = {TEXT: 24, INT: 10, PCT: 10, DATE: 12}


def rows_csv_write(out: IO[bytes], columns: list[Column], rows: Iterable[list]) -> None:
    """The bytes of `table_csv` for these columns and rows, written to `out` as they come."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    text.write("\ufeff")
    writer.writerow([escape_cell(column.header) for column in columns])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if number % CSV_CHUNK_ROWS == 0:
            out.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
    out.write(text.getvalue().encode("utf-8"))


def rows_xlsx_write(out: IO[bytes], slug: str, columns: list[Column], rows: Iterable[list]) -> None:
    """The sheet of `table_xlsx` (a bold, frozen header row; numbers and dates as numbers and
    dates), written in openpyxl's write-only mode: each row goes to a temporary file as it
    comes, so memory does not grow with the rows. Column widths from the headers and kinds."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(slug[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = max(len(column.header) + 2, XLSX_WIDTHS[column.kind])
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=escape_cell(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [XLSX_NUMBER_FORMATS.get(column.kind) for column in columns]
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v, f) for v, f in zip(row, formats, strict=True)])
    workbook.save(out)


def _xlsx_cell(sheet, value, number_format: str | None):
    value = escape_cell(value)
    if number_format is None or value is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
