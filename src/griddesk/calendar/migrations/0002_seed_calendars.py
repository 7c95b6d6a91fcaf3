"""Seed the national calendar from the chinese-calendar package, and the rule H-3 hall calendar.

Run `calendar_seed_from_package()` (admin action on 工作日历) after upgrading
the package to load a newer year; it is idempotent.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from griddesk.calendar.seeding import load_package

    Calendar = apps.get_model("calendar", "Calendar")
    national, _ = Calendar.objects.get_or_create(
        code="national", defaults={"name": "国家法定工作日历", "kind": "national"}
    )
    Calendar.objects.get_or_create(
        code="hall", defaults={"name": "营业厅日历（无周休日，规则 H-3）", "kind": "hall"}
    )
    load_package(
        holiday_model=apps.get_model("calendar", "Holiday"),
        year_model=apps.get_model("calendar", "CalendarYear"),
        calendar=national,
    )


def unseed(apps, schema_editor):
    apps.get_model("calendar", "Holiday").objects.all().delete()
    apps.get_model("calendar", "CalendarYear").objects.all().delete()
    apps.get_model("calendar", "Calendar").objects.filter(code__in=["national", "hall"]).delete()


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
