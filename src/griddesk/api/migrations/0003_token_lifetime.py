"""Every API token expires (issue 8): tokens issued without an expiry get the default lifetime
(GRIDDESK_API_TOKEN_DAYS, 90 days unless configured) counted from when this migration runs;
`replaced_by` records a rotation (griddesk api_token rotate, POST /api/v1/tokens/rotate)."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def default_lifetime(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    days = getattr(settings, "GRIDDESK_API_TOKEN_DAYS", 90)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + timedelta(days=days))


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0002_lean_write_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="replaced_by",
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="api.apitoken", verbose_name="轮换为"),
        ),
        migrations.RunPython(default_lifetime, migrations.RunPython.noop, elidable=False),
    ]
