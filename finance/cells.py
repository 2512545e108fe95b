"""The cells of a finance file (shared/spec/finance-import.md): years, area codes, groups,
programs, rupiah and counts. Each parser returns the value or raises `CellError` saying what
would have been accepted; nothing is guessed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from enrollment.imports.cells import Cell, CellError, Overlong, cell_text, is_number
from finance.models import YEAR_MAX, YEAR_MIN, Group, Program

# "500 juta", "1,5 miliar": a number (comma for decimals, dots grouping thousands) and a word.
SCALES = {"juta": 10**6, "miliar": 10**9}
_SCALED = re.compile(
    r"^(\d{1,3}(?:\.\d{3})*|\d+)(?:,(\d+))?\s*(juta|miliar)$", re.IGNORECASE | re.ASCII
)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CODE = re.compile(r"^(\d{2})(?:\.?(\d{2}))?$", re.ASCII)
_DIGITS = re.compile(r"^\d+$", re.ASCII)
# Far above any real figure (a quintillion rupiah), and inside a 64-bit integer column.
MAX_RUPIAH = 10**18
MAX_COUNT = 2_000_000_000


def _text(raw: Cell) -> str:
    if isinstance(raw, Overlong):
        raise CellError(_("at most 1,000 characters"))
    return cell_text(raw)


def parse_year(raw: Cell) -> int:
    expected = _("a year from %(first)d to %(last)d, e.g. 2023") % {
        "first": YEAR_MIN,
        "last": YEAR_MAX,
    }
    if is_number(raw):
        if raw != int(raw):
            raise CellError(expected)
        year = int(raw)
    else:
        text = _text(raw)
        if not _DIGITS.match(text):
            raise CellError(expected)
        year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise CellError(expected)
    return year


def parse_area_code(raw: Cell) -> str:
    """A regency's or province's code, dotted: `33.02`, `3302` → "33.02"; `33` → "33"."""
    match = _CODE.match(_text(raw)) if not is_number(raw) else None
    if is_number(raw) and raw == int(raw) and 10 <= raw <= 9999:
        match = _CODE.match(str(int(raw)))
    if match is None:
        raise CellError(_("a regency or province code, e.g. 33.02, 3302 or 33"))
    province, regency = match.groups()
    return f"{province}.{regency}" if regency else province


def _choice(raw: Cell, choices: type[Group] | type[Program]) -> str:
    value = _text(raw).upper()
    if value not in choices.values:
        raise CellError(_("one of %(values)s") % {"values": ", ".join(choices.values)})
    return value


def parse_group(raw: Cell) -> str:
    return _choice(raw, Group)


def parse_program(raw: Cell) -> str:
    return _choice(raw, Program)


def parse_rupiah(raw: Cell) -> int:
    amount = _rupiah(raw)
    if amount > MAX_RUPIAH:
        raise CellError(_("at most Rp 1.000.000.000.000.000.000"))
    return amount


def _rupiah(raw: Cell) -> int:
    """Whole rupiah ≥ 0: `500000000`, `Rp 500.000.000`, `500 juta`, `1,5 miliar`; an XLSX
    number that is whole. Anything else (minus signs, decimal cents, `500,000,000`) is
    refused rather than guessed."""
    expected = _(
        "whole rupiah of 0 or more, e.g. 500000000, Rp 500.000.000, 500 juta or 1,5 miliar"
    )
    if is_number(raw):
        if raw < 0 or raw != int(raw):
            raise CellError(expected)
        return int(raw)
    text = _SPACES.sub(" ", _text(raw)).strip()
    if text[:2].lower() == "rp":
        text = text[2:].lstrip(" .")
    scaled = _SCALED.match(text)
    if scaled:
        whole, fraction, word = scaled.groups()
        try:
            amount = Decimal(f"{whole.replace('.', '')}.{fraction or 0}") * SCALES[word.lower()]
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            raise CellError(expected) from None
        if amount != amount.to_integral_value():
            raise CellError(expected)
        return int(amount)
    digits = text.replace(".", "").replace(" ", "")
    if not _DIGITS.match(digits) or (text.count(".") and not _grouped(text.replace(" ", ""))):
        raise CellError(expected)
    return int(digits)


def _grouped(text: str) -> bool:
    """Dots grouping thousands: `500.000.000`, not `5.00` (a decimal written with a dot)."""
    return re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text, re.ASCII) is not None


def parse_count(raw: Cell) -> int | None:
    """A whole number ≥ 0, or None for an empty cell."""
    count = _count(raw)
    if count is not None and count > MAX_COUNT:
        raise CellError(_("at most 2.000.000.000"))
    return count


def _count(raw: Cell) -> int | None:
    expected = _("a whole number of 0 or more, or empty")
    if raw is None:
        return None
    if is_number(raw):
        if raw < 0 or raw != int(raw):
            raise CellError(expected)
        return int(raw)
    text = _text(raw).replace(".", "")
    if text == "":
        return None
    if not _DIGITS.match(text):
        raise CellError(expected)
    return int(text)
