"""Database routing: dashboards and the API may read from a replica; everything else uses the
primary.

With DATABASE_REPLICA_URL set, settings add a "replica" database. The coverage selectors read
through `read_db()`; the admin, imports, logins and every write stay on "default", so a user
always sees their own edits in the admin. The router holds no state: several gunicorn
processes route alike.
"""

from __future__ import annotations

from django.conf import settings

REPLICA = "replica"


def read_db() -> str:
    """The database alias the dashboards and the API read from."""
    return REPLICA if REPLICA in settings.DATABASES else "default"


class PrimaryReplicaRouter:
    """Writes and migrations go to the primary; the replica is the same data, read-only."""

    def db_for_read(self, model, **hints):
        return None  # the default, unless a query names read_db() with .using()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # both aliases hold the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
