"""A trigram index for the admin's search of persons by name, on PostgreSQL only.

The admin searches `search_fields = ["name"]` (and memberships and posts `person__name`) with
`UPPER("villages_person"."name"::text) LIKE UPPER('%term%')`: a leading wildcard no b-tree can
serve, so each search read all 4.8 M persons. A GIN index with `gin_trgm_ops` on that exact
expression serves it. Built CONCURRENTLY (hence `atomic = False`), so imports keep writing
while it builds. SQLite, the zero-setup default, has neither pg_trgm nor GIN: there the
migration does nothing. The index is not in `Person.Meta.indexes` for the same reason.
"""

from django.db import migrations

INDEX = "villages_person_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension: the database owner may create it without superuser.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON villages_person "
        "USING gin (UPPER(name::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other indexes or queries may use it.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("villages", "0004_access_log"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
