from django.db import migrations, models


def _event_triggers_back(apps, schema_editor):
    """Migrating back: on SQLite removing the column rebuilt the table, without 0003's triggers."""
    from griddesk.audit.triggers import triggers_install

    triggers_install(schema_editor.connection, tables=("audit_auditevent",))


class Migration(migrations.Migration):
    """The audit key that signed each event (rule K-8); 0005 fills it while re-hashing.

    On SQLite adding a NOT NULL column rebuilds the table, which drops 0003's triggers:
    0005 puts them back.
    """

    dependencies = [
        ("audit", "0003_append_only"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _event_triggers_back),  # runs last when reversed
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="", max_length=16, verbose_name="密钥"),
            preserve_default=False,
        ),
    ]
