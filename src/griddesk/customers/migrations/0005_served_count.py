"""Customers served per transformer, zone and unit (供电户数), kept by triggers (customers/served.py);
counted once here from the customers already stored."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

from griddesk.customers.served import served_recount, served_triggers_drop, served_triggers_install


def forward(apps, schema_editor):
    served_triggers_install(schema_editor.connection)
    served_recount(schema_editor.connection)


def backward(apps, schema_editor):
    served_triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_address_index_pending_list'),
        ('grid', '0002_initial'),
        ('orgs', '0002_seed_roles'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServedCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone', models.CharField(choices=[('urban', '城区'), ('rural', '农村'), ('remote', '边远地区')], max_length=8)),
                ('customers', models.IntegerField()),
                ('org', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.org')),
                ('transformer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grid.device')),
            ],
            options={
                'verbose_name': '供电户数',
                'verbose_name_plural': '供电户数',
                'constraints': [models.UniqueConstraint(models.F('transformer'), models.F('zone'), django.db.models.functions.comparison.Coalesce(models.F('org'), 0), name='served_count_group')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
