"""The commission rate in force since the Perisai programme began: 7.5 % of contributions."""

import datetime
from decimal import Decimal

from django.db import migrations


def add_rate(apps, schema_editor):
    CommissionRate = apps.get_model("campaign", "CommissionRate")
    CommissionRate.objects.get_or_create(
        valid_from=datetime.date(2000, 1, 1), defaults={"rate_pct": Decimal("7.50")}
    )


class Migration(migrations.Migration):
    dependencies = [("campaign", "0001_initial")]

    operations = [migrations.RunPython(add_rate, migrations.RunPython.noop)]
