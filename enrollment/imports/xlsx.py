"""The first worksheet of an XLSX workbook, read as a stream within the limits.

The zip directory is checked before anything is parsed. openpyxl reads the workbook's structure
(which sheet comes first, which cell styles are dates, the date system), each part it opens
under MAX_PART_BYTES; the shared strings and the sheet are parsed by `sheetxml.py`. openpyxl's
read-only sheets do not bound memory: they hold every shared string whole (a hundred 1 MB cells
took a worker to 2.4 GB), build each row as an element tree (a row of 100,000 cells is hundreds
of MB), and read 200,000 rows of inline strings in 70 s (about 10 s here).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import SHARED_STRINGS

from enrollment.imports import limits
from enrollment.imports.cells import Row
from enrollment.imports.limits import FileRefused, megabytes
from enrollment.imports.sheetxml import SharedStrings, read_strings, sheet_rows

# --- The archive ------------------------------------------------------------------------------


def check_archive(data: bytes) -> None:
    """Refuse, from the zip directory alone, a workbook that unpacks too big."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("The file is not a valid XLSX workbook.")) from None
    if unpacked > limits.MAX_UNPACKED_BYTES:
        raise FileRefused(
            _("The workbook unpacks to %(size)d MB; the limit is %(limit)d MB. Split it into "
              "smaller files or save it as CSV.")
            % {"size": megabytes(unpacked), "limit": megabytes(limits.MAX_UNPACKED_BYTES)}
        )  # fmt: skip
    ratio = unpacked / len(data)
    if unpacked > limits.RATIO_FLOOR_BYTES and ratio > limits.MAX_UNPACK_RATIO:
        raise FileRefused(
            _(
                "The workbook unpacks to %(size)d MB, out of proportion to its %(upload).1f MB: "
                "it is refused. Save the sheet again as a plain .xlsx or as CSV."
            )
            % {"size": unpacked // 1024 // 1024, "upload": len(data) / 1024 / 1024}
        )


class _Archive(zipfile.ZipFile):
    """The archive as openpyxl reads it for the structure: each part it opens is small."""

    def open(self, name: str | zipfile.ZipInfo, *args: Any, **kwargs: Any) -> IO[bytes]:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > limits.MAX_PART_BYTES:
            raise FileRefused(
                _("The workbook's part %(part)s unpacks to %(size)d MB; the limit is %(limit)d "
                  "MB. Save the sheet again as a plain .xlsx or as CSV.")
                % {"part": info.filename, "size": megabytes(info.file_size),
                   "limit": megabytes(limits.MAX_PART_BYTES)}
            )  # fmt: skip
        return super().open(name, *args, **kwargs)


class _Structure(ExcelReader):
    """openpyxl's reader kept to the structure: no shared strings, no sheet opened."""

    archive: zipfile.ZipFile

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), read_only=True, data_only=True)
        self.archive.close()
        self.archive = _Archive(io.BytesIO(data))
        self.strings_part: str | None = None
        self.first_sheet: str | None = None

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        self.strings_part = part.PartName[1:] if part is not None else None

    def read_worksheets(self) -> None:
        for _sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                self.first_sheet = rel.target
                return


class Workbook:
    """An XLSX file's first worksheet: its rows, read again at each call of `rows`."""

    def __init__(self, data: bytes) -> None:
        check_archive(data)
        self.data = data
        structure = _Structure(data)
        try:
            with warnings.catch_warnings():  # openpyxl warns of what it does not support
                warnings.simplefilter("ignore")
                structure.read()
        except FileRefused:
            raise
        except Exception:  # openpyxl raises many kinds on a damaged workbook
            raise FileRefused(_("The file is not a valid XLSX workbook.")) from None
        finally:
            structure.archive.close()
        if structure.first_sheet is None:
            raise FileRefused(_("The workbook has no worksheet."))
        workbook = structure.wb
        self.sheet, self.strings_part = structure.first_sheet, structure.strings_part
        self.date_styles = {str(style) for style in workbook._date_formats}
        self.timedelta_styles = {str(style) for style in workbook._timedelta_formats}
        self.epoch = workbook.epoch
        self._strings: SharedStrings | None = None

    def rows(self, min_row: int = 1, max_row: int | None = None) -> Iterator[Row]:
        """(row number, cells) of the rows numbered min_row to max_row that the sheet holds;
        a row missing from the sheet is blank and not given."""
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            strings = self._shared_strings(archive)
            with archive.open(self.sheet) as stream:
                for number, cells in sheet_rows(stream, strings, self):
                    if max_row is not None and number > max_row:
                        return
                    if number >= min_row:
                        yield number, cells

    def row_elements(self) -> int:
        """How many row elements the sheet has, counted in its bytes (no parsing): at least
        as many as its rows that are not blank."""
        count, tail = 0, b""
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive, archive.open(self.sheet) as stream:
            while chunk := stream.read(1024 * 1024):
                text = tail + chunk
                count += text.count(b"<row") + text.count(b":row")  # x:row, with a prefix
                tail = text[-4:]
                count -= tail.count(b"<row") + tail.count(b":row")  # counted with the next
        return count + tail.count(b"<row") + tail.count(b":row")

    def _shared_strings(self, archive: zipfile.ZipFile) -> SharedStrings:
        if self._strings is None:
            self._strings = SharedStrings()
            if self.strings_part in archive.namelist():
                info = archive.getinfo(self.strings_part)
                if info.file_size > limits.MAX_SHARED_STRINGS_BYTES:
                    raise FileRefused(
                        _("The workbook's text cells unpack to %(size)d MB; the limit is "
                          "%(limit)d MB. Save the sheet again as a plain .xlsx or as CSV.")
                        % {"size": megabytes(info.file_size),
                           "limit": megabytes(limits.MAX_SHARED_STRINGS_BYTES)}
                    )  # fmt: skip
                with archive.open(info) as stream:
                    read_strings(stream, self._strings)
        return self._strings
