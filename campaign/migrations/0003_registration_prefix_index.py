"""A covering index for the campaign figures of an area (campaign.selectors): registrations
whose village code starts with the area's (LIKE '33.02.%', which needs the pattern operator
class) over a range of days, read from the index alone (channel, count, contributions and
agent included). PostgreSQL only: SQLite has neither operator classes nor INCLUDE, and a
model index with `include` would raise a system-check warning there."""

from django.db import migrations

NAME = "campaign_reg_prefix_date_cover"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON campaign_registration "
            "(village_id varchar_pattern_ops, date) "
            "INCLUDE (channel, count, contributions, agent_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("campaign", "0002_default_commission_rate")]

    operations = [migrations.RunPython(create, drop)]
