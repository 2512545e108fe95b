"""Reading a roster file: CSV (UTF-8 with or without BOM, else Windows-1252; `,` `;` or tab) or
the first worksheet of an XLSX (`xlsx.py`), within the limits of `limits.py`: a file over one is
refused before any row is planned, and every pass over the rows is a stream.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from enrollment.imports import limits
from enrollment.imports.cells import Cell, Overlong, Row, cut
from enrollment.imports.limits import MAX_BYTES, FileRefused, refuse_past_the_limit
from enrollment.imports.xlsx import Workbook

__all__ = ["MAX_BYTES", "FileRefused", "Row", "Table", "is_blank", "read_table",
           "refuse_past_the_limit", "rows_at_most"]  # fmt: skip

DELIMITERS = (",", ";", "\t")
# csv's own limit on a field (128 KB) would refuse the whole file with an English message; a
# cell over MAX_CELL_CHARS is a row error instead. A field cannot be longer than the file.
csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))


@dataclass
class Table:
    """A file's header and a way to read its data rows (again, for the rejected-rows file)."""

    kind: str  # "csv" or "xlsx"
    header: list[str]
    data: bytes
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    workbook: Workbook | None = None

    def rows(self) -> Iterator[Row]:
        """Data rows with their row numbers (the header is row 1); blank rows may be given.
        A cell over MAX_CELL_CHARS comes as an Overlong."""
        if self.workbook is not None:
            return self.workbook.rows(min_row=2)
        return _csv_rows(self.data, self.encoding, self.delimiter)


def read_table(data: bytes, file_name: str) -> Table:
    """The file's table, or FileRefused when it is too big, of the wrong kind or unreadable."""
    if len(data) > limits.MAX_BYTES:
        raise FileRefused(
            _("The file is %(size).1f MB; the limit is 20 MB. Split it into smaller files.")
            % {"size": len(data) / 1024 / 1024}
        )
    if not data or data.isspace():
        raise FileRefused(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or file_name.lower().endswith((".xls", ".ods")):
        raise FileRefused(_("Only CSV and XLSX files can be imported: save the file as .xlsx."))
    else:
        table = _read_csv(data)
    _check_row_count(table)
    return table


def rows_at_most(data: bytes) -> int:
    """At most how many data rows the file has, counted in its bytes without parsing them:
    its line breaks (CSV) or row elements (XLSX), less the header's. Milliseconds for 20 MB
    of CSV; an XLSX's sheet is unpacked, not parsed. 0 for a workbook that cannot be opened
    (reading it refuses it at once)."""
    if data.startswith(b"PK\x03\x04"):
        try:
            return max(Workbook(data).row_elements() - 1, 0)
        except Exception:  # noqa: BLE001 - whatever it is, reading the file says it clearly
            return 0
    lines = max(data.count(b"\n"), data.count(b"\r"))
    if data and not data.endswith((b"\n", b"\r")):
        lines += 1  # the last line has no break
    return max(lines - 1, 0)


def _check_header(header: Sequence[Cell]) -> list[str]:
    for position, cell in enumerate(header):
        if isinstance(cell, Overlong):
            raise FileRefused(
                _("Row 1 (the header), column %(column)s: %(length)d characters; a cell holds at "
                  "most %(limit)d.")
                % {"column": get_column_letter(position + 1), "length": cell.length,
                   "limit": limits.MAX_CELL_CHARS}
            )  # fmt: skip
    return ["" if cell is None else str(cell) for cell in header]


def _check_row_count(table: Table) -> None:
    """Refuse a file of more than MAX_ROWS rows that are not blank, counting no further than
    the first row past the limit (a file of a million rows is refused in seconds). A file
    whose line breaks or row elements are few enough cannot have too many rows: not read."""
    if table.workbook is not None:
        most = table.workbook.row_elements() - 1  # the header is one
    else:
        most = max(table.data.count(b"\n"), table.data.count(b"\r"))
    if most <= limits.MAX_ROWS:
        return
    rows = 0
    for _number, cells in table.rows():
        if not is_blank(cells):
            rows += 1
            refuse_past_the_limit(rows)


# --- CSV --------------------------------------------------------------------------------------


def _encoding(data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped) when the bytes are UTF-8, else Windows-1252;
    checked a megabyte at a time, never decoded whole."""
    if b"\x00" in data:
        raise FileRefused(
            _("The file is not UTF-8 or Windows-1252 text: save it as CSV UTF-8 or as .xlsx.")
        )
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1024 * 1024):
                decoder.decode(data[start : start + 1024 * 1024])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(
        _("The file is not UTF-8 or Windows-1252 text: save it as CSV UTF-8 or as .xlsx.")
    )


def _text(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The text, decoded as it is read; line breaks (LF, CRLF or CR) left to csv."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    encoding = _encoding(data)
    if encoding == "cp1252" and data.startswith(codecs.BOM_UTF8):
        data = data[3:]  # a byte-order mark before bytes that are not UTF-8 after all
    delimiter = _delimiter(_text(data, encoding).readline(64 * 1024))
    reader = csv.reader(_text(data, encoding), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(_("The file is empty.")) from None
    except csv.Error as error:
        raise FileRefused(_("Row 1 cannot be read as CSV: %(error)s") % {"error": error}) from None
    header = _check_header([cut(cell) for cell in header])
    return Table(kind="csv", header=header, data=data, delimiter=delimiter, encoding=encoding)


def _csv_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[Row]:
    reader = csv.reader(_text(data, encoding), delimiter=delimiter)
    number = 1
    try:
        next(reader, None)
        for number, cells in enumerate(reader, start=2):  # noqa: B007 - used after the loop
            if cells and max(map(len, cells)) > limits.MAX_CELL_CHARS:
                cells = [cut(cell) for cell in cells]  # the long cell is not kept whole
            yield number, cells
    except csv.Error as error:
        raise FileRefused(
            _("Row %(row)d cannot be read as CSV: %(error)s") % {"row": number + 1, "error": error}
        ) from None


# --- XLSX -------------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> Table:
    workbook = Workbook(data)
    first = next(workbook.rows(max_row=1), None)
    if first is None and next(workbook.rows(), None) is None:
        raise FileRefused(_("The file is empty."))
    header = _check_header(first[1] if first else ())
    return Table(kind="xlsx", header=header, data=data, workbook=workbook)


def _filled(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def is_blank(cells: Sequence[Cell]) -> bool:
    """A row whose cells are all empty: skipped, but still counted in row numbers."""
    return not any(_filled(cell) for cell in cells)
