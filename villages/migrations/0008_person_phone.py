"""A contact phone for persons (`Person.phone`), for the work list's call list; entered in the
admin, masked like NIK for users who may not see full identifiers.

NOT NULL with the empty string for none, also the column's database default: bulk writes that
leave the column out (COPY in generate_load) store "". PostgreSQL 11+ adds a column with a
constant default without rewriting the table (4.8 M persons at national scale).
"""

import villages.phones
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0007_person_created_in'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalperson',
            name='phone',
            field=villages.phones.PhoneField(blank=True, db_default='', default='', help_text="A contact number for the work list's call list, e.g. 081234567890. Shown in full only to users who may see full NIKs.", max_length=16, verbose_name='phone'),
        ),
        migrations.AddField(
            model_name='person',
            name='phone',
            field=villages.phones.PhoneField(blank=True, db_default='', default='', help_text="A contact number for the work list's call list, e.g. 081234567890. Shown in full only to users who may see full NIKs.", max_length=16, verbose_name='phone'),
        ),
    ]
