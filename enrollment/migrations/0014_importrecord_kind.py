"""Imports of several kinds in one history: a roster, or residents' registrations."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0013_importrecord_changes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="importrecord",
            options={
                "ordering": ["-created_at"],
                "verbose_name": "import",
                "verbose_name_plural": "imports",
            },
        ),
        migrations.AddField(
            model_name="importrecord",
            name="kind",
            field=models.CharField(
                choices=[("roster", "roster"), ("registrations", "residents' registrations")],
                default="roster",
                max_length=15,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="importrecord",
            name="origin",
            field=models.CharField(
                choices=[("admin", "admin upload"), ("command", "command line")],
                max_length=10,
                verbose_name="origin",
            ),
        ),
    ]
