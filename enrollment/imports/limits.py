"""How big a roster file may be, in every dimension a file can grow in.

A worker reading a file within these limits stays under 300 MB (bench/bench_import.py measures
hostile files at them). The limits are read as `limits.NAME` at run time, so that tests can
lower them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# A cell longer than this is a row error. Excel holds at most 32,767 characters; the longest
# column a roster needs is a name (150). The rejected-rows file cuts longer cells to this.
MAX_CELL_CHARS = 1000
# What a report shows of a value it echoes ("found …"): a long value is cut to this prefix.
ECHO_CHARS = 50
# XLSX, from the zip directory before anything is parsed. A roster of 200,000 rows written
# with inline strings unpacks to about 150 MB; its shared strings, when Excel writes them,
# to some 20-30 MB. The sheet is parsed as it is unpacked; shared strings are held (cut).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
# The parts openpyxl parses whole for the workbook's structure (styles, workbook, manifest).
MAX_PART_BYTES = 8 * 1024 * 1024
# A real roster XLSX unpacks to 5-20 times its size; a zip bomb to hundreds or thousands.
MAX_UNPACK_RATIO = 100
RATIO_FLOOR_BYTES = 10 * 1024 * 1024  # tiny files may compress well without harm
# The rejected-rows file must be small enough to upload again.
MAX_REJECTED_BYTES = MAX_BYTES


class FileRefused(Exception):
    """The whole file cannot be imported; the message says why and what to do."""


def refuse_past_the_limit(rows_read: int) -> None:
    """Refuse once more than MAX_ROWS rows that are not blank have been read."""
    if rows_read > MAX_ROWS:
        raise FileRefused(
            _("The file has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": f"{MAX_ROWS:,}"}
        )


def megabytes(size: int) -> int:
    """Whole megabytes, rounded up: a part 1 byte over a 64 MB limit is "65 MB"."""
    return -(-size // (1024 * 1024))
