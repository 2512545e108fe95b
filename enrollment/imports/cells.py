"""What every column parser shares: the error a cell raises, and reading a raw cell (text from a
CSV; text, a number, a date or None from an XLSX)."""

from __future__ import annotations

import datetime as dt

from django.utils.functional import Promise


class CellError(Exception):
    """A cell that cannot be read; `expected` says what would have been accepted."""

    def __init__(self, expected: str | Promise):
        super().__init__(str(expected))
        self.expected = str(expected)


def display(raw) -> str:
    """A raw cell as the user sees it, for "found" in an error report."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return f"{raw:.0f}"
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


def cell_text(raw) -> str:
    """A text cell, trimmed; a number cell is refused by the callers that care."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    return display(raw)


def is_number(raw) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool)
