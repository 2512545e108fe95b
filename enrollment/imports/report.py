"""An import's report (counts, errors, warnings, replacements) as data, as text for the command,
and the rejected rows as a file in the same format with an `error` column."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

from django.utils.translation import gettext as _

from enrollment.exports import escape_cell
from enrollment.imports import limits
from enrollment.imports.cells import Overlong, display
from enrollment.imports.limits import FileRefused, megabytes
from enrollment.imports.plan import Plan
from enrollment.imports.reader import Table

# What the admin keeps and shows of long lists; the rejected file holds every error.
SHOWN = 1000


def report_data(plan: Plan, limit: int | None = SHOWN) -> dict:
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
        },
        "errors": [[e.row, e.column, e.found, e.expected] for e in plan.errors[:limit]],
        "warnings": [[w.row, w.message] for w in plan.warnings[:limit]],
        "replacements": [
            [r.row, r.village, r.post, r.unit, r.previous, r.ended_on.isoformat(), r.holder]
            for r in plan.replacements[:limit]
        ],
    }


def report_text(report: dict) -> list[str]:
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


def _cell(value) -> str:
    if isinstance(value, Overlong):
        value += "…"  # still over the limit: the row stays invalid until the cell is fixed
    elif isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date) else display(value)
    return escape_cell(text)


def _reason(error) -> str:
    return _("row %(row)d, %(column)s: expected %(expected)s (found “%(found)s”)") % {
        "row": error.row, "column": error.column, "expected": error.expected,
        "found": error.found,
    }  # fmt: skip


def rejected_csv(table: Table, plan: Plan) -> bytes:
    """The invalid rows as they were (a cell over the limit cut to it, and "…"), plus an
    `error` column: ready to fix and upload again. Refused (FileRefused) when that file would
    be too big to upload again: a wide header and shared strings can make it thousands of
    times the upload."""
    if not plan.invalid_rows:
        return b""
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in plan.errors:
        reasons[error.row].append(_reason(error))
    out, text = io.BytesIO(), io.StringIO()
    out.write("\ufeff".encode())
    writer = csv.writer(text, lineterminator="\r\n")
    width, last = len(table.header), max(plan.invalid_rows)
    writer.writerow([*(escape_cell(name) for name in table.header), "error"])
    for number, cells in table.rows():
        if number in plan.invalid_rows:
            cells = [_cell(cell) for cell in cells[:width]]
            cells += [""] * (width - len(cells))
            writer.writerow([*cells, "; ".join(reasons[number])])
        if text.tell() > 64 * 1024 or number >= last:
            _flush(text, out, plan)
        if number >= last:
            break
    _flush(text, out, plan)
    return out.getvalue()


def _flush(text: io.StringIO, out: io.BytesIO, plan: Plan) -> None:
    out.write(text.getvalue().encode("utf-8"))
    text.seek(0)
    text.truncate()
    if out.tell() > limits.MAX_REJECTED_BYTES:
        raise FileRefused(
            _("The invalid rows and their reasons would make a file of more than %(limit)d MB, "
              "too big to upload again: fix the file and import it again. The first error: "
              "%(first)s") % {"limit": megabytes(limits.MAX_REJECTED_BYTES),
                              "first": _reason(plan.errors[0])}
        )  # fmt: skip
