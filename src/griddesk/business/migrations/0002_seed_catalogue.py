"""Seed the business catalogue (rules W-3, H-6): new connections (resident, low-voltage
non-resident), capacity increase, change of use, with their documents, steps, fees and deadlines."""

from django.db import migrations

from griddesk.business.seed import ITEMS


def seed(apps, schema_editor):
    BusinessItem = apps.get_model("business", "BusinessItem")
    for item in ITEMS:
        BusinessItem.objects.update_or_create(code=item["code"], defaults={k: v for k, v in item.items() if k != "code"})


def unseed(apps, schema_editor):
    apps.get_model("business", "BusinessItem").objects.filter(code__in=[item["code"] for item in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("business", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
