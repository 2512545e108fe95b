"""Blank roster templates: a CSV header, and an XLSX whose NIK and KPJ columns are text and whose
second sheet lists the post codes, programs and funding sources."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from enrollment.imports.columns import COLUMNS, HEADER
from enrollment.models import Membership, Program
from villages.categories import CATEGORIES

TEXT_COLUMNS = ("nik", "kpj_number")
DATE_COLUMNS = ("term_start", "term_end", "enrolled_on", "paid_until")
# Empty rows pre-formatted as text, so a NIK typed into them stays 16 digits.
FORMATTED_ROWS = 1000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FUNDING_ALIASES = {"APBDES": "Dana Desa, ADD"}


def template_csv() -> bytes:
    """The header row, UTF-8 with a byte-order mark (Excel then reads names correctly)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(HEADER)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "roster"
    roster_sheet_setup(sheet)
    for number in range(2, FORMATTED_ROWS + 2):
        for position, column in enumerate(COLUMNS, start=1):
            if column.key in TEXT_COLUMNS:
                sheet.cell(row=number, column=position).number_format = "@"
    _codes_sheet(workbook.create_sheet("kode"))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def roster_sheet_setup(sheet: Worksheet) -> None:
    """Header in bold, widths, text format for NIK and KPJ and date format for dates."""
    sheet.append(HEADER)
    for position, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=position).font = Font(bold=True)
        dimension = sheet.column_dimensions[get_column_letter(position)]
        dimension.width = max(len(column.name) + 2, 14)
        if column.key in TEXT_COLUMNS:
            dimension.number_format = "@"
            dimension.width = 20
        elif column.key in DATE_COLUMNS:
            dimension.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"


def _codes_sheet(sheet: Worksheet) -> None:
    def heading(*values: object) -> None:
        sheet.append(list(values))
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)

    programs = list(Program.objects.order_by("order", "code").values_list("code", "name"))
    heading(_("Column"), _("Required"), _("Accepted values"))
    for column in COLUMNS:
        required = _("yes") if column.required else ""
        accepts = str(column.accepts)
        if column.key == "programs":  # the programs in the database
            accepts %= {"programs": ", ".join(code for code, _name in programs)}
        sheet.append([f"{column.name} ({column.alias})", required, accepts])
    sheet.append([])
    heading(_("Post code"), _("Indonesian label"), _("Category"), _("Also accepted"))
    for category in CATEGORIES:
        for post in category.posts:
            sheet.append([post.code, post.names[0], category.code, ", ".join(post.names[1:])])
    sheet.append([])
    heading(_("Program"), _("Name"))
    for code, name in programs:
        sheet.append([code, name])
    sheet.append([])
    heading(_("Funding source"), _("Label"), _("Also accepted"))
    for code, label in Membership.Funding.choices:
        sheet.append([code, str(label), FUNDING_ALIASES.get(code, "")])
    for letter, width in zip("ABCD", (34, 28, 60, 40), strict=True):
        sheet.column_dimensions[letter].width = width
