"""An import's list of changes, field by field, stored compressed (enrollment.imports.changes)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0012_day_ended_and_forecast"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrecord",
            name="changes",
            field=models.BinaryField(blank=True, default=b"", verbose_name="changes"),
        ),
    ]
