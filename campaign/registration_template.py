"""Blank registrations templates: a CSV header, and an XLSX whose second sheet lists the
columns and the channels."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from campaign.models import Channel
from campaign.registration_columns import COLUMNS, HEADER

# Empty rows whose code columns are pre-formatted as text, so a village code keeps its dots.
FORMATTED_ROWS = 1000
TEXT_COLUMNS = ("village", "agent", "channel")


def template_csv() -> bytes:
    """The header row, UTF-8 with a byte-order mark (Excel then reads names correctly)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(HEADER)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "pendaftaran"
    sheet.append(HEADER)
    for position, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=position).font = Font(bold=True)
        dimension = sheet.column_dimensions[get_column_letter(position)]
        dimension.width = 18
        if column.key in TEXT_COLUMNS:
            dimension.number_format = "@"
            for number in range(2, FORMATTED_ROWS + 2):
                sheet.cell(row=number, column=position).number_format = "@"
        elif column.key == "date":
            dimension.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    codes = workbook.create_sheet("kode")
    codes.append([_("Column"), _("Required"), _("Accepted values")])
    for column in COLUMNS:
        required = _("yes") if column.required else ""
        codes.append([f"{column.name} ({column.alias})", required, str(column.accepts)])
    codes.append([])
    codes.append([_("Channel"), _("Meaning")])
    for code, label in Channel.choices:
        codes.append([code, str(label)])
    for row in codes.iter_rows():
        if row[0].value in (_("Column"), _("Channel")):
            for cell in row:
                cell.font = Font(bold=True)
    for letter, width in zip("ABC", (30, 28, 64), strict=True):
        codes.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
