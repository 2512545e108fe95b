"""The contribution rates in force since 1 July 2015, when the pension program began and
PP 44/2015 (JKK, JKM), PP 45/2015 (JP) and PP 46/2015 (JHT) took effect (domain.md):
BPU JKK 1 % of declared income with a Rp 10.000 minimum, JKM Rp 6.800 flat, JHT 2 %;
PU JKK 0,24 / 0,54 / 0,89 / 1,27 / 1,74 % by risk class, JKM 0,30 %, JHT 5,7 %, JP 3 %."""

import datetime
from decimal import Decimal

from django.db import migrations

VALID_FROM = datetime.date(2015, 7, 1)
# (scheme, program, risk class, % , flat amount, minimum)
RATES = [
    ("BPU", "JKK", None, "1.00", None, 10_000),
    ("BPU", "JKM", None, None, 6_800, None),
    ("BPU", "JHT", None, "2.00", None, None),
    ("PU", "JKK", 1, "0.24", None, None),
    ("PU", "JKK", 2, "0.54", None, None),
    ("PU", "JKK", 3, "0.89", None, None),
    ("PU", "JKK", 4, "1.27", None, None),
    ("PU", "JKK", 5, "1.74", None, None),
    ("PU", "JKM", None, "0.30", None, None),
    ("PU", "JHT", None, "5.70", None, None),
    ("PU", "JP", None, "3.00", None, None),
]


def add_rates(apps, schema_editor):
    ContributionRate = apps.get_model("finance", "ContributionRate")
    for scheme, program, risk_class, pct, flat, minimum in RATES:
        ContributionRate.objects.get_or_create(
            scheme=scheme,
            program=program,
            risk_class=risk_class,
            valid_from=VALID_FROM,
            defaults={
                "pct": Decimal(pct) if pct else None,
                "flat_amount": flat,
                "minimum": minimum,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
