"""The running total behind "residents enrolled on their own" (docs/desa-sadar-criteria.md).

`VillageSelfEnrolled` keeps, per village with registrations, `since_figure`: the residents of
its registrations (every channel) dated after its old figure's day
(`Village.self_enrolled_updated_on`; all of them when it has none), and `last_date`: the day
of its latest registration. A village without registrations has no row. The value on a day D
is then the old figure + since_figure − the registrations dated after max(D, old day); that
last sum is read only when `last_date` is after max(D, old day): never for today (unless
registrations are dated ahead), for a past day only the rows after it
(`campaign.criteria.self_enrolled_on`).

Database triggers keep it exact inside the transaction of every write, whoever writes: the
import, the admin, a shell. They recompute each touched village from its registrations (a
village holds a few hundred rows), as the coverage summary does (`enrollment.summary`):

- PostgreSQL: statement-level triggers with transition tables on registrations (insert,
  update — a row moved to another village or day recomputes both —, delete; a TRUNCATE
  empties the totals) and on villages (update of the old figure's day). Each takes one write
  lock (`WRITE_LOCK`, held to commit) before the statement that recomputes, so that
  concurrent writers recompute one after another and each sees what the others committed:
  after any interleaving the totals equal a rebuild (`drift`, `manage.py
  check_self_enrolled`).
- SQLite: row-level triggers (one writer at a time).

The old figure itself (`self_enrolled_residents`) is read from the village as it is, so a
change of it alone needs no recompute.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

TABLE = "campaign_villageselfenrolled"
REGISTRATIONS = "campaign_registration"
VILLAGES = "villages_village"
# pg_advisory_xact_lock(key, sub): the totals' write lock (the coverage summary's is 4245).
WRITE_LOCK = (4246, 0)
# Trigger and function names: kept apart from the campaign's other triggers.
PREFIX = "campaign_selfenrol_"


def _recompute(villages: str | None) -> str:
    """SQL: insert the totals of the villages whose code is `villages` (an SQL `IN (…)` or
    `= ANY(…)` tail), or of every village (None). Villages without registrations get no
    row."""
    where = f"WHERE r.village_id {villages} " if villages else ""
    return (
        f"INSERT INTO {TABLE} (village_id, since_figure, last_date) "
        "SELECT r.village_id, SUM(CASE WHEN r.date > "
        "COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), "
        f"MAX(r.date) FROM {REGISTRATIONS} r JOIN {VILLAGES} v ON v.code = r.village_id "
        f"{where}GROUP BY r.village_id"
    )


# --- PostgreSQL --------------------------------------------------------------------------

_PG_REFRESH = f"""
CREATE OR REPLACE FUNCTION {PREFIX}refresh(codes varchar[]) RETURNS void AS $$
BEGIN
    IF codes IS NULL OR cardinality(codes) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});
    -- Statements of their own after the lock: they see what writers before us committed.
    DELETE FROM {TABLE} WHERE village_id = ANY(codes);
    {_recompute("= ANY(codes)")};
END $$ LANGUAGE plpgsql;
"""

_PG_CHANGED = f"""
CREATE OR REPLACE FUNCTION {PREFIX}changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM {PREFIX}refresh(ARRAY(SELECT DISTINCT village_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM {PREFIX}refresh(ARRAY(SELECT DISTINCT village_id FROM old_rows));
    ELSE
        PERFORM {PREFIX}refresh(ARRAY(
            SELECT village_id FROM new_rows n
            WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id
                AND o.village_id = n.village_id AND o.date = n.date AND o.count = n.count)
            UNION
            SELECT village_id FROM old_rows o
            WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE o.id = n.id
                AND o.village_id = n.village_id AND o.date = n.date AND o.count = n.count)));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_PG_VILLAGE_CHANGED = f"""
CREATE OR REPLACE FUNCTION {PREFIX}village_changed() RETURNS trigger AS $$
BEGIN
    PERFORM {PREFIX}refresh(ARRAY(
        SELECT n.code FROM new_rows n JOIN old_rows o ON o.code = n.code
        WHERE o.self_enrolled_updated_on IS DISTINCT FROM n.self_enrolled_updated_on));
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_PG_TRUNCATED = f"""
CREATE OR REPLACE FUNCTION {PREFIX}truncated() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});
    DELETE FROM {TABLE};
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_PG_REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def _pg_install() -> list[str]:
    statements = [_PG_REFRESH, _PG_CHANGED, _PG_VILLAGE_CHANGED, _PG_TRUNCATED]
    for event, referencing in _PG_REFERENCING.items():
        statements.append(
            f"CREATE TRIGGER {PREFIX}registration_{event.lower()} AFTER {event} "
            f"ON {REGISTRATIONS} {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {PREFIX}changed()"
        )
    statements.append(
        f"CREATE TRIGGER {PREFIX}registration_truncate AFTER TRUNCATE ON {REGISTRATIONS} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}truncated()"
    )
    statements.append(
        f"CREATE TRIGGER {PREFIX}village_update AFTER UPDATE ON {VILLAGES} "
        f"{_PG_REFERENCING['UPDATE']} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PREFIX}village_changed()"
    )
    return statements


def _pg_uninstall() -> list[str]:
    return [
        *[
            f"DROP TRIGGER IF EXISTS {PREFIX}registration_{event.lower()} ON {REGISTRATIONS}"
            for event in _PG_REFERENCING
        ],
        f"DROP TRIGGER IF EXISTS {PREFIX}registration_truncate ON {REGISTRATIONS}",
        f"DROP TRIGGER IF EXISTS {PREFIX}village_update ON {VILLAGES}",
        f"DROP FUNCTION IF EXISTS {PREFIX}truncated()",
        f"DROP FUNCTION IF EXISTS {PREFIX}changed()",
        f"DROP FUNCTION IF EXISTS {PREFIX}village_changed()",
        f"DROP FUNCTION IF EXISTS {PREFIX}refresh(varchar[])",
    ]


# --- SQLite ------------------------------------------------------------------------------

# Villages touched by one row: trigger → (table, event, extra clause, SQL set of codes).
_SQLITE_TRIGGERS = {
    "registration_insert": (REGISTRATIONS, "INSERT", "", "(NEW.village_id)"),
    "registration_update": (REGISTRATIONS, "UPDATE", "", "(OLD.village_id, NEW.village_id)"),
    "registration_delete": (REGISTRATIONS, "DELETE", "", "(OLD.village_id)"),
    "village_update": (
        VILLAGES,
        "UPDATE OF self_enrolled_updated_on",
        "WHEN OLD.self_enrolled_updated_on IS NOT NEW.self_enrolled_updated_on",
        "(NEW.code)",
    ),
}


def _sqlite_install() -> list[str]:
    return [
        f"CREATE TRIGGER {PREFIX}{name} AFTER {event} ON {table} FOR EACH ROW {when} BEGIN "
        f"DELETE FROM {TABLE} WHERE village_id IN {codes}; "
        f"{_recompute('IN ' + codes)}; END"
        for name, (table, event, when, codes) in _SQLITE_TRIGGERS.items()
    ]


def _sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {PREFIX}{name}" for name in _SQLITE_TRIGGERS]


# --- Entry points ------------------------------------------------------------------------


def install_triggers(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    statements = _pg_install() if conn.vendor == "postgresql" else _sqlite_install()
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall_triggers(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    statements = _pg_uninstall() if conn.vendor == "postgresql" else _sqlite_uninstall()
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def rebuild(conn=None) -> None:
    """Recompute every village's total from the registrations (after a bulk write that ran
    without triggers, or to check them). PostgreSQL: under the write lock."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(WRITE_LOCK))
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(_recompute(None))


def drift() -> int:
    """How many villages' kept totals differ from a rebuild from the registrations (kept but
    not rebuilt, plus rebuilt but not kept): 0 when the triggers kept them exactly. The
    rebuild runs in a savepoint that is rolled back, so nothing changes."""
    with transaction.atomic(), connection.cursor() as cursor:
        savepoint = transaction.savepoint()
        cursor.execute(f"CREATE TEMPORARY TABLE kept_{TABLE} AS SELECT * FROM {TABLE}")
        rebuild()
        columns = "village_id, since_figure, last_date"
        kept = f"SELECT {columns} FROM kept_{TABLE}"
        rebuilt = f"SELECT {columns} FROM {TABLE}"
        cursor.execute(
            f"SELECT COUNT(*) FROM ({kept} EXCEPT {rebuilt}) a "
            f"UNION ALL SELECT COUNT(*) FROM ({rebuilt} EXCEPT {kept}) b"
        )
        differ = sum(n for (n,) in cursor.fetchall())
        transaction.savepoint_rollback(savepoint)
    return differ


@contextmanager
def triggers_off():
    """Inside a transaction: write registrations without keeping the totals (a bulk load
    that calls `rebuild()` at the end). PostgreSQL: session_replication_role for this
    transaction; SQLite: the triggers are dropped and put back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                yield
            finally:
                cursor.execute("SET LOCAL session_replication_role = origin")
            return
    uninstall_triggers()
    try:
        yield
    finally:
        install_triggers()
