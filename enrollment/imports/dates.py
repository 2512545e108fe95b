"""Date cells of a roster file: the formats the roster import contract lists, day first with a
4-digit year, Indonesian or English month names, real XLSX date cells; and, for the paid-until
column, a month meaning its last day. Nothing is guessed: anything else is a CellError."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from enrollment.imports.cells import Cell, CellError, cell_text, is_number
from villages.dates import month_end

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MIN_YEAR, MAX_YEAR = 1900, 2100

MONTHS = {
    **dict.fromkeys(["januari", "january", "jan"], 1),
    **dict.fromkeys(["februari", "pebruari", "february", "feb", "peb"], 2),
    **dict.fromkeys(["maret", "march", "mar"], 3),
    **dict.fromkeys(["april", "apr"], 4),
    **dict.fromkeys(["mei", "may"], 5),
    **dict.fromkeys(["juni", "june", "jun"], 6),
    **dict.fromkeys(["juli", "july", "jul"], 7),
    **dict.fromkeys(["agustus", "august", "agt", "agu", "ags", "aug"], 8),
    **dict.fromkeys(["september", "sept", "sep"], 9),
    **dict.fromkeys(["oktober", "october", "okt", "oct"], 10),
    **dict.fromkeys(["november", "nopember", "nov", "nop"], 11),
    **dict.fromkeys(["desember", "december", "des", "dec"], 12),
}
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_RE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_NAMED_RE = re.compile(r"(\d{1,2})[ -]([^\W\d_]+)\.?[ -](\d{4})")
_SHORT_YEAR_RE = re.compile(r"\d{1,2}([/.-])(\d{1,2}|[^\W\d_]+)\1\d{2}|\d{1,2} [^\W\d_]+ \d{2}")
_MONTH_NUM_RE = re.compile(r"(\d{4})[-/](\d{1,2})|(\d{1,2})[/.-](\d{4})")
_MONTH_NAMED_RE = re.compile(r"([^\W\d_]+)\.?[ -](\d{4})")

DATE_EXPECTED = _(
    "a date such as 24/04/2024, 2024-04-24 or 24 April 2024 (day first, 4-digit year)"
)
MONTH_EXPECTED = _(
    "a date such as 24/04/2024 or 2024-04-24, or a month such as 2026-12, 12/2026 or "
    "Desember 2026 (meaning its last day)"
)


def _make_date(year: int, month: int, day: int) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(
            _("a date between %(min)d and %(max)d") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(_("a date that exists (day first: DD/MM/YYYY)")) from None


def _cell_date(raw: Cell) -> dt.date | None:
    """A real date cell from an XLSX, or None when the cell holds something else."""
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0, 0):
            raise CellError(_("a date without a time of day"))
        return _make_date(raw.year, raw.month, raw.day)
    if isinstance(raw, dt.date):
        return _make_date(raw.year, raw.month, raw.day)
    if is_number(raw) or isinstance(raw, bool | dt.time):
        raise CellError(_("a date cell or a date as text, not a number"))
    return None


@lru_cache(maxsize=4096)
def _text_date(text: str) -> dt.date | None:
    """The date a text says, None when it has no date shape; CellError when it is wrong."""
    if match := _ISO_RE.fullmatch(text):
        year, month, day = match.groups()
        return _make_date(int(year), int(month), int(day))
    if match := _DMY_RE.fullmatch(text):
        day, _sep, month, year = match.groups()
        return _make_date(int(year), int(month), int(day))
    if match := _NAMED_RE.fullmatch(text):
        day, name, year = match.groups()
        month = MONTHS.get(name.casefold())
        if month is None:
            raise CellError(_("a month name such as Januari, Mei, Agustus or Des"))
        return _make_date(int(year), month, int(day))
    if _SHORT_YEAR_RE.fullmatch(text):
        raise CellError(_("a 4-digit year (24/04/2024): 2-digit years are not guessed"))
    return None


def parse_date(raw: Cell) -> dt.date | None:
    return _parse(raw, _text_date, DATE_EXPECTED)


@lru_cache(maxsize=4096)
def _text_month_end(text: str) -> dt.date | None:
    if match := _MONTH_NUM_RE.fullmatch(text):
        year = int(match.group(1) or match.group(4))
        month = int(match.group(2) or match.group(3))
    elif match := _MONTH_NAMED_RE.fullmatch(text):
        named = MONTHS.get(match.group(1).casefold())
        if named is None:
            raise CellError(_("a month name such as Januari, Mei, Agustus or Des"))
        month, year = named, int(match.group(2))
    else:
        return None
    if not 1 <= month <= 12:
        raise CellError(_("a month between 1 and 12 (2026-12 or 12/2026)"))
    _make_date(year, month, 1)  # the year's range
    return month_end(dt.date(year, month, 1))


def parse_date_or_month(raw: Cell) -> dt.date | None:
    """A date, or a month meaning its last day (`2026-12`, `Desember 2026`)."""
    return _parse(raw, lambda text: _text_date(text) or _text_month_end(text), MONTH_EXPECTED)


def _parse(
    raw: Cell, from_text: Callable[[str], dt.date | None], expected: StrOrPromise
) -> dt.date | None:
    """A date cell as it is; text read by `from_text`; an empty cell is None; anything else
    is a row error saying what was `expected`."""
    day = _cell_date(raw)
    if day is not None:
        return day
    text = cell_text(raw)
    if not text:
        return None
    day = from_text(text)
    if day is None:
        raise CellError(expected)
    return day
    text = cell_text(raw)
    if not text:
        return None
    day = _text_date(text) or _text_month_end(text)
    if day is None:
        raise CellError(MONTH_EXPECTED)
    return day
