"""Reading a roster file: CSV (UTF-8 with or without BOM, else Windows-1252; `,` `;` or tab) or
the first worksheet of an XLSX, within the contract's limits, refused before any row is read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A real roster XLSX unpacks to 5-20 times its size; a zip bomb to hundreds or thousands.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_UNPACK_RATIO = 100
RATIO_FLOOR_BYTES = 10 * 1024 * 1024  # tiny files may compress well without harm
DELIMITERS = (",", ";", "\t")

Row = tuple[int, Sequence]  # (row number as the spreadsheet shows it, cells)


class FileRefused(Exception):
    """The whole file cannot be imported; the message says why and what to do."""


@dataclass
class Table:
    """A file's header and a way to read its data rows (again, for the rejected-rows file)."""

    kind: str  # "csv" or "xlsx"
    header: list[str]
    data: bytes
    delimiter: str = ","

    def rows(self) -> Iterator[Row]:
        """Data rows with their row numbers (the header is row 1); blank rows included."""
        if self.kind == "xlsx":
            return _xlsx_rows(self.data)
        return _csv_rows(_decode(self.data), self.delimiter)


def read_table(data: bytes, file_name: str) -> Table:
    """The file's table, or FileRefused when it is too big, of the wrong kind or unreadable."""
    if len(data) > MAX_BYTES:
        raise FileRefused(
            _("The file is %(size).1f MB; the limit is 20 MB. Split it into smaller files.")
            % {"size": len(data) / 1024 / 1024}
        )
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or file_name.lower().endswith((".xls", ".ods")):
        raise FileRefused(_("Only CSV and XLSX files can be imported: save the file as .xlsx."))
    return _read_csv(data)


# --- CSV --------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileRefused(
            _("The file is not UTF-8 or Windows-1252 text: save it as CSV UTF-8 or as .xlsx.")
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileRefused(
            _("The file is not UTF-8 or Windows-1252 text: save it as CSV UTF-8 or as .xlsx.")
        ) from None


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    delimiter = _delimiter(text.split("\n", 1)[0])
    if text.count("\n") > MAX_ROWS:  # else there cannot be too many rows
        _check_csv_row_count(text, delimiter)
    header = _first_row(_csv_reader(text, delimiter))
    return Table(kind="csv", header=header, data=data, delimiter=delimiter)


def _csv_reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _first_row(reader) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(_("The file is empty.")) from None
    except csv.Error as error:
        raise FileRefused(_("Row 1 cannot be read as CSV: %(error)s") % {"error": error}) from None
    return ["" if cell is None else str(cell) for cell in header]


def _check_csv_row_count(text: str, delimiter: str) -> None:
    """Exact count when the line count says the file may be too long (cells may hold line
    breaks); trailing blank rows do not count."""
    last = 0
    try:
        for number, cells in enumerate(_csv_reader(text, delimiter), start=1):
            if any(cell.strip() for cell in cells):
                last = number
    except csv.Error:
        return  # reported with its row number while reading
    _refuse_if_too_long(last - 1)


def _refuse_if_too_long(rows: int) -> None:
    if rows > MAX_ROWS:
        raise FileRefused(
            _("The file has %(rows)s rows; the limit is 200,000. Split it into smaller files.")
            % {"rows": f"{rows:,}"}
        )


def refuse_past_the_limit(rows_read: int) -> None:
    """While reading: the counts above trust what a file says of itself (an XLSX's declared
    size) or give up on a malformed CSV, so the reader of the rows checks again."""
    if rows_read > MAX_ROWS:
        raise FileRefused(_("The file has more than 200,000 rows. Split it into smaller files."))


def _csv_rows(text: str, delimiter: str) -> Iterator[Row]:
    reader = _csv_reader(text, delimiter)
    number = 1
    try:
        next(reader, None)
        for number, cells in enumerate(reader, start=2):  # noqa: B007 - used after the loop
            yield number, cells
    except csv.Error as error:
        raise FileRefused(
            _("Row %(row)d cannot be read as CSV: %(error)s") % {"row": number + 1, "error": error}
        ) from None


# --- XLSX -------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("The file is not a valid XLSX workbook.")) from None
    ratio = unpacked / len(data)
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > RATIO_FLOOR_BYTES and ratio > MAX_UNPACK_RATIO):
        raise FileRefused(
            _(
                "The workbook unpacks to %(size)d MB, out of proportion to its %(upload).1f MB: "
                "it is refused. Save the sheet again as a plain .xlsx or as CSV."
            )
            % {"size": unpacked // 1024 // 1024, "upload": len(data) / 1024 / 1024}
        )


def _open_sheet(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise FileRefused(_("The file is not a valid XLSX workbook.")) from None
    if not workbook.worksheets:
        raise FileRefused(_("The workbook has no worksheet."))
    return workbook, workbook.worksheets[0]


def _read_xlsx(data: bytes) -> Table:
    _check_zip(data)
    workbook, sheet = _open_sheet(data)
    try:
        declared = sheet.max_row  # what the file says of its size: a fast check only
        sheet.reset_dimensions()
        if declared is None or declared > MAX_ROWS + 1:
            last = 0
            for number, cells in _sheet_rows(sheet, min_row=1):
                if any(_filled(cell) for cell in cells):
                    last = number
            _refuse_if_too_long(last - 1)
        header_row = next((cells for _number, cells in _sheet_rows(sheet, max_row=1)), None)
    finally:
        workbook.close()
    if header_row is None:
        raise FileRefused(_("The file is empty."))
    header = ["" if cell is None else str(cell) for cell in header_row]
    return Table(kind="xlsx", header=header, data=data)


def _filled(cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    workbook, sheet = _open_sheet(data)
    try:
        # Every row and column there is, not the size the file declares: read-only openpyxl
        # stops at the declared size, and a file that understates it would lose rows silently
        # (the plan refuses past the limit as it reads).
        sheet.reset_dimensions()
        yield from _sheet_rows(sheet, min_row=2)
    finally:
        workbook.close()


def _sheet_rows(sheet, min_row: int = 1, max_row: int | None = None) -> Iterator[Row]:
    """The sheet's rows with their numbers. The sheet's XML is parsed as it is read, so a
    damaged sheet fails here, row by row: refused with the row it broke at, never a 500."""
    number = min_row - 1
    try:
        rows = sheet.iter_rows(min_row=min_row, max_row=max_row, values_only=True)
        for number, cells in enumerate(rows, start=min_row):  # noqa: B007 - used below
            yield number, cells
    except Exception:  # openpyxl and the XML parser raise many kinds on a damaged sheet
        raise FileRefused(
            _("The workbook is damaged after row %(row)d: save it again as .xlsx or as CSV.")
            % {"row": number}
        ) from None


def is_blank(cells: Sequence) -> bool:
    """A row whose cells are all empty: skipped, but still counted in row numbers."""
    return not any(_filled(cell) for cell in cells)
