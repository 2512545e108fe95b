"""An import's report (counts, errors, warnings, replacements) as data, as text for the command,
and the rejected rows as a file in the same format with an `error` column."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any, Protocol

from django.utils.translation import gettext as _

from enrollment.exports import escape_cell
from enrollment.imports import limits
from enrollment.imports.cells import Cell, Overlong, display
from enrollment.imports.limits import FileRefused, megabytes
from enrollment.imports.plan import Plan
from enrollment.imports.reader import Table
from enrollment.imports.rows import RowError

# What the admin keeps and shows of long lists; the rejected file holds every error.
SHOWN = 1000


class Rejections(Protocol):
    """What the rejected-rows file reads of a plan (a roster's, or another import's)."""

    invalid_rows: set[int]
    errors: list[RowError]


def report_data(plan: Plan, limit: int | None = SHOWN) -> dict[str, Any]:
    """The report as JSON-ready data; lists cut at `limit` items (their totals are kept)."""
    counts = plan.counts
    return {
        "counts": {
            "rows": counts.rows,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "invalid": counts.invalid,
            "errors": len(plan.errors),
            "warnings": len(plan.warnings),
            "replacements": len(plan.replacements),
            "changes": plan.changes.count,
            "changes_listed": plan.changes.kept,
        },
        "errors": [[e.row, e.column, e.found, e.expected] for e in plan.errors[:limit]],
        "warnings": [[w.row, w.message] for w in plan.warnings[:limit]],
        "replacements": [
            [r.row, r.village, r.post, r.unit, r.previous, r.ended_on.isoformat(), r.holder]
            for r in plan.replacements[:limit]
        ],
    }


def report_text(report: dict[str, Any]) -> list[str]:
    """The report as lines of text, for the command."""
    c = report["counts"]
    lines = [
        _("Rows: %(rows)d (blank rows not counted)") % c,
        _(
            "Created: %(created)d  Updated: %(updated)d  Unchanged: %(unchanged)d  "
            "Invalid: %(invalid)d"
        )
        % c,
        _("Warnings: %(warnings)d  Replacements of single-holder posts: %(replacements)d") % c,
    ]
    if report["replacements"]:
        lines.append(_("Replacements:"))
        for row, village, post, unit, previous, ended_on, holder in report["replacements"]:
            where = f"{village} {post}" + (f" {unit}" if unit else "")
            lines.append(
                "  "
                + _(
                    "row %(row)d: %(where)s — %(previous)s's term ends on %(ended)s; "
                    "new holder %(holder)s"
                )
                % {"row": row, "where": where, "previous": previous, "ended": _dmy(ended_on),
                   "holder": holder}
            )  # fmt: skip
    if report["warnings"]:
        lines.append(_("Warnings:"))
        lines += [f"  {_row_label(row)}: {message}" for row, message in report["warnings"]]
    if report["errors"]:
        lines.append(_("Errors:"))
        lines += [
            "  "
            + _("row %(row)d, column %(column)s: found “%(found)s”, expected %(expected)s")
            % {"row": row, "column": column, "found": found, "expected": expected}
            for row, column, found, expected in report["errors"]
        ]
    return lines


def _row_label(row: int) -> str:
    return _("file") if row == 0 else _("row %(row)d") % {"row": row}


def _dmy(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def _cell(value: Cell) -> str:
    if isinstance(value, Overlong):
        value += "…"  # still over the limit: the row stays invalid until the cell is fixed
    elif isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date) else display(value)
    return escape_cell(text)


def _reason(error: RowError) -> str:
    return _("row %(row)d, %(column)s: expected %(expected)s (found “%(found)s”)") % {
        "row": error.row, "column": error.column, "expected": error.expected,
        "found": error.found,
    }  # fmt: skip


def rejected_csv(table: Table, plan: Rejections) -> bytes:
    """The invalid rows as they were (a cell over the limit cut to it, and "…"), plus an
    `error` column: ready to fix and upload again. Refused (FileRefused) when that file would
    be too big to upload again: a wide header and shared strings can make it thousands of
    times the upload. Written as bytes, a cell at a time for a long row: csv's writer holds a
    row four times over (a row 16,384 cells wide can hold 16 MB)."""
    if not plan.invalid_rows:
        return b""
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in plan.errors:
        reasons[error.row].append(_reason(error))
    out = io.BytesIO()
    out.write("\ufeff".encode())
    width, last = len(table.header), max(plan.invalid_rows)
    _write_row(out, [*(escape_cell(name) for name in table.header), "error"], plan)
    for number, cells in table.rows():
        if number in plan.invalid_rows:
            texts = [_cell(cell) for cell in cells[:width]]
            texts += [""] * (width - len(texts))
            _write_row(out, [*texts, "; ".join(reasons[number])], plan)
        if number >= last:
            break
    return out.getvalue()


def _write_row(out: io.BytesIO, cells: list[str], plan: Rejections) -> None:
    """A CSV row as csv.writer writes it (minimal quoting, CRLF)."""
    fields = [_quoted(cell) for cell in cells]
    if sum(map(len, fields)) < 64 * 1024:
        out.write((",".join(fields) + "\r\n").encode())
    else:
        for index, field in enumerate(fields):
            _check_size(out.tell() + len(field), plan)  # characters are at most bytes
            out.write((b"," if index else b"") + field.encode())
        out.write(b"\r\n")
    _check_size(out.tell(), plan)


def _quoted(field: str) -> str:
    if '"' in field or "," in field or "\n" in field or "\r" in field:
        return '"' + field.replace('"', '""') + '"'
    return field


def _check_size(size: int, plan: Rejections) -> None:
    if size > limits.MAX_REJECTED_BYTES:
        raise FileRefused(
            _("The invalid rows and their reasons would make a file of more than %(limit)d MB, "
              "too big to upload again: fix the file and import it again. The first error: "
              "%(first)s") % {"limit": megabytes(limits.MAX_REJECTED_BYTES),
                              "first": _reason(plan.errors[0])}
        )  # fmt: skip
