"""The coverage summary: posts per village counted by what decides their coverage on any day.

A post held on day d counts as covered when its holder has every minimum program enrolled by
d with a paid-until of d or later. So a post's figures on any day follow from five dates:
its term start and end, the day from which all the holder's minimum programs are enrolled
("enrolled"), and the earliest of their paid-until dates ("until"). The summary counts posts
per village, category and those dates; the dashboards sum it for the day asked (see
`enrollment.selectors`), so the calendar needs no rebuild and `as_of` keeps working.

Database triggers keep it in step, inside the transaction of every write to posts and
memberships, whoever writes: the admin's save, the import's COPY and bulk updates, a shell.
They recompute the touched villages from the base tables (a village holds about 60 posts).
PostgreSQL: statement-level triggers with transition tables, so an import of 10,000 rows
recomputes each village it touches once per statement, under one write lock held to commit
(`WRITE_LOCK`), so that concurrent writers' refreshes run one after another and each sees what
the others committed: after any interleaving, the summary equals a rebuild (`summary_drift`,
`enrollment.summary_check`). SQLite: row-level triggers (one writer at a time).

The summary is for the national default minimum set (JKK + JKM); a rule set naming another
set is computed live by the selectors for the villages it governs.

The distinct number of people holding posts is the number of posts less the repeats of
people holding several; the triggers also keep those people's posts in a small table
(`SharedHolderPost`, a few percent of the posts), so the count stays exact without a
COUNT(DISTINCT) over every post of the country.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db import connection, connections, transaction

from enrollment.models import DAY_CATEGORIES, arrears_since
from enrollment.rules import DEFAULT_MIN_PROGRAMS, FORECAST_DAYS
from villages.locks import WRITE_LOCK

TABLE = "enrollment_coveragesummary"
HOLDERS = "enrollment_sharedholderpost"
DAY = "enrollment_coverageday"
DAY_ROWS = "enrollment_villageday"
# Posts lapsing soon: covered, and paid until at most this many days after the day.
LAPSING_DAYS = 30
_PROGRAMS = ", ".join(f"'{code}'" for code in DEFAULT_MIN_PROGRAMS)


def _aggregate(villages: str | None) -> str:
    """INSERT … SELECT of the summary rows of the villages matching `village_id {villages}`,
    or of all villages when None. An enrolment on or before the term start is stored as NULL
    (it changes nothing on any day the post is held), which keeps the rows few."""
    posts_where = f"WHERE p.village_id {villages}" if villages else ""
    persons_where = (
        f"AND person_id IN (SELECT person_id FROM villages_post WHERE village_id {villages})"
        if villages
        else ""
    )
    return f"""
        INSERT INTO {TABLE} (village_id, category, term_start, term_end, enrolled, until, posts)
        SELECT p.village_id, p.category, p.term_start, p.term_end,
               CASE WHEN c.enrolled <= p.term_start THEN NULL ELSE c.enrolled END,
               c.until, COUNT(*)
        FROM villages_post p
        LEFT JOIN (
            SELECT person_id, MAX(enrolled_on) AS enrolled, MIN(paid_until) AS until
            FROM enrollment_membership
            WHERE program_id IN ({_PROGRAMS}) AND paid_until IS NOT NULL {persons_where}
            GROUP BY person_id
            HAVING COUNT(*) = {len(DEFAULT_MIN_PROGRAMS)}
        ) c ON c.person_id = p.person_id
        {posts_where}
        GROUP BY 1, 2, 3, 4, 5, 6
    """


def _holders(persons: str | None) -> str:
    """INSERT … SELECT of the posts of persons (`person_id {persons}`, or all) who hold more
    than one post, ended or not."""
    where = f"AND person_id {persons}" if persons else ""
    return f"""
        INSERT INTO {HOLDERS} (person_id, village_id, term_start, term_end)
        SELECT person_id, village_id, term_start, term_end FROM villages_post
        WHERE person_id IN (
            SELECT person_id FROM villages_post WHERE TRUE {where}
            GROUP BY person_id HAVING COUNT(*) > 1
        )
    """


def _day_rows(villages: str | None) -> str:
    """INSERT … SELECT of the `VillageDay` rows of the villages matching `village_id
    {villages}` (or all) for the day in `CoverageDay`, summed from the summary: the same
    conditional sums the selectors use for any day (held on the day; covered when enrolled by
    then and paid through it; lapsing when paid until at most `lapsing_until`; in arrears when
    paid until before the day and on or after `arrears_since`; ended when paid until before
    `arrears_since`; for the forecast, still covered `ahead_N` when paid until at least then).
    Summed per village and category first, then spread into one column per category and
    figure: each summary row is tested once per figure, not once per column (at national
    scale, 4 million rows). Nothing when no day is set."""
    enrolled = "(s.enrolled IS NULL OR s.enrolled <= d.day)"
    tests = {
        "covered": f"{enrolled} AND s.until >= d.day",
        "lapsing": f"{enrolled} AND s.until >= d.day AND s.until <= d.lapsing_until",
        "arrears": f"{enrolled} AND s.until < d.day AND s.until >= d.arrears_since",
        "ended": f"{enrolled} AND s.until < d.arrears_since",
        **{
            f"covered_{days}": f"{enrolled} AND s.until >= d.ahead_{days}" for days in FORECAST_DAYS
        },
    }
    figures = ["posts", *tests]
    per_category = ", ".join(
        ["SUM(s.posts) AS posts"]
        + [
            f"SUM(CASE WHEN {test} THEN s.posts ELSE 0 END) AS {name}"
            for name, test in tests.items()
        ]
    )
    columns, sums = [], []
    for category, prefix in DAY_CATEGORIES:
        for figure in figures:
            columns.append(f"{prefix}_{figure}")
            sums.append(f"SUM(CASE WHEN c.category = '{category}' THEN c.{figure} ELSE 0 END)")
    where = f"AND s.village_id {villages}" if villages else ""
    return f"""
        INSERT INTO {DAY_ROWS} (day, village_id, {", ".join(columns)})
        SELECT c.day, c.village_id, {", ".join(sums)}
        FROM (
            SELECT d.day, s.village_id, s.category, {per_category}
            FROM {TABLE} s JOIN {DAY} d ON d.id = 1
            WHERE (s.term_start IS NULL OR s.term_start <= d.day)
              AND (s.term_end IS NULL OR s.term_end >= d.day) {where}
            GROUP BY d.day, s.village_id, s.category
        ) c
        GROUP BY c.day, c.village_id
    """


def _day_rows_delete(villages: str) -> str:
    return (
        f"DELETE FROM {DAY_ROWS} WHERE village_id {villages} "
        f"AND day = (SELECT day FROM {DAY} WHERE id = 1)"
    )


# --- PostgreSQL --------------------------------------------------------------------------

# One lock for every writer of posts and memberships, held to the end of its transaction.
# Why: a refresh must see every row that decides the villages it recomputes. A transaction
# that changes a person's memberships cannot see a post that another, uncommitted one is
# giving that person in a new village, so it would not refresh that village, while the other
# refreshes it with the memberships it can see, the old ones: the village stays out of step.
# Under this lock the refreshes run one transaction after another, and each statement after
# the lock is granted sees every transaction that committed before (READ COMMITTED takes a
# new snapshot per statement in a volatile function). Per-person or per-village locks would
# let more writers through at once, but a transaction takes them statement by statement, so
# no order across statements prevents deadlocks; and a big import takes every bucket anyway.
# Writers that take it first (`villages.locks.coverage_write_lock`) cannot deadlock on it.
_PG_LOCK = f"PERFORM pg_advisory_xact_lock({WRITE_LOCK[0]}, {WRITE_LOCK[1]});"

_PG_REFRESH = f"""
CREATE OR REPLACE FUNCTION enrollment_summary_refresh(codes varchar[]) RETURNS void AS $$
BEGIN
    IF codes IS NULL OR cardinality(codes) = 0 THEN
        RETURN;
    END IF;
    {_PG_LOCK}
    DELETE FROM {TABLE} WHERE village_id = ANY(codes);
    {_aggregate("= ANY(codes)")};
    {_day_rows_delete("= ANY(codes)")};
    {_day_rows("= ANY(codes)")};
END $$ LANGUAGE plpgsql;
"""

_PG_HOLDERS = f"""
CREATE OR REPLACE FUNCTION enrollment_holders_refresh(ids bigint[]) RETURNS void AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    {_PG_LOCK}
    DELETE FROM {HOLDERS} WHERE person_id = ANY(ids);
    {_holders("= ANY(ids)")};
END $$ LANGUAGE plpgsql;
"""

_PG_POSTS = f"""
CREATE OR REPLACE FUNCTION enrollment_summary_posts_changed() RETURNS trigger AS $$
BEGIN
    {_PG_LOCK}
    IF TG_OP = 'INSERT' THEN
        PERFORM enrollment_summary_refresh(ARRAY(SELECT DISTINCT village_id FROM new_rows));
        PERFORM enrollment_holders_refresh(ARRAY(SELECT DISTINCT person_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM enrollment_summary_refresh(ARRAY(SELECT DISTINCT village_id FROM old_rows));
        PERFORM enrollment_holders_refresh(ARRAY(SELECT DISTINCT person_id FROM old_rows));
    ELSE
        PERFORM enrollment_summary_refresh(ARRAY(
            SELECT village_id FROM new_rows UNION SELECT village_id FROM old_rows));
        PERFORM enrollment_holders_refresh(ARRAY(
            SELECT person_id FROM new_rows UNION SELECT person_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_PG_MEMBERSHIPS = f"""
CREATE OR REPLACE FUNCTION enrollment_summary_memberships_changed() RETURNS trigger AS $$
BEGIN
    -- First the lock, then the look-up of the person's villages: the look-up is a statement
    -- of its own, so it sees the posts of every writer that committed while this one waited.
    {_PG_LOCK}
    IF TG_OP = 'INSERT' THEN
        PERFORM enrollment_summary_refresh(ARRAY(SELECT DISTINCT village_id FROM villages_post
            WHERE person_id IN (SELECT person_id FROM new_rows)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM enrollment_summary_refresh(ARRAY(SELECT DISTINCT village_id FROM villages_post
            WHERE person_id IN (SELECT person_id FROM old_rows)));
    ELSE
        PERFORM enrollment_summary_refresh(ARRAY(SELECT DISTINCT village_id FROM villages_post
            WHERE person_id IN (SELECT person_id FROM new_rows
                                UNION SELECT person_id FROM old_rows)));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_PG_REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
_WATCHED = {
    "villages_post": ("post", "enrollment_summary_posts_changed"),
    "enrollment_membership": ("membership", "enrollment_summary_memberships_changed"),
}


def _pg_install() -> list[str]:
    statements = [_PG_REFRESH, _PG_HOLDERS, _PG_POSTS, _PG_MEMBERSHIPS]
    for table, (short, function) in _WATCHED.items():
        for event, referencing in _PG_REFERENCING.items():
            statements.append(
                f"CREATE TRIGGER enrollment_summary_{short}_{event.lower()} AFTER {event} "
                f"ON {table} {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    return statements


def _pg_uninstall() -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS enrollment_summary_{short}_{event.lower()} ON {table}"
        for table, (short, _function) in _WATCHED.items()
        for event in _PG_REFERENCING
    ]
    return [
        *statements,
        "DROP FUNCTION IF EXISTS enrollment_summary_posts_changed()",
        "DROP FUNCTION IF EXISTS enrollment_summary_memberships_changed()",
        "DROP FUNCTION IF EXISTS enrollment_summary_refresh(varchar[])",
        "DROP FUNCTION IF EXISTS enrollment_holders_refresh(bigint[])",
    ]


# --- SQLite ------------------------------------------------------------------------------

# Villages touched by one row: event → SQL set of village codes.
_SQLITE_VILLAGES = {
    ("post", "INSERT"): "(NEW.village_id)",
    ("post", "UPDATE"): "(OLD.village_id, NEW.village_id)",
    ("post", "DELETE"): "(OLD.village_id)",
    ("membership", "INSERT"): "(SELECT village_id FROM villages_post "
    "WHERE person_id = NEW.person_id)",
    ("membership", "UPDATE"): "(SELECT village_id FROM villages_post "
    "WHERE person_id IN (OLD.person_id, NEW.person_id))",
    ("membership", "DELETE"): "(SELECT village_id FROM villages_post "
    "WHERE person_id = OLD.person_id)",
}


_SQLITE_PERSONS = {
    "INSERT": "(NEW.person_id)",
    "UPDATE": "(OLD.person_id, NEW.person_id)",
    "DELETE": "(OLD.person_id)",
}


def _sqlite_install() -> list[str]:
    tables = {short: table for table, (short, _f) in _WATCHED.items()}
    return [
        f"CREATE TRIGGER enrollment_summary_{short}_{event.lower()} AFTER {event} "
        f"ON {tables[short]} FOR EACH ROW BEGIN "
        f"DELETE FROM {TABLE} WHERE village_id IN {villages}; "
        f"{_aggregate('IN ' + villages)}; "
        f"{_day_rows_delete('IN ' + villages)}; {_day_rows('IN ' + villages)}; "
        f"{_sqlite_holders(short, event)} END"
        for (short, event), villages in _SQLITE_VILLAGES.items()
    ]


def _sqlite_holders(short: str, event: str) -> str:
    if short != "post":
        return ""
    persons = _SQLITE_PERSONS[event]
    return f"DELETE FROM {HOLDERS} WHERE person_id IN {persons}; {_holders('IN ' + persons)};"


def _sqlite_uninstall() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS enrollment_summary_{short}_{event.lower()}"
        for short, event in _SQLITE_VILLAGES
    ]


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


def rebuild_summary() -> None:
    """Recompute the whole summary from posts and memberships (after a bulk load that ran
    without triggers, or to check it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One pass over every membership grouped by person: keep the hash in memory.
            cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(_aggregate(None))
        cursor.execute(f"DELETE FROM {HOLDERS}")
        cursor.execute(_holders(None))
        cursor.execute(f"DELETE FROM {DAY_ROWS} WHERE day = (SELECT day FROM {DAY} WHERE id = 1)")
        cursor.execute(_day_rows(None))


def day_in_store(using: str = "default") -> dt.date | None:
    """The day whose figures `VillageDay` keeps current, if any. One query."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT day FROM {DAY} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    day = row[0]
    return dt.date.fromisoformat(day) if isinstance(day, str) else day


def roll_day(day: dt.date, *, forward_only: bool = False) -> bool:
    """Make `day` the day whose per-village figures are kept current: fill its `VillageDay`
    rows from the summary in one statement, and drop the rows of days before the previous
    one (readers that started on the previous day still find it). False if `day` was already
    the day (nothing done), or, `forward_only`, if a later day is kept (a job queued for a
    day that has passed). Safe to call from several processes at once.

    A write to posts or memberships waits while the day rolls (PostgreSQL: the summary is
    locked in SHARE mode), so no write is missed between the fill and the new day."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(4244, 0)")  # one roller at a time
            cursor.execute(f"LOCK TABLE {TABLE} IN SHARE MODE")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        previous = day_in_store()
        if previous == day or (forward_only and previous is not None and previous > day):
            return False
        cursor.execute(
            f"DELETE FROM {DAY_ROWS} WHERE day <> %s AND day <> %s", [day, previous or day]
        )
        cursor.execute(f"DELETE FROM {DAY}")
        ahead = [f"ahead_{days}" for days in FORECAST_DAYS]
        cursor.execute(
            f"INSERT INTO {DAY} (id, day, lapsing_until, arrears_since, {', '.join(ahead)}, "
            f"rolled_at) VALUES (1, %s, %s, %s, {', '.join(['%s'] * len(ahead))}, "
            "CURRENT_TIMESTAMP)",
            [
                day,
                day + dt.timedelta(days=LAPSING_DAYS),
                arrears_since(day),
                *[day + dt.timedelta(days=days) for days in FORECAST_DAYS],
            ],
        )
        cursor.execute(f"DELETE FROM {DAY_ROWS} WHERE day = %s", [day])
        cursor.execute(_day_rows(None))
    return True


@contextmanager
def triggers_off():
    """Inside a transaction: write posts and memberships without keeping the summary (a bulk
    load that calls `rebuild_summary()` at the end). PostgreSQL: for this transaction only,
    via session_replication_role (a superuser setting; it also skips foreign-key checks, so
    the caller vouches for its rows). SQLite: the triggers are dropped and put back."""
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
