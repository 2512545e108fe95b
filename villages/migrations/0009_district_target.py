"""Targets below the regency (`DistrictTarget`): per district and year, the share of the
officials' posts to be covered and the number of villages to be enrolled, with history."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0008_person_phone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalDistrictTarget',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('officials_pct', models.DecimalField(blank=True, decimal_places=2, help_text="The share of the posts of village officials in the district to be covered, as the dashboard's coverage counts them.", max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='officials covered target (%)')),
                ('villages_enrolled', models.PositiveIntegerField(blank=True, help_text="How many of the district's villages are to be enrolled: a village is enrolled when at least one of its officials' posts is covered.", null=True, verbose_name='villages enrolled target')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('district', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='villages.district', verbose_name='district')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical district target',
                'verbose_name_plural': 'historical district targets',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='DistrictTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('officials_pct', models.DecimalField(blank=True, decimal_places=2, help_text="The share of the posts of village officials in the district to be covered, as the dashboard's coverage counts them.", max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='officials covered target (%)')),
                ('villages_enrolled', models.PositiveIntegerField(blank=True, help_text="How many of the district's villages are to be enrolled: a village is enrolled when at least one of its officials' posts is covered.", null=True, verbose_name='villages enrolled target')),
                ('district', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='villages.district', verbose_name='district')),
            ],
            options={
                'verbose_name': 'district target',
                'verbose_name_plural': 'district targets',
                'ordering': ['district', '-year'],
                'constraints': [models.UniqueConstraint(fields=('district', 'year'), name='villages_districttarget_unique_year', violation_error_message='This district already has targets for that year.'), models.CheckConstraint(condition=models.Q(('officials_pct__isnull', True), models.Q(('officials_pct__gte', 0), ('officials_pct__lte', 100)), _connector='OR'), name='villages_districttarget_pct_range', violation_error_message='A target is a percentage between 0 and 100.'), models.CheckConstraint(condition=models.Q(('officials_pct__isnull', False), ('villages_enrolled__isnull', False), _connector='OR'), name='villages_districttarget_some_target', violation_error_message='Give the officials covered target, the villages enrolled target, or both.')],
            },
        ),
    ]
