"""Registrations summed ahead: per (regency, day, channel), (regency, month, channel),
(province, day, channel), and for agents per (agent, regency, day) and (agent, regency,
month). The province and country figures read these instead of a year of registrations
(campaign.selectors).

Kept exact by triggers on the registrations table, on PostgreSQL and SQLite alike: every
insert, update (a row moved to another village, day, channel or agent too) and delete adds
its rows' figures to their keys and takes the old ones away (a key left with no residents
loses its row). PostgreSQL: one statement-level trigger per operation over its transition
tables, under one write lock (`WRITE_LOCK`) held to commit, so that concurrent writers add to
the same rows one after another and cannot deadlock on them; a TRUNCATE of the registrations
empties the rollups. SQLite: row triggers (one writer at a time). Writes that bypass triggers
(`session_replication_role = replica`, as generate_load's COPY) must call `rebuild_rollups`
after; `rollup_drift` (`manage.py check_campaign_rollups`) compares the kept rows with a
rebuild."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

REGISTRATIONS = "campaign_registration"

# An event's uplift counts the registrations in its villages in the UPLIFT_DAYS days before
# its day and in the UPLIFT_DAYS days from its day on (campaign.selectors.events).
UPLIFT_DAYS = 30

# pg_advisory_xact_lock(key, sub): the rollups' write lock (the coverage summary's is 4245).
WRITE_LOCK = (4246, 0)

_MONTH = {
    "postgresql": "CAST(date_trunc('month', {r}date) AS date)",
    "sqlite": "date({r}date, 'start of month')",
}


@dataclass(frozen=True)
class Rollup:
    table: str
    # Key column → expression over a registration row (`{r}` its alias with a dot, or
    # "NEW." / "OLD."); the unique key is every column.
    keys: dict[str, str]
    agents_only: bool = False

    def key_sql(self, vendor: str, r: str) -> list[str]:
        return [expr.replace("{month}", _MONTH[vendor]).format(r=r) for expr in self.keys.values()]

    @property
    def conflict(self) -> str:
        """The columns of its unique key: every key column but the province where the
        regency (which names its province) is one."""
        names = [n for n in self.keys if not (n == "province" and "regency" in self.keys)]
        return ", ".join(names)

    def where(self, r: str) -> str:
        return f"{r}agent_id IS NOT NULL" if self.agents_only else "TRUE"


_PROVINCE = "substr({r}village_id, 1, 2)"
_REGENCY = "substr({r}village_id, 1, 5)"

ROLLUPS = [
    Rollup(
        "campaign_registrationday",
        {"province": _PROVINCE, "regency": _REGENCY, "date": "{r}date", "channel": "{r}channel"},
    ),
    Rollup(
        "campaign_registrationmonth",
        {"province": _PROVINCE, "regency": _REGENCY, "month": "{month}", "channel": "{r}channel"},
    ),
    Rollup(
        "campaign_provinceday",
        {"province": _PROVINCE, "date": "{r}date", "channel": "{r}channel"},
    ),
    Rollup(
        "campaign_agentday",
        {"province": _PROVINCE, "regency": _REGENCY, "agent_id": "{r}agent_id", "date": "{r}date"},
        agents_only=True,
    ),
    Rollup(
        "campaign_agentmonth",
        {"province": _PROVINCE, "regency": _REGENCY, "agent_id": "{r}agent_id", "month": "{month}"},
        agents_only=True,
    ),
]


def _columns(rollup: Rollup) -> str:
    return ", ".join(rollup.keys)


# --- Events' uplift ------------------------------------------------------------------------

UPLIFT = "campaign_eventuplift"
EVENTS = "campaign_outreachevent"
EVENT_VILLAGES = "campaign_outreachevent_villages"


def _shift(vendor: str, day: str, days: int) -> str:
    """`day` moved by `days`, still a date (PostgreSQL's date + integer keeps the index on
    (village, date) usable as a bound)."""
    if vendor == "postgresql":
        return f"({day} + {days})"
    return f"date({day}, '{days:+d} days')"


def uplift_select(vendor: str, events: str) -> str:
    """Each event among `events` (a condition on `e`) with its uplift computed from the
    registrations: one range of the index on (village, date) per (event, village) pair."""
    low, high = _shift(vendor, "e.date", -UPLIFT_DAYS), _shift(vendor, "e.date", UPLIFT_DAYS)
    return f"""
        SELECT e.id, COALESCE(SUM(CASE WHEN r.date < e.date THEN r.count END), 0),
               COALESCE(SUM(CASE WHEN r.date >= e.date THEN r.count END), 0)
        FROM {EVENTS} e
        LEFT JOIN {EVENT_VILLAGES} ev ON ev.outreachevent_id = e.id
        LEFT JOIN {REGISTRATIONS} r
            ON r.village_id = ev.village_id AND r.date >= {low} AND r.date < {high}
        WHERE {events}
        GROUP BY e.id"""


def _uplift_refresh(vendor: str, events: str) -> str:
    """Recompute the uplift of the events whose ids `events` lists (an SQL list)."""
    return (
        f"DELETE FROM {UPLIFT} WHERE event_id IN ({events}); "
        f"INSERT INTO {UPLIFT} (event_id, registered_before, registered_after) "
        f"{uplift_select(vendor, f'e.id IN ({events})')}; "
    )


def _uplift_add(vendor: str, delta: str) -> str:
    """Add registrations `delta` (rows of village_id, date, n) to the uplift of every event
    held for their village whose window holds their day."""
    low, high = _shift(vendor, "e.date", -UPLIFT_DAYS), _shift(vendor, "e.date", UPLIFT_DAYS)
    return f"""
    UPDATE {UPLIFT} SET registered_before = registered_before + d.b,
                        registered_after = registered_after + d.a
    FROM (SELECT ev.outreachevent_id AS id,
                 SUM(CASE WHEN s.date < e.date THEN s.n ELSE 0 END) AS b,
                 SUM(CASE WHEN s.date >= e.date THEN s.n ELSE 0 END) AS a
          FROM ({delta}) s
          JOIN {EVENT_VILLAGES} ev ON ev.village_id = s.village_id
          JOIN {EVENTS} e ON e.id = ev.outreachevent_id
          WHERE s.date >= {low} AND s.date < {high}
          GROUP BY ev.outreachevent_id) d
    WHERE {UPLIFT}.event_id = d.id;"""


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_apply(rollup: Rollup, sources: list[tuple[str, str]]) -> str:
    """Add the figures of `sources` (transition table, sign) to the rollup's keys, then drop
    the keys left with no residents."""
    columns = _columns(rollup)
    keys = ", ".join(
        f"{expr} AS {name}"
        for name, expr in zip(rollup.keys, rollup.key_sql("postgresql", "r."), strict=True)
    )
    delta = " UNION ALL ".join(
        f"SELECT {keys}, {sign}r.count AS n, {sign}r.contributions AS c "
        f"FROM {source} r WHERE {rollup.where('r.')}"
        for source, sign in sources
    )
    matched = " AND ".join(f"t.{name} = d.{name}" for name in rollup.keys)
    return f"""
    INSERT INTO {rollup.table} ({columns}, count, contributions)
        SELECT {columns}, SUM(n), SUM(c) FROM ({delta}) s
        GROUP BY {columns} HAVING SUM(n) <> 0 OR SUM(c) <> 0 ORDER BY {columns}
    ON CONFLICT ({rollup.conflict}) DO UPDATE SET count = {rollup.table}.count + EXCLUDED.count,
        contributions = {rollup.table}.contributions + EXCLUDED.contributions;
    DELETE FROM {rollup.table} t USING (SELECT DISTINCT {columns} FROM ({delta}) s) d
        WHERE {matched} AND t.count = 0;"""


def _pg_function() -> str:
    def delta(sources: list[tuple[str, str]]) -> str:
        rows = " UNION ALL ".join(
            f"SELECT village_id, date, {sign}count AS n FROM {source}" for source, sign in sources
        )
        return _uplift_add("postgresql", rows)

    new, old, both = [("new_rows", "")], [("old_rows", "-")], [("new_rows", ""), ("old_rows", "-")]
    inserted = "".join(_pg_apply(r, new) for r in ROLLUPS) + delta(new)
    deleted = "".join(_pg_apply(r, old) for r in ROLLUPS) + delta(old)
    updated = "".join(_pg_apply(r, both) for r in ROLLUPS) + delta(both)
    return f"""
CREATE OR REPLACE FUNCTION campaign_rollups_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});
    IF TG_OP = 'INSERT' THEN{inserted}
    ELSIF TG_OP = 'DELETE' THEN{deleted}
    ELSE{updated}
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _pg_truncated() -> str:
    emptied = "".join(f"\n    DELETE FROM {r.table};" for r in ROLLUPS)
    emptied += f"\n    UPDATE {UPLIFT} SET registered_before = 0, registered_after = 0;"
    return f"""
CREATE OR REPLACE FUNCTION campaign_rollups_truncated() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});{emptied}
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _pg_events_function() -> str:
    """The uplift of the events whose rows or villages changed, recomputed."""
    ids = "SELECT unnest(ids)"
    return f"""
CREATE OR REPLACE FUNCTION campaign_uplift_refresh(ids bigint[]) RETURNS void AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});
    {_uplift_refresh("postgresql", ids)}
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION campaign_uplift_events_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM campaign_uplift_refresh(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM campaign_uplift_refresh(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM campaign_uplift_refresh(ARRAY(SELECT id FROM new_rows
                                              UNION SELECT id FROM old_rows));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION campaign_uplift_villages_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM campaign_uplift_refresh(ARRAY(SELECT outreachevent_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM campaign_uplift_refresh(ARRAY(SELECT outreachevent_id FROM old_rows));
    ELSE
        PERFORM campaign_uplift_refresh(ARRAY(SELECT outreachevent_id FROM new_rows
                                              UNION SELECT outreachevent_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION campaign_uplift_truncated() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});
    DELETE FROM {UPLIFT};
    INSERT INTO {UPLIFT} (event_id, registered_before, registered_after)
    {uplift_select("postgresql", "TRUE")};
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


_PG_TRIGGERS = {
    "insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows",
}


def pg_install() -> list[str]:
    statements = [_pg_function(), _pg_truncated()]
    for name, when in _PG_TRIGGERS.items():
        statements.append(
            f"CREATE TRIGGER campaign_rollups_{name} {when.format(t=REGISTRATIONS)} "
            "FOR EACH STATEMENT EXECUTE FUNCTION campaign_rollups_changed()"
        )
    statements.append(
        f"CREATE TRIGGER campaign_rollups_truncate AFTER TRUNCATE ON {REGISTRATIONS} "
        "FOR EACH STATEMENT EXECUTE FUNCTION campaign_rollups_truncated()"
    )
    statements.append(_pg_events_function())
    for table, function in [(EVENTS, "events"), (EVENT_VILLAGES, "villages")]:
        for name, when in _PG_TRIGGERS.items():
            statements.append(
                f"CREATE TRIGGER campaign_uplift_{name} {when.format(t=table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION campaign_uplift_{function}_changed()"
            )
        statements.append(
            f"CREATE TRIGGER campaign_uplift_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION campaign_uplift_truncated()"
        )
    return statements


def pg_uninstall() -> list[str]:
    return [
        *(
            f"DROP TRIGGER IF EXISTS campaign_rollups_{name} ON {REGISTRATIONS}"
            for name in [*_PG_TRIGGERS, "truncate"]
        ),
        *(
            f"DROP TRIGGER IF EXISTS campaign_uplift_{name} ON {table}"
            for table in (EVENTS, EVENT_VILLAGES)
            for name in [*_PG_TRIGGERS, "truncate"]
        ),
        "DROP FUNCTION IF EXISTS campaign_rollups_changed()",
        "DROP FUNCTION IF EXISTS campaign_rollups_truncated()",
        "DROP FUNCTION IF EXISTS campaign_uplift_events_changed()",
        "DROP FUNCTION IF EXISTS campaign_uplift_villages_changed()",
        "DROP FUNCTION IF EXISTS campaign_uplift_truncated()",
        "DROP FUNCTION IF EXISTS campaign_uplift_refresh(bigint[])",
    ]


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_apply(rollup: Rollup, r: str, sign: str) -> str:
    """Add one row's figures (NEW. or OLD.) to its key; drop the key if left empty."""
    keys = rollup.key_sql("sqlite", r)
    matched = " AND ".join(f"{name} = {expr}" for name, expr in zip(rollup.keys, keys, strict=True))
    when = rollup.where(r).replace("TRUE", "1")
    return (
        f"UPDATE {rollup.table} SET count = count {sign} {r}count, "
        f"contributions = contributions {sign} {r}contributions WHERE {matched} AND {when}; "
        f"INSERT INTO {rollup.table} ({_columns(rollup)}, count, contributions) "
        f"SELECT {', '.join(keys)}, {sign}{r}count, {sign}{r}contributions "
        f"WHERE {when} AND NOT EXISTS (SELECT 1 FROM {rollup.table} WHERE {matched}); "
        f"DELETE FROM {rollup.table} WHERE {matched} AND count = 0; "
    )


def _sqlite_uplift(r: str, sign: str) -> str:
    return (
        _uplift_add(
            "sqlite", f"SELECT {r}village_id AS village_id, {r}date AS date, {sign}{r}count AS n"
        ).strip()
        + " "
    )


def sqlite_install() -> list[str]:
    bodies = {
        "insert": "".join(_sqlite_apply(r, "NEW.", "+") for r in ROLLUPS)
        + _sqlite_uplift("NEW.", ""),
        "delete": "".join(_sqlite_apply(r, "OLD.", "-") for r in ROLLUPS)
        + _sqlite_uplift("OLD.", "-"),
        "update": "".join(_sqlite_apply(r, "OLD.", "-") for r in ROLLUPS)
        + _sqlite_uplift("OLD.", "-")
        + "".join(_sqlite_apply(r, "NEW.", "+") for r in ROLLUPS)
        + _sqlite_uplift("NEW.", ""),
    }
    statements = [
        f"CREATE TRIGGER campaign_rollups_{name} AFTER {name.upper()} ON {REGISTRATIONS} "
        f"FOR EACH ROW BEGIN {body}END"
        for name, body in bodies.items()
    ]
    for table, column in [(EVENTS, "id"), (EVENT_VILLAGES, "outreachevent_id")]:
        refresh = {
            "insert": f"NEW.{column}",
            "delete": f"OLD.{column}",
            "update": f"OLD.{column}, NEW.{column}",
        }
        statements += [
            f"CREATE TRIGGER campaign_uplift_{table}_{name} AFTER {name.upper()} ON {table} "
            f"FOR EACH ROW BEGIN {_uplift_refresh('sqlite', ids)}END"
            for name, ids in refresh.items()
        ]
    return statements


def sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS campaign_rollups_{name}" for name in _PG_TRIGGERS] + [
        f"DROP TRIGGER IF EXISTS campaign_uplift_{table}_{name}"
        for table in (EVENTS, EVENT_VILLAGES)
        for name in _PG_TRIGGERS
    ]


# --- Rebuild and check ----------------------------------------------------------------------


def rebuild_statements(vendor: str) -> list[str]:
    statements = []
    for rollup in ROLLUPS:
        keys = ", ".join(
            f"{expr} AS {name}"
            for name, expr in zip(rollup.keys, rollup.key_sql(vendor, "r."), strict=True)
        )
        columns = _columns(rollup)
        statements += [
            f"DELETE FROM {rollup.table}",
            f"INSERT INTO {rollup.table} ({columns}, count, contributions) "
            f"SELECT {columns}, SUM(n), SUM(c) FROM (SELECT {keys}, r.count AS n, "
            f"r.contributions AS c FROM {REGISTRATIONS} r WHERE {rollup.where('r.')}) s "
            f"GROUP BY {columns} ORDER BY {_time_first(rollup)}",
        ]
    statements += [
        f"DELETE FROM {UPLIFT}",
        f"INSERT INTO {UPLIFT} (event_id, registered_before, registered_after) "
        + uplift_select(vendor, "1 = 1"),
    ]
    return statements


def _time_first(rollup: Rollup) -> str:
    """The key columns, the day or month first: rows of the same days lie together, as the
    triggers leave them (the selectors read ranges of days)."""
    time = [name for name in rollup.keys if name in ("date", "month")]
    return ", ".join(time + [name for name in rollup.keys if name not in time])


def rebuild_rollups() -> None:
    """Fill every rollup again from the registrations (after writes that bypassed the
    triggers). Takes the write lock on PostgreSQL."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(WRITE_LOCK))
        for statement in rebuild_statements(connection.vendor):
            cursor.execute(statement)


def _kept(rollup: Rollup | None) -> tuple[str, str]:
    if rollup is None:
        return UPLIFT, "event_id, registered_before, registered_after"
    return rollup.table, f"{_columns(rollup)}, count, contributions"


def rollup_drift() -> dict[str, int]:
    """For each rollup: how many rows differ from a rebuild from the registrations (rows kept
    but not rebuilt, plus rows rebuilt but not kept). All zero when the triggers kept them
    exactly. The rebuild runs in a savepoint that is rolled back, so nothing changes."""
    drift = {}
    with transaction.atomic(), connection.cursor() as cursor:
        savepoint = transaction.savepoint()
        tables = [_kept(rollup) for rollup in [*ROLLUPS, None]]
        for table, columns in tables:
            cursor.execute(f"CREATE TEMPORARY TABLE kept_{table} AS SELECT {columns} FROM {table}")
        rebuild_rollups()
        for table, columns in tables:
            kept = f"SELECT {columns} FROM kept_{table}"
            rebuilt = f"SELECT {columns} FROM {table}"
            cursor.execute(
                f"SELECT COUNT(*) FROM ({kept} EXCEPT {rebuilt}) a "
                f"UNION ALL SELECT COUNT(*) FROM ({rebuilt} EXCEPT {kept}) b"
            )
            drift[table] = sum(n for (n,) in cursor.fetchall())
        transaction.savepoint_rollback(savepoint)
    return drift


def install_triggers(schema_editor) -> None:
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in pg_install() if postgresql else sqlite_install():
        schema_editor.execute(statement, params=None)
