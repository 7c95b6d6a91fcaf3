"""The calendar is read from the database once per process, and a change is seen at once."""

from datetime import date

import pytest
from django.db import transaction

from griddesk.calendar.models import Calendar, Holiday
from griddesk.calendar.selectors import calendar_oracle
from griddesk.calendar.services import holiday_delete, holiday_save

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 10, 12)


def test_cold_load_is_three_queries_and_warm_lookups_none(django_assert_num_queries):
    with django_assert_num_queries(3):  # calendar, its days, its years: the whole table at once
        oracle = calendar_oracle()
    with django_assert_num_queries(0):
        again = calendar_oracle()
        span = [again.is_working_day(date.fromordinal(n))
                for n in range(date(2004, 1, 1).toordinal(), date(2031, 12, 31).toordinal())]
    assert again is oracle
    # Working days 2004-01-01..2031-12-30 as chinese_calendar.is_workday counts them up to 2026,
    # then Monday to Friday for the years the package does not cover.
    assert sum(span) == 7047


def test_hall_calendar_loads_in_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        hall = calendar_oracle("hall")
    assert all(hall.is_working_day(date(2026, 10, d)) for d in range(1, 8))  # rule H-3


def test_a_saved_holiday_is_seen_at_once():
    assert calendar_oracle().is_working_day(MONDAY)
    national = Calendar.objects.get(code="national")
    holiday = holiday_save(holiday=Holiday(calendar=national, date=MONDAY, kind="holiday", name="测试"))
    assert not calendar_oracle().is_working_day(MONDAY)
    holiday_delete(holiday=holiday)
    assert calendar_oracle().is_working_day(MONDAY)


def test_a_plain_orm_write_invalidates_too():
    calendar_oracle()
    Holiday.objects.create(calendar=Calendar.objects.get(code="national"), date=MONDAY, kind="holiday")
    assert not calendar_oracle().is_working_day(MONDAY)


def test_a_rolled_back_change_is_never_cached():
    calendar_oracle()
    national = Calendar.objects.get(code="national")
    with pytest.raises(RuntimeError), transaction.atomic():
        holiday_save(holiday=Holiday(calendar=national, date=MONDAY, kind="holiday", name="回滚"))
        assert not calendar_oracle().is_working_day(MONDAY)
        raise RuntimeError("roll back")
    assert calendar_oracle().is_working_day(MONDAY)


def test_while_a_change_is_uncommitted_lookups_bypass_the_cache(django_assert_num_queries):
    national = Calendar.objects.get(code="national")
    holiday_save(holiday=Holiday(calendar=national, date=MONDAY, kind="holiday"))
    for _ in range(2):
        with django_assert_num_queries(3):
            calendar_oracle()


def test_entries_expire_for_other_processes_changes(settings, django_assert_num_queries):
    settings.GRIDDESK_CALENDAR_CACHE_SECONDS = 0
    calendar_oracle()
    with django_assert_num_queries(3):
        calendar_oracle()
