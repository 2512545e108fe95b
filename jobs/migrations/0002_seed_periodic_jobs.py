"""The calendar of the coverage's periodic jobs, formerly two cron lines (docs/deployment.md):
the figures of the day just after midnight, and on the first of each month the snapshot of
the month that ended and of the one that begins (the trend chart)."""

import datetime as dt

from django.db import migrations

SEEDS = [
    {
        "name": "Angka harian",
        "kind": "roll_coverage_day",
        "arguments": {},
        "every": "day",
        "day_of_month": None,
        "at": dt.time(0, 5),
    },
    {
        "name": "Potret kepesertaan bulanan",
        "kind": "snapshot_coverage",
        "arguments": {"months": 2},
        "every": "month",
        "day_of_month": 1,
        "at": dt.time(0, 30),
    },
]


def seed(apps, schema_editor):
    PeriodicJob = apps.get_model("jobs", "PeriodicJob")
    for values in SEEDS:
        PeriodicJob.objects.get_or_create(name=values["name"], defaults=values)


def unseed(apps, schema_editor):
    PeriodicJob = apps.get_model("jobs", "PeriodicJob")
    PeriodicJob.objects.filter(name__in=[values["name"] for values in SEEDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
