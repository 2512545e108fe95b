"""The budget planner's downloads (finance.budget), CSV and XLSX, with the figures of its page.

- A village: one row per program and one per payer, each with the five costs a month and a
  year (the rule set's minimum and the chosen set, filled posts and at full strength, and
  what is paid now), and a total row (the programs' rows summed, which the payers' rows sum
  to as well).
- A district, regency or province: one row per village (with its district, and its regency
  for a province) and a total row, the rows summed.

Money is whole rupiah: plain integers in CSV, currency cells in XLSX (an Indonesian rupiah
number format). A province has some 8,500 villages: the rows are made one by one from the
budgets read ahead (a few rows per village, `finance.budget.VillageBudgets`), the CSV is
streamed in chunks and the XLSX written row by row (openpyxl's write-only mode), so that no
list of every row is held.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from enrollment.exports import INT, TEXT, Column, escape_cell
from enrollment.models import Membership
from finance.budget import COSTS, PAYERS, PROGRAMS, Budget, VillageBudgets, child_names

RUPIAH = "rupiah"
# Rupiah in whole numbers with the symbol, e.g. Rp 16.800 in an Indonesian Excel (the locale
# tag 421 is Indonesian; the thousands separator is the reader's).
RUPIAH_FORMAT = "[$Rp-421] #,##0"
INT_FORMAT = "#,##0"
CSV_CHUNK_ROWS = 500

COST_LABELS = {
    "minimum": gettext_lazy("Minimum, filled posts"),
    "minimum_full": gettext_lazy("Minimum, full strength"),
    "chosen": gettext_lazy("Chosen, filled posts"),
    "chosen_full": gettext_lazy("Chosen, full strength"),
    "now": gettext_lazy("Paid now"),
}


@dataclass
class StreamTable:
    """Headers, rows made as they are written, and the total row, made after them."""

    slug: str
    columns: list[Column]
    rows: Iterable[list]
    footer: Callable[[], list]
    size: int  # the number of rows, without the total


def _cost_columns() -> list[Column]:
    month = [Column(_("%(cost)s, a month") % {"cost": COST_LABELS[c]}, RUPIAH) for c in COSTS]
    year = [Column(_("%(cost)s, a year") % {"cost": COST_LABELS[c]}, RUPIAH) for c in COSTS]
    return month + year


def _payer_labels() -> dict[str, str]:
    return {code: str(label) for code, label in Membership.Funding.choices if code in PAYERS}


def village_table(budget: Budget) -> StreamTable:
    """A village's costs by program and by payer, a month and a year."""
    costs = budget.costs
    columns = [Column(_("Section")), Column(_("Item")), *_cost_columns()]
    rows = []
    for program in PROGRAMS:
        month = [cost.by_program.get(program, 0) for cost in costs]
        rows.append([_("Program"), program, *month, *[12 * m for m in month]])
    for payer, label in _payer_labels().items():
        month = [cost.by_payer.get(payer, 0) for cost in costs]
        rows.append([_("Paid by"), label, *month, *[12 * m for m in month]])
    month = [cost.monthly for cost in costs]
    footer = [_("Total"), "", *month, *[12 * m for m in month]]
    return StreamTable(f"anggaran-{budget.code}", columns, rows, lambda: footer, len(rows))


def villages_table(budgets: VillageBudgets) -> StreamTable:
    """One row per village of a district, regency or province, and their total."""
    level = budgets.area.level
    districts = child_names(area=budgets.area, level="district") if level != "district" else {}
    regencies = child_names(area=budgets.area, level="regency") if level == "province" else {}
    columns = [Column(_("Code")), Column(_("Village"))]
    if level != "district":
        columns.append(Column(_("District")))
    if level == "province":
        columns.append(Column(_("Regency / city")))
    columns += [
        Column(_("Persons"), INT),
        Column(_("Vacant single posts"), INT),
        Column(_("Minimum programs")),
        *_cost_columns(),
        *[
            Column(_("Chosen, filled posts, a year, paid by %(payer)s") % {"payer": label}, RUPIAH)
            for label in _payer_labels().values()
        ],
    ]
    total = Budget(budgets.area.code, budgets.area.name)
    places = (level != "district") + (level == "province")

    def rows() -> Iterator[list]:
        nonlocal total
        for budget in budgets:
            total += budget
            where = [districts.get(budget.code[:8], "")] if level != "district" else []
            if level == "province":
                where.append(regencies.get(budget.code[:5], ""))
            yield [budget.code, budget.name, *where, *_figures(budget)]

    def footer() -> list:
        return ["", _("Total"), *[""] * places, *_figures(total)]

    return StreamTable(f"anggaran-{budgets.area.code}", columns, rows(), footer, len(budgets))


def _figures(budget: Budget) -> list:
    costs = budget.costs
    return [
        budget.people,
        budget.vacant,
        " + ".join(budget.min_programs),
        *[cost.monthly for cost in costs],
        *[cost.yearly for cost in costs],
        *[12 * budget.chosen.by_payer.get(payer, 0) for payer in PAYERS],
    ]


# --- Files ---------------------------------------------------------------------------------


def table_csv(table: StreamTable) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark; money and counts as plain integers; in chunks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([escape_cell(column.header) for column in table.columns])
    for number, row in enumerate(table.rows, start=1):
        writer.writerow([escape_cell(value) for value in row])
        if number % CSV_CHUNK_ROWS == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    writer.writerow([escape_cell(value) for value in table.footer()])
    yield out.getvalue().encode("utf-8")


NUMBER_FORMATS = {RUPIAH: RUPIAH_FORMAT, INT: INT_FORMAT}
# Widths in characters: write-only sheets cannot be measured after their rows are written.
WIDTHS = {TEXT: 28, INT: 10, RUPIAH: 18}


def table_xlsx(table: StreamTable) -> bytes:
    """One sheet: a bold, frozen header row; money in rupiah cells; the total row bold."""
    out = io.BytesIO()
    table_xlsx_write(out, table)
    return out.getvalue()


def table_xlsx_write(out: IO[bytes], table: StreamTable) -> None:
    """The workbook of `table_xlsx`, saved to `out` (a background job's file)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.slug[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column.kind]
    bold = Font(bold=True)
    sheet.append([_cell(sheet, escape_cell(c.header), font=bold) for c in table.columns])
    for row in table.rows:
        sheet.append(_cells(sheet, table.columns, row))
    sheet.append(_cells(sheet, table.columns, table.footer(), font=bold))
    workbook.save(out)


def _cells(sheet, columns: list[Column], row: list, font: Font | None = None) -> list:
    return [
        _cell(sheet, escape_cell(value), NUMBER_FORMATS.get(column.kind), font)
        for column, value in zip(columns, row, strict=True)
    ]


def _cell(sheet, value, number_format: str | None = None, font: Font | None = None):
    cell = WriteOnlyCell(sheet, value=None if value == "" else value)
    if number_format and isinstance(value, int):
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell
