import datetime

from django.db import migrations, models

FORECAST_DAYS = (30, 60, 90)


def install(apps, schema_editor):
    # The day's rows also keep the ended posts and the forecast's covered posts (frozen SQL in
    # _sql_0012); the kept day gets the forecast's days, and its rows are filled again so that
    # the new columns hold their figures at once, not only after the next roll.
    from enrollment.migrations import _sql_0012 as sql

    postgresql = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        for statement in sql.PG_INSTALL if postgresql else sql.SQLITE_INSTALL:
            cursor.execute(statement)
        cursor.execute("SELECT day FROM enrollment_coverageday WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            return
        day = row[0] if isinstance(row[0], datetime.date) else datetime.date.fromisoformat(row[0])
        cursor.execute(
            "UPDATE enrollment_coverageday SET ahead_30 = %s, ahead_60 = %s, ahead_90 = %s "
            "WHERE id = 1",
            [day + datetime.timedelta(days=days) for days in FORECAST_DAYS],
        )
        for statement in sql.DAY_FILL:
            cursor.execute(statement)


def uninstall(apps, schema_editor):
    # PostgreSQL: the refresh function as 0009 left it. SQLite: no triggers while the columns
    # go (dropping a column rebuilds the table, and a trigger naming it would stop that);
    # `sqlite_triggers_off` puts 0007's back after.
    from enrollment.migrations import _sql_0009

    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(_sql_0009.PG_INSTALL[0])
            return
        for statement in _sqlite_drops():
            cursor.execute(statement)


def _sqlite_drops() -> list[str]:
    from enrollment.migrations import _sql_0007

    return [s for s in _sql_0007.SQLITE_INSTALL if s.startswith("DROP ")]


# PostgreSQL: how many distinct child areas the day's rows hold at each level. A dashboard
# sums the rows grouped by the first 2, 5 or 8 characters of the village code; without
# statistics on those expressions the planner, once the table is analyzed, expects a group
# per row and sorts 83,762 rows to disk instead of hashing a few dozen groups (country
# dashboard's aggregate: about 100 ms against 35 ms).
CHILD_CODE_LENGTHS = (2, 5, 8)


def statistics_on(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for length in CHILD_CODE_LENGTHS:
            cursor.execute(
                f"CREATE STATISTICS IF NOT EXISTS enrollment_villageday_child_{length} "
                f"ON (substring(village_id, 1, {length})) FROM enrollment_villageday"
            )


def statistics_off(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for length in CHILD_CODE_LENGTHS:
            cursor.execute(f"DROP STATISTICS IF EXISTS enrollment_villageday_child_{length}")


def sqlite_triggers_off(apps, schema_editor):
    # SQLite rebuilds a table to add a column; its triggers name the day's tables and would
    # stop the rebuild. `install` puts the new ones in.
    if schema_editor.connection.vendor == "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in _sqlite_drops():
            cursor.execute(statement)


def sqlite_triggers_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    from enrollment.migrations import _sql_0007

    with schema_editor.connection.cursor() as cursor:
        for statement in _sql_0007.SQLITE_INSTALL:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0011_rule_set_near_thresholds"),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_off, sqlite_triggers_back, elidable=False),
        migrations.AddField(
            model_name="coverageday",
            name="ahead_30",
            field=models.DateField(
                default=datetime.date(2000, 1, 1),
                verbose_name="covered in 30 days if paid until at least",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="coverageday",
            name="ahead_60",
            field=models.DateField(
                default=datetime.date(2000, 1, 1),
                verbose_name="covered in 60 days if paid until at least",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="coverageday",
            name="ahead_90",
            field=models.DateField(
                default=datetime.date(2000, 1, 1),
                verbose_name="covered in 90 days if paid until at least",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="villageday",
            name="perangkat_ended",
            field=models.PositiveIntegerField(default=0, verbose_name="perangkat_ended"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="bpd_ended",
            field=models.PositiveIntegerField(default=0, verbose_name="bpd_ended"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="rt_rw_ended",
            field=models.PositiveIntegerField(default=0, verbose_name="rt_rw_ended"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lkd_ended",
            field=models.PositiveIntegerField(default=0, verbose_name="lkd_ended"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="linmas_ended",
            field=models.PositiveIntegerField(default=0, verbose_name="linmas_ended"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lainnya_ended",
            field=models.PositiveIntegerField(default=0, verbose_name="lainnya_ended"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="perangkat_covered_30",
            field=models.PositiveIntegerField(default=0, verbose_name="perangkat_covered_30"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="perangkat_covered_60",
            field=models.PositiveIntegerField(default=0, verbose_name="perangkat_covered_60"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="perangkat_covered_90",
            field=models.PositiveIntegerField(default=0, verbose_name="perangkat_covered_90"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="bpd_covered_30",
            field=models.PositiveIntegerField(default=0, verbose_name="bpd_covered_30"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="bpd_covered_60",
            field=models.PositiveIntegerField(default=0, verbose_name="bpd_covered_60"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="bpd_covered_90",
            field=models.PositiveIntegerField(default=0, verbose_name="bpd_covered_90"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="rt_rw_covered_30",
            field=models.PositiveIntegerField(default=0, verbose_name="rt_rw_covered_30"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="rt_rw_covered_60",
            field=models.PositiveIntegerField(default=0, verbose_name="rt_rw_covered_60"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="rt_rw_covered_90",
            field=models.PositiveIntegerField(default=0, verbose_name="rt_rw_covered_90"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lkd_covered_30",
            field=models.PositiveIntegerField(default=0, verbose_name="lkd_covered_30"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lkd_covered_60",
            field=models.PositiveIntegerField(default=0, verbose_name="lkd_covered_60"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lkd_covered_90",
            field=models.PositiveIntegerField(default=0, verbose_name="lkd_covered_90"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="linmas_covered_30",
            field=models.PositiveIntegerField(default=0, verbose_name="linmas_covered_30"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="linmas_covered_60",
            field=models.PositiveIntegerField(default=0, verbose_name="linmas_covered_60"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="linmas_covered_90",
            field=models.PositiveIntegerField(default=0, verbose_name="linmas_covered_90"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lainnya_covered_30",
            field=models.PositiveIntegerField(default=0, verbose_name="lainnya_covered_30"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lainnya_covered_60",
            field=models.PositiveIntegerField(default=0, verbose_name="lainnya_covered_60"),
        ),
        migrations.AddField(
            model_name="villageday",
            name="lainnya_covered_90",
            field=models.PositiveIntegerField(default=0, verbose_name="lainnya_covered_90"),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
        migrations.RunPython(statistics_on, statistics_off, elidable=False),
    ]
