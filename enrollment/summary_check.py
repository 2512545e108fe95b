"""Checking the kept figures: the summary, the shared holders and the day's rows against a
rebuild from posts and memberships (`manage.py check_summary`, the concurrency tests)."""

from __future__ import annotations

from django.db import connection, transaction

from enrollment.models import DAY_COLUMNS
from enrollment.summary import DAY_ROWS, HOLDERS, TABLE, rebuild_summary

# The columns that say what a kept row holds (its id is an accident of the order of writes).
_KEPT_COLUMNS = {
    TABLE: "village_id, category, term_start, term_end, enrolled, until, posts",
    HOLDERS: "person_id, village_id, term_start, term_end",
    DAY_ROWS: "day, village_id, " + ", ".join(DAY_COLUMNS),
}


def summary_drift() -> dict[str, int]:
    """For the summary, the shared holders and the day's rows: how many rows differ from a
    rebuild from posts and memberships (rows kept but not rebuilt, plus rows rebuilt but not
    kept). All zero when the triggers kept them exactly. The rebuild runs in a savepoint that
    is rolled back, so nothing changes; at country scale it takes as long as a rebuild."""
    drift = {}
    with transaction.atomic(), connection.cursor() as cursor:
        savepoint = transaction.savepoint()
        for table, columns in _KEPT_COLUMNS.items():
            cursor.execute(f"CREATE TEMPORARY TABLE kept_{table} AS SELECT {columns} FROM {table}")
        rebuild_summary()
        for table, columns in _KEPT_COLUMNS.items():
            counted = f"SELECT {columns}, COUNT(*) AS n FROM {{}} GROUP BY {columns}"
            kept, rebuilt = counted.format(f"kept_{table}"), counted.format(table)
            cursor.execute(
                f"SELECT COUNT(*) FROM ({kept} EXCEPT {rebuilt}) a "
                f"UNION ALL SELECT COUNT(*) FROM ({rebuilt} EXCEPT {kept}) b"
            )
            drift[table] = sum(n for (n,) in cursor.fetchall())
        transaction.savepoint_rollback(savepoint)
    return drift
