"""The weekly work-list e-mail on the calendar of periodic jobs: queued every day at 06:00
WIB, it mails each user once per ISO week (Monday's run sends the week's mails)."""

import datetime as dt

from django.db import migrations

SEED = {
    "name": "Surel daftar kerja mingguan",
    "kind": "send_work_digest",
    "arguments": {},
    "every": "day",
    "day_of_month": None,
    "at": dt.time(6, 0),
}


def seed(apps, schema_editor):
    PeriodicJob = apps.get_model("jobs", "PeriodicJob")
    PeriodicJob.objects.get_or_create(name=SEED["name"], defaults=SEED)


def unseed(apps, schema_editor):
    apps.get_model("jobs", "PeriodicJob").objects.filter(name=SEED["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("digest", "0001_initial"), ("jobs", "0002_seed_periodic_jobs")]

    operations = [migrations.RunPython(seed, unseed)]
