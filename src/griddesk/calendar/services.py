"""Changes to the working-day calendars: keyword-only, one transaction, audited.

Every change of a calendar appends to that calendar's audit stream
(`calendar.calendar:<id>`), so an auditor can tell who moved a holiday and when.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.calendar.models import NATIONAL, Calendar, CalendarKind, CalendarYear, Holiday
from griddesk.calendar.seeding import load_package
from griddesk.calendar.selectors import calendar_changed


def calendar_seed_from_package(*, code=NATIONAL, actor=None):
    """Load every year the installed chinese-calendar package covers into calendar `code`.

    Idempotent: adds missing days and CalendarYear rows, never overwrites or
    deletes a row (an administrator's edit wins). Run it after upgrading the
    package to load the new year. Returns a SeedReport.
    """
    calendar = Calendar.objects.filter(code=code).first()
    if calendar is None:
        raise ValidationError({"code": _("工作日历“%s”不存在。") % code})
    if calendar.kind != CalendarKind.NATIONAL:
        raise ValidationError(
            {"code": _("只有国家法定工作日历可以载入法定节假日（营业厅日历无周休日，规则 H-3）。")}
        )
    with transaction.atomic():
        report = load_package(holiday_model=Holiday, year_model=CalendarYear, calendar=calendar)
        if report.changed:
            calendar_changed()  # bulk_create sends no signals
            audit_append(
                stream=stream_of(calendar), action="calendar.seeded", actor=actor,
                payload={
                    "source": report.source, "years_added": report.years_added,
                    "years_completed": report.years_completed, "days_added": report.days_added,
                    "days_kept": [[str(day), kept, package] for day, kept, package in report.days_kept],
                },
            )
    return report


def holiday_save(*, holiday, actor=None):
    """Create or change one day of the holiday table (节假日/调休上班日), validated first."""
    holiday.full_clean()
    created = holiday.pk is None
    with transaction.atomic():
        holiday.save()
        audit_append(
            stream=stream_of(holiday.calendar), action="calendar.day_saved", actor=actor,
            payload={"date": str(holiday.date), "kind": holiday.kind, "name": holiday.name,
                     "created": created},
        )
    return holiday


def holiday_delete(*, holiday, actor=None):
    """Remove one day from the holiday table; the date becomes an ordinary day of its week."""
    calendar = holiday.calendar
    payload = {"date": str(holiday.date), "kind": holiday.kind, "name": holiday.name}
    with transaction.atomic():
        holiday.delete()
        audit_append(stream=stream_of(calendar), action="calendar.day_deleted", actor=actor, payload=payload)


def calendar_year_save(*, calendar_year, actor=None):
    """Record that a year's holiday data is (or is not yet) complete; the coverage warning follows it."""
    calendar_year.full_clean()
    with transaction.atomic():
        calendar_year.save()
        audit_append(
            stream=stream_of(calendar_year.calendar), action="calendar.year_saved", actor=actor,
            payload={"year": calendar_year.year, "complete": calendar_year.complete,
                     "source": calendar_year.source},
        )
    return calendar_year


def calendar_year_delete(*, calendar_year, actor=None):
    calendar = calendar_year.calendar
    payload = {"year": calendar_year.year}
    with transaction.atomic():
        calendar_year.delete()
        audit_append(stream=stream_of(calendar), action="calendar.year_deleted", actor=actor, payload=payload)


def calendar_save(*, calendar, actor=None):
    """Create or rename a calendar. Its kind decides the weekly pattern (rule H-3 for halls)."""
    calendar.full_clean()
    created = calendar.pk is None
    with transaction.atomic():
        calendar.save()
        audit_append(
            stream=stream_of(calendar), action="calendar.saved", actor=actor, new_stream=created,
            payload={"code": calendar.code, "name": calendar.name, "kind": calendar.kind},
        )
    return calendar
