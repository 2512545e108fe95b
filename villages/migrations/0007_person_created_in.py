"""Where a person was entered (`Person.created_in`), so that a scoped user sees the persons
entered in their area before they hold a post there, and no others without a post.

The column is nullable (no table rewrite). Its index is built CONCURRENTLY on PostgreSQL (hence
`atomic = False`), so imports keep writing to the persons table while it builds.
"""

from django.db import migrations, models

INDEX = models.Index(
    fields=["created_in"], name="villages_person_created_in_idx", opclasses=["varchar_pattern_ops"]
)


def add_index(apps, schema_editor):
    person = apps.get_model("villages", "Person")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(person, INDEX, concurrently=True)
    else:
        schema_editor.add_index(person, INDEX)


def remove_index(apps, schema_editor):
    person = apps.get_model("villages", "Person")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(person, INDEX, concurrently=True)
    else:
        schema_editor.remove_index(person, INDEX)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("villages", "0006_role_area_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalperson",
            name="created_in",
            field=models.CharField(
                blank=True,
                help_text="The area the person was entered for (a regency or village code).",
                max_length=13,
                null=True,
                verbose_name="entered in",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="created_in",
            field=models.CharField(
                blank=True,
                help_text="The area the person was entered for (a regency or village code).",
                max_length=13,
                null=True,
                verbose_name="entered in",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="person", index=INDEX)],
            database_operations=[migrations.RunPython(add_index, remove_index)],
        ),
    ]
