"""The one lock that every writer of posts and memberships holds until it commits.

The coverage summary's triggers (`enrollment.summary`) take it before they look up what to
refresh, so that concurrent writers refresh one after another and each sees what the others
committed. A writer that takes it itself, first, before any row lock (`coverage_write_lock`),
only ever waits for it; one that first locks rows and then reaches a trigger could deadlock
with a writer that holds it and wants those rows (PostgreSQL then aborts one of the two).
"""

from __future__ import annotations

from django.db import connections

# pg_advisory_xact_lock(key, sub): the summary's write lock.
WRITE_LOCK = (4245, 0)


def coverage_write_lock(using: str = "default") -> None:
    """Inside a transaction that will write posts or memberships: take the write lock now.
    SQLite: nothing (it lets one writer in at a time)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(WRITE_LOCK))
