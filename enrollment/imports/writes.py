"""Bulk writes with history for the import.

Creates go through `simple_history.utils.bulk_create_with_history` and updates through
`bulk_update_with_history`, except on PostgreSQL. There the same rows (each record and its
history row: same fields, date, user, reason and type) are written with binary COPY: Django's
bulk_create spends about 60 µs a row in Python and bulk_update some milliseconds (a CASE per
field and row), COPY about 5 µs, and an import of 100,000 rows writes some 750,000. New ids come
from the table's own sequence first, so records and history rows are written in one pass each;
updates go into a temporary table by COPY and from there in one UPDATE … FROM.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Field, Model
from psycopg import sql
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from enrollment.models import ImportRecord
from villages.batches import chunks

BATCH = 2000
COPY_CHUNK = 50_000  # rows per COPY: bounds the memory a write takes
# Django's bulk_update builds a CASE per field and row: small batches keep each query cheap.
UPDATE_BATCH = 500
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")
# An ImportRecord's files, up to 20 MB each, and its compressed list of changes (a few MB).
FILE_FIELDS = ("upload", "rejected", "changes")


def save_with_files(record: ImportRecord, **files: bytes) -> None:
    """Save an ImportRecord, setting the files given (the others are left as stored). On
    PostgreSQL the files go as binary parameters of a statement bound on the server: Django
    binds on the client, where a 20 MB file becomes 40 MB of escaped text, copied again, and a
    worker grows by 160 MB (by 40 MB this way)."""
    if record.pk is None:
        record.save()  # with empty files: a new record's
    else:
        record.save(update_fields=plain_fields(record))
    for name, value in files.items():
        setattr(record, name, value)
    if not files:
        return
    if connection.vendor != "postgresql":
        record.save(update_fields=list(files))
        return
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(_column(name))} = %b" for name in files)
    statement = f"UPDATE {quote(ImportRecord._meta.db_table)} SET {sets} WHERE id = %s"
    with connection.cursor() as cursor, psycopg.Cursor(cursor.cursor.connection) as bound:
        bound.execute(statement, [*files.values(), record.pk])


READ_SLICE = 1024 * 1024


def load_file(record: ImportRecord, name: str) -> bytes:
    """One of an ImportRecord's files, read a megabyte at a time: read whole, a 20 MB file
    left a worker 60 to 80 MB bigger (escaped as text, and the driver's buffers keep the size
    of the largest result they held)."""
    quote = connection.ops.quote_name
    column, table = quote(_column(name)), quote(ImportRecord._meta.db_table)
    length = "octet_length" if connection.vendor == "postgresql" else "length"
    pieces = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {length}({column}) FROM {table} WHERE id = %s", [record.pk])
        size = _one(cursor.fetchone()) or 0
        for start in range(1, size + 1, READ_SLICE):
            cursor.execute(
                f"SELECT substr({column}, %s, %s) FROM {table} WHERE id = %s",
                [start, READ_SLICE, record.pk],
            )
            pieces.append(bytes(_one(cursor.fetchone())))
    return b"".join(pieces)


def _column(name: str) -> str:
    """The column of an ImportRecord's field (its files)."""
    field = ImportRecord._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"ImportRecord.{name} is not a column")
    return field.column


def _one(row: tuple[Any, ...] | None) -> Any:
    """The value of a one-column row that the query always returns (by the record's id)."""
    if row is None:
        raise ImportRecord.DoesNotExist
    (value,) = row
    return value


def plain_fields(record: ImportRecord) -> list[str]:
    """The record's fields but its id and its files."""
    return [
        field.name
        for field in record._meta.concrete_fields
        if not field.primary_key and field.name not in FILE_FIELDS
    ]


def create_with_history(
    model: type[Model],
    fields: Sequence[str],
    records: Iterable[Mapping[str, object]],
    *,
    history: dict[str, Any],
    copy: bool | None = None,
) -> array[int]:
    """Insert `records` (each the values of `fields`, by name: every field but the id), taken
    a chunk at a time, with their history; the new ids, in order. `copy` forces or forbids the
    COPY path (default: on PostgreSQL)."""
    if copy is None:
        copy = copy_supported(model)
    ids = array("q")  # 8 bytes an id, not a list's 36
    for batch in chunks(rows_of(fields, records), COPY_CHUNK if copy else BATCH):
        if copy:
            ids.extend(_copy_create(model, fields, batch, history))
            continue
        objs = [model(**dict(zip(fields, row, strict=True))) for row in batch]
        created = bulk_create_with_history(objs, model, batch_size=BATCH, **history)
        ids.extend(obj.pk for obj in created)
    return ids


def update_with_history(
    model: type[Model],
    records: Iterable[Mapping[str, object]],
    fields: list[str],
    *,
    history: dict[str, Any],
    copy: bool | None = None,
    baseline: str = "",
) -> None:
    """Update `fields` of the records whose complete values `records` give (every field, by
    name) and write their "~" history rows. With a `baseline` reason, a record that has no
    history yet first gets one of its stored state (`write_baselines`)."""
    if copy is None:
        copy = copy_supported(model)
    names = [f.attname for f in model._meta.concrete_fields]
    pk = names.index("id")
    for batch in chunks(rows_of(names, records), COPY_CHUNK if copy else UPDATE_BATCH):
        if baseline:
            write_baselines(model, [row[pk] for row in batch], history, reason=baseline)
        if copy:
            _copy_update(model, batch, fields, history)
        else:
            objs = [model(**dict(zip(names, row, strict=True))) for row in batch]
            bulk_update_with_history(objs, model, fields, batch_size=UPDATE_BATCH, **history)


def write_baselines(
    model: type[Model], ids: list[Any], history: dict[str, Any], *, reason: str
) -> None:
    """A "~" history row of the stored state of each record in `ids` that has none, dated
    just before `history`'s date. Records written without history (bulk loads, the demo)
    would otherwise show an update's first history row with nothing to compare it with: an
    empty list of changes. Skipped for a history table with fields of its own."""
    history_fields = {f.attname for f in history_model(model)._meta.concrete_fields}
    fields = list(model._meta.concrete_fields)
    if not ids or history_fields != {f.attname for f in fields} | {"history_id", *HISTORY_COLUMNS}:
        return
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    table, versions = model._meta.db_table, history_model(model)._meta.db_table
    if connection.vendor == "postgresql":
        wanted, params = "t.id = ANY(%s)", [list(ids)]
    else:
        wanted, params = f"t.id IN ({', '.join(['%s'] * len(ids))})", list(ids)
    date = history["default_date"] - dt.timedelta(microseconds=1)
    statement = (
        f"INSERT INTO {quote(versions)} ({', '.join(columns)}, "
        f"{', '.join(map(quote, HISTORY_COLUMNS))}) "
        f"SELECT {', '.join(f't.{c}' for c in columns)}, %s, %s, '~', NULL "
        f"FROM {quote(table)} t WHERE {wanted} "
        f"AND NOT EXISTS (SELECT 1 FROM {quote(versions)} h WHERE h.id = t.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [date, reason[:100], *params])


def rows_of(
    fields: Sequence[str], records: Iterable[Mapping[str, object]]
) -> Iterator[tuple[object, ...]]:
    """Each record's values of `fields`, in that order: the one place a named record becomes a
    row (COPY and the chunks take tuples, a third of a dict's size)."""
    for record in records:
        yield tuple(record[name] for name in fields)


def copy_supported(model: type[Model]) -> bool:
    """PostgreSQL, an auto id, and a history table of exactly the model's fields plus
    simple_history's own (anything else falls back to bulk_create_with_history)."""
    pk = model._meta.pk
    if connection.vendor != "postgresql" or pk is None or pk.attname != "id":
        return False
    fields = {f.attname for f in model._meta.concrete_fields}
    history = {f.attname for f in history_model(model)._meta.concrete_fields}
    return history == fields | {"history_id", *HISTORY_COLUMNS}


def history_model(model: type[Model]) -> type[Model]:
    """The model simple_history keeps `model`'s history in."""
    # simple_history's HistoricalRecords adds `history` when the model class is created.
    history: type[Model] = model.history.model  # type: ignore[attr-defined]
    return history


def _history_extra(history: dict[str, Any], kind: str) -> tuple[object, ...]:
    user = history.get("default_user")
    reason = history.get("default_change_reason") or ""
    return (history["default_date"], reason, kind, getattr(user, "pk", None))


def _copy_create(
    model: type[Model],
    columns: Sequence[str],
    rows: list[tuple[object, ...]],
    history: dict[str, Any],
) -> array[int]:
    fields = {f.attname for f in model._meta.concrete_fields}
    assert fields == {"id", *columns}, "every field but the id is given"
    ids = _next_ids(model, len(rows))
    extra = _history_extra(history, "+")
    names = ["id", *columns]
    history_table = history_model(model)._meta.db_table
    with connection.wrap_database_errors, connection.cursor() as cursor:
        records = ((pk, *row) for pk, row in zip(ids, rows, strict=True))
        _copy(cursor.cursor, model._meta.db_table, names, records)
        versions = ((pk, *row, *extra) for pk, row in zip(ids, rows, strict=True))
        _copy(cursor.cursor, history_table, [*names, *HISTORY_COLUMNS], versions)
    return ids


def _copy_update(
    model: type[Model], rows: list[tuple[object, ...]], fields: list[str], history: dict[str, Any]
) -> None:
    """The new values into a temporary table by COPY, one UPDATE … FROM it, then the "~"
    history rows (every field, as simple_history writes them) by COPY."""
    table, temporary = model._meta.db_table, f"import_update_{model._meta.db_table}"
    names = [f.attname for f in model._meta.concrete_fields]
    extra = _history_extra(history, "~")
    assignments = sql.SQL(", ").join(
        sql.SQL("{0} = u.{0}").format(sql.Identifier(field)) for field in fields
    )
    with connection.wrap_database_errors, connection.cursor() as cursor:
        columns = sql.SQL(", ").join(map(sql.Identifier, ["id", *fields]))
        cursor.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(sql.Identifier(temporary), columns, sql.Identifier(table))
        )
        changed = itemgetter(*(names.index(name) for name in ["id", *fields]))
        _copy(cursor.cursor, temporary, ["id", *fields], map(changed, rows))
        cursor.execute(
            sql.SQL("UPDATE {} AS t SET {} FROM {} AS u WHERE t.id = u.id").format(
                sql.Identifier(table), assignments, sql.Identifier(temporary)
            )
        )
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(temporary)))
        history_table = history_model(model)._meta.db_table
        versions = ((*row, *extra) for row in rows)
        _copy(cursor.cursor, history_table, [*names, *HISTORY_COLUMNS], versions)


def _copy(
    cursor: psycopg.Cursor[Any], table: str, columns: list[str], rows: Iterable[Sequence[object]]
) -> None:
    """COPY in binary format, the column types read from the table itself."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attname = ANY(%s)",
        [table, columns],
    )
    types = dict(cursor.fetchall())
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cursor.copy(statement) as copy:
        copy.set_types([types[column] for column in columns])
        for row in rows:
            copy.write_row(row)


def _next_ids(model: type[Model], count: int) -> array[int]:
    """`count` new ids from the table's sequence, in an array (a list of a COPY chunk's rows
    as fetched was 6 MB)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return array("q", (row[0] for row in cursor))
