"""What every column parser shares: the error a cell raises, and reading a raw cell (text from a
CSV; text, a number, a date or None from an XLSX)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeGuard

from django.utils.functional import Promise

from enrollment.imports import limits

# A cell as the readers give it: text from a CSV; text (an Overlong when it is too long), a
# number, a boolean, a date or time, or None from an XLSX.
Cell = str | int | float | dt.date | dt.time | dt.timedelta | None
Row = tuple[int, Sequence[Cell]]  # (row number as the spreadsheet shows it, cells)


class CellError(Exception):
    """A cell that cannot be read; `expected` says what would have been accepted."""

    def __init__(self, expected: str | Promise) -> None:
        super().__init__(str(expected))
        self.expected = str(expected)


class Overlong(str):
    """A cell longer than MAX_CELL_CHARS, as the readers keep it: its first MAX_CELL_CHARS
    characters (the rest is never held), and its full length."""

    length: int

    def __new__(cls, text: str, length: int) -> Overlong:
        cell = super().__new__(cls, text[: limits.MAX_CELL_CHARS])
        cell.length = length
        return cell


def cut(text: str) -> Overlong | str:
    """A cell of text as the readers keep it: an Overlong when it is over the limit."""
    return Overlong(text, len(text)) if len(text) > limits.MAX_CELL_CHARS else text


def echo(text: str) -> str:
    """A value as a report repeats it: a long one cut to a short prefix."""
    return text if len(text) <= limits.ECHO_CHARS else text[: limits.ECHO_CHARS] + "…"


def display(raw: Cell) -> str:
    """A raw cell as the user sees it, for "found" in an error report."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return f"{raw:.0f}"
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


def cell_text(raw: Cell) -> str:
    """A text cell, trimmed; a number cell is refused by the callers that care."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    return display(raw)


def is_number(raw: object) -> TypeGuard[int | float]:
    return isinstance(raw, int | float) and not isinstance(raw, bool)
