"""The data version: moved by every committed write to the data the pages read, by database
triggers, and by nothing else. The dashboards cache what they render under it
(`enrollment.page_cache`); docs/architecture.md, "Many readers", gives the argument.

Every table of the apps in `WATCHED_APPS` carries the trigger, but for `UNWATCHED` (written
by reads, or bookkeeping no page shows). They are installed after every `migrate` from the
models of those apps (`install`, on `post_migrate`), so a model added later is covered without
anyone remembering; `missing` lists the tables that lack it (a database check and a test).

PostgreSQL: a statement-level trigger inserts the writing transaction's id into
`villages_datachange`, once per transaction (its later statements count in a setting local
to the transaction, which only its own connection's version adds). Transactions insert
different keys, so writers never wait for one another (a counter row would make every writer
wait for the previous one to commit, and deadlock with the advisory locks the summary and the
rollups take first). A reader's version is `DataVersion.n` plus the rows it can see: each
commit adds one row, at the instant its data becomes visible, and an uncommitted row is seen
by nobody else. Now and then a writer folds the rows into `n` (`_PG_FOLD`), which leaves the
sum unchanged. The trigger is ENABLE ALWAYS: bulk loads that turn triggers off with
`session_replication_role = replica` (`enrollment.summary.triggers_off`) still move the
version. TRUNCATE moves it too; so does a statement that changes no row (harmless: a miss).

SQLite (one writer at a time): row-level triggers add one to `DataVersion.n`.
"""

from __future__ import annotations

import uuid

from django.apps import apps
from django.db import connections

# The apps whose tables the pages read.
WATCHED_APPS = ("villages", "enrollment", "campaign", "finance")
# Tables without the trigger, and why.
UNWATCHED = {
    "villages_dataversion": "the version itself",
    "villages_datachange": "the version itself",
    # Every village page shown with full identifiers writes a row: a page must not move it.
    "villages_accesslog": "written by reads",
    # An import's bookkeeping (its file, report and progress), which no dashboard shows; the
    # rows it imports move the version.
    "enrollment_importrecord": "import bookkeeping",
    "finance_financeimport": "import bookkeeping",
}
TRIGGER = "villages_data_changed"
# Fold the rows of `villages_datachange` into the counter once in this many transactions.
FOLD_EVERY = 64

_PG_FOLD = """
CREATE OR REPLACE FUNCTION villages_data_fold() RETURNS void AS $$
BEGIN
    -- One folder at a time, and never a wait: a writer that finds the row taken skips.
    PERFORM 1 FROM villages_dataversion WHERE id = 1 FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        WITH gone AS (DELETE FROM villages_datachange RETURNING 1)
        UPDATE villages_dataversion SET n = n + (SELECT count(*) FROM gone) WHERE id = 1;
    END IF;
END $$ LANGUAGE plpgsql;
"""

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$
DECLARE
    -- This transaction's writing statements so far: a setting local to it (undone with a
    -- savepoint), which only its own connection sees.
    done text := current_setting('bpjs.data_changes', true);
    xact bigint;
BEGIN
    IF done <> '' THEN
        PERFORM set_config('bpjs.data_changes', (done::bigint + 1)::text, true);
        RETURN NULL;
    END IF;
    xact := pg_current_xact_id()::text::bigint;
    INSERT INTO villages_datachange (xact) VALUES (xact) ON CONFLICT DO NOTHING;
    PERFORM set_config('bpjs.data_changes', '1', true);
    IF xact % {FOLD_EVERY} = 0 THEN
        PERFORM villages_data_fold();
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

# INSERT | DELETE | UPDATE | TRUNCATE, FOR EACH STATEMENT, AFTER (pg_trigger.tgtype bits).
_PG_TGTYPE = 4 | 8 | 16 | 32
_SQLITE_EVENTS = ("insert", "update", "delete")

# One statement, one snapshot: the token, the version a reader sees, and the writing
# statements of its own transaction so far (PostgreSQL; none outside a transaction).
_READ = {
    "postgresql": "SELECT v.token, v.n + (SELECT count(*) FROM villages_datachange), "
    "COALESCE(NULLIF(current_setting('bpjs.data_changes', true), ''), '0') "
    "FROM villages_dataversion v WHERE v.id = 1",
    "sqlite": "SELECT token, n, 0 FROM villages_dataversion WHERE id = 1",
}


def watched_tables() -> list[str]:
    """The tables that must carry the trigger: every table of the watched apps' models (their
    many-to-many tables and history too), but for `UNWATCHED`."""
    tables = {
        model._meta.db_table
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables - set(UNWATCHED))


def current(using: str = "default") -> str | None:
    """The data version this connection sees now ("token.number.own"), or None when there is
    no version row (a database emptied and not migrated since). `own` counts the writing
    statements of the connection's open transaction, which only it sees (PostgreSQL; SQLite
    counts every row in `number`): within a transaction too, every write moves the version.
    One query."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_READ[connection.vendor])
        row = cursor.fetchone()
    return f"{row[0]}.{row[1]}.{row[2]}" if row else None


def missing(using: str = "default") -> list[str]:
    """The watched tables of the database that lack the trigger (or have it disabled)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    tables = [table for table in watched_tables() if table in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = %s AND p.proname = %s "
                "AND t.tgenabled = 'A' AND t.tgtype = %s AND c.relname = ANY(%s) "
                "AND pg_table_is_visible(c.oid)",
                [TRIGGER, TRIGGER, _PG_TGTYPE, tables],
            )
            ok = {row[0] for row in cursor.fetchall()}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {row[0] for row in cursor.fetchall()}
            ok = {t for t in tables if all(_sqlite_name(t, e) in names for e in _SQLITE_EVENTS)}
    return [table for table in tables if table not in ok]


def install(using: str = "default") -> list[str]:
    """Make the version row if there is none, and put the trigger on every watched table
    that lacks it. Returns those tables. Idempotent: run after every `migrate`."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO villages_dataversion (id, n, token) SELECT 1, 0, %s "
            "WHERE NOT EXISTS (SELECT 1 FROM villages_dataversion WHERE id = 1)",
            [uuid.uuid4().hex],
        )
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FOLD)
            cursor.execute(_PG_FUNCTION)
    added = missing(using)
    with connection.cursor() as cursor:
        for table in added:
            for sql in _create(connection.vendor, connection.ops.quote_name(table), table):
                cursor.execute(sql)
    return added


def uninstall(connection) -> None:
    """Drop the trigger from every table that has it, and its functions: before the version's
    tables are dropped (migrating villages back before 0011), so that no write fails on a
    trigger that names a table gone."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.oid::regclass::text FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
                [TRIGGER],
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
            cursor.execute("DROP FUNCTION IF EXISTS villages_data_fold()")
            return
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{TRIGGER}%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def _create(vendor: str, quoted: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {quoted} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
            f"ALTER TABLE {quoted} ENABLE ALWAYS TRIGGER {TRIGGER}",
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS {_sqlite_name(table, event)} AFTER {event.upper()} "
        f"ON {quoted} FOR EACH ROW BEGIN "
        "UPDATE villages_dataversion SET n = n + 1 WHERE id = 1; END"
        for event in _SQLITE_EVENTS
    ]


def _sqlite_name(table: str, event: str) -> str:
    return f"{TRIGGER}_{table}_{event}"


def fold(using: str = "default") -> None:
    """Fold the committed rows of `villages_datachange` into the counter now (PostgreSQL;
    the writers do it now and then by themselves). The version stays the same."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT villages_data_fold()")
