from django.db import migrations


def install(apps, schema_editor):
    # PostgreSQL only: one write lock, taken before the look-up of what to refresh (frozen SQL
    # in _sql_0009). SQLite's row triggers are unchanged: it has one writer at a time.
    if schema_editor.connection.vendor != "postgresql":
        return
    from enrollment.migrations import _sql_0009 as sql

    with schema_editor.connection.cursor() as cursor:
        for statement in sql.PG_INSTALL:
            cursor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from enrollment.migrations import _sql_0006, _sql_0007

    with schema_editor.connection.cursor() as cursor:
        # The functions as 0007 left them: its refresh, and 0006's other three.
        for statement in [_sql_0007.PG_INSTALL[0], *_sql_0006.PG_INSTALL[1:4]]:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0008_area_snapshot"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
