"""Evidence files keep the content type they were uploaded as, served with every download; files
uploaded before get the type their name suggests (application/octet-stream when it suggests none)."""

import mimetypes

from django.db import migrations, models

FALLBACK = "application/octet-stream"


def guess_types(apps, schema_editor):
    Evidence = apps.get_model("orders", "Evidence")
    for evidence in Evidence.objects.only("pk", "file").iterator(chunk_size=2000):
        guessed, _encoding = mimetypes.guess_type(evidence.file.name or "")
        if guessed and guessed != FALLBACK:
            Evidence.objects.filter(pk=evidence.pk).update(content_type=guessed)


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0017_channel_ivr"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="content_type",
            field=models.CharField(default=FALLBACK, max_length=100, verbose_name="文件类型"),
        ),
        migrations.RunPython(guess_types, migrations.RunPython.noop),
    ]
