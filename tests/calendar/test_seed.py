"""The holiday table, seeded from the chinese-calendar package (data migration and service)."""

from datetime import date

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.calendar.models import Calendar, CalendarYear, Holiday
from griddesk.calendar.services import calendar_seed_from_package, holiday_save

pytestmark = pytest.mark.django_db


def national():
    return Calendar.objects.get(code="national")


def test_migration_seeds_every_package_year_and_day():
    rows = CalendarYear.objects.filter(calendar=national(), complete=True)
    years = set(rows.values_list("year", flat=True))
    assert years == set(range(2004, 2027))
    rows = dict(Holiday.objects.filter(calendar=national()).values_list("date", "kind"))
    expected = {d: "holiday" for d in chinese_calendar.holidays}
    expected |= {d: "workday" for d in chinese_calendar.workdays}
    assert rows == expected
    assert len(rows) == 771
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"chinese-calendar 1.11.0"}


def test_national_day_2026_with_its_make_up_days():
    days = Holiday.objects.filter(calendar=national(), date__range=(date(2026, 9, 20), date(2026, 10, 10)))
    assert [(d.date.isoformat(), d.kind, d.name) for d in days] == [
        ("2026-09-20", "workday", "国庆节"),
        *[(f"2026-09-2{n}", "holiday", "中秋") for n in (5, 6, 7)],
        *[(f"2026-10-0{n}", "holiday", "国庆节") for n in range(1, 8)],
        ("2026-10-10", "workday", "国庆节"),
    ]


def test_rule_H3_hall_calendar_exists_without_holidays():
    hall = Calendar.objects.get(code="hall")
    assert hall.kind == "hall"
    assert not hall.days.exists()


def test_seed_service_is_idempotent_and_silent_when_nothing_changes():
    report = calendar_seed_from_package()
    assert (report.days_added, report.years_added, report.days_kept) == (0, [], [])
    assert not AuditEvent.objects.filter(stream=stream_of(national())).exists()


def test_seed_service_reloads_a_missing_year_and_keeps_an_administrators_edit(make_staff, province):
    admin = make_staff("cal-admin", province["root"], "administrator")
    Holiday.objects.filter(calendar=national(), date__year=2026).exclude(date=date(2026, 10, 10)).delete()
    CalendarYear.objects.filter(calendar=national(), year=2026).delete()
    edited = Holiday.objects.get(calendar=national(), date=date(2026, 10, 10))
    edited.kind = "holiday"  # an administrator's decision the package disagrees with
    edited.save()
    report = calendar_seed_from_package(actor=admin)
    assert report.years_added == [2026]
    assert report.days_added == 39 - 1
    assert report.days_kept == [(date(2026, 10, 10), "holiday", "workday")]
    assert Holiday.objects.get(pk=edited.pk).kind == "holiday"
    event = AuditEvent.objects.get(stream=stream_of(national()), action="calendar.seeded")
    assert event.actor == admin
    assert event.payload["years_added"] == [2026]
    assert event.payload["days_kept"] == [["2026-10-10", "holiday", "workday"]]


def test_seed_service_completes_a_year_entered_as_incomplete():
    CalendarYear.objects.filter(calendar=national(), year=2026).update(complete=False, source="")
    assert calendar_seed_from_package().years_completed == [2026]
    row = CalendarYear.objects.get(calendar=national(), year=2026)
    assert (row.complete, row.source) == (True, "chinese-calendar 1.11.0")


def test_seed_service_refuses_the_hall_calendar_and_unknown_codes():
    with pytest.raises(ValidationError, match="营业厅日历无周休日"):
        calendar_seed_from_package(code="hall")
    with pytest.raises(ValidationError, match="工作日历“nowhere”不存在"):
        calendar_seed_from_package(code="nowhere")
    assert not Calendar.objects.get(code="hall").days.exists()


@pytest.mark.parametrize(("calendar", "day", "kind", "message"), [
    ("national", date(2027, 1, 4), "workday", "调休上班日应为周六或周日"),  # a Monday
    ("hall", date(2027, 1, 2), "workday", "营业厅日历每天都是工作日"),
])
def test_impossible_days_are_refused(calendar, day, kind, message):
    with pytest.raises(ValidationError, match=message):
        holiday_save(holiday=Holiday(calendar=Calendar.objects.get(code=calendar), date=day, kind=kind))
    assert not Holiday.objects.filter(date=day).exists()


def test_one_row_per_calendar_and_date():
    with pytest.raises(ValidationError):
        holiday_save(holiday=Holiday(calendar=national(), date=date(2026, 10, 1), kind="holiday"))
