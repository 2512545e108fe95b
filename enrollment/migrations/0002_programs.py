from django.db import migrations

PROGRAMS = [
    ("JKK", "Jaminan Kecelakaan Kerja", 1),
    ("JKM", "Jaminan Kematian", 2),
    ("JHT", "Jaminan Hari Tua", 3),
    ("JP", "Jaminan Pensiun", 4),
    ("JKP", "Jaminan Kehilangan Pekerjaan", 5),
]


def create_programs(apps, schema_editor):
    Program = apps.get_model("enrollment", "Program")
    for code, name, order in PROGRAMS:
        Program.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_initial")]

    operations = [migrations.RunPython(create_programs, migrations.RunPython.noop)]
