"""The roles' groups get the campaign's model permissions (as villages.roles.ROLE_PERMISSIONS
gives them to groups made from now on): branch staff enter outreach events and Perisai agents
in their scope, the others who read the data read them, and head office edits the commission
rate. Frozen here, so the migration does the same whatever the code says later."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ["view"]
EDIT = ["view", "add", "change"]
RECORDS = ["outreachevent", "eventattendance", "perisaiagent", "registration"]
# Group names as villages.roles.GROUP_NAMES fixes them.
GRANTS = {
    "Kantor pusat": {**dict.fromkeys(RECORDS, READ), "registration": EDIT, "commissionrate": EDIT},
    "Kantor wilayah": dict.fromkeys([*RECORDS, "commissionrate"], READ),
    "Staf cabang": {**dict.fromkeys(RECORDS, EDIT), "commissionrate": READ},
    "Manajer": dict.fromkeys([*RECORDS, "commissionrate"], READ),
}


def _permissions(apps, grants):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in grants.items() for action in actions]
    return Permission.objects.filter(content_type__app_label="campaign", codename__in=codenames)


def grant(apps, schema_editor):
    # Permissions are made after migrations (post_migrate); the groups need them now.
    config = apps.get_app_config("campaign")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.add(*_permissions(apps, GRANTS[group.name]))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    everything = {
        model: ["view", "add", "change", "delete"] for model in [*RECORDS, "commissionrate"]
    }
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*_permissions(apps, everything))


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0003_registration_prefix_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
