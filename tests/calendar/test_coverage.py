"""Years the holiday table does not cover: counted Monday to Friday, and flagged in Chinese."""

from datetime import date

import pytest

from griddesk.calendar.models import Calendar, CalendarYear, Holiday
from griddesk.calendar.selectors import (
    calendar_coverage_warnings,
    calendar_oracle,
    dashboard_calendar_warnings,
)
from griddesk.calendar.services import calendar_year_save, holiday_save

pytestmark = pytest.mark.django_db

MISSING_2027 = "2027 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。"
MISSING_2031 = "2031 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。"
PARTIAL_2027 = "2027 年的节假日数据不完整，未录入的日期按周一至周五计算工作日，请在管理后台补录。"


def test_covered_years_do_not_warn():
    assert calendar_coverage_warnings([2004, 2025, 2026]) == []


def test_uncovered_years_warn_once_each_in_order():
    assert calendar_coverage_warnings([2031, 2026, 2027, 2027]) == [MISSING_2027, MISSING_2031]


def test_uncovered_year_counts_monday_to_friday_plus_any_days_entered():
    oracle = calendar_oracle()
    assert oracle.is_working_day(date(2027, 1, 1))  # New Year's Day, unknown: a Friday like any other
    assert not oracle.is_working_day(date(2027, 1, 2))
    national = Calendar.objects.get(code="national")
    holiday_save(holiday=Holiday(calendar=national, date=date(2027, 1, 1), kind="holiday", name="元旦"))
    assert not calendar_oracle().is_working_day(date(2027, 1, 1))
    assert calendar_coverage_warnings([2027]) == [MISSING_2027]  # still not declared complete


def test_a_year_entered_by_hand_stops_warning_when_marked_complete():
    national = Calendar.objects.get(code="national")
    row = calendar_year_save(calendar_year=CalendarYear(calendar=national, year=2027, complete=False))
    assert calendar_coverage_warnings([2027]) == [PARTIAL_2027]
    row.complete = True
    calendar_year_save(calendar_year=row)
    assert calendar_coverage_warnings([2027]) == []


def test_deleting_a_covered_years_row_makes_it_warn():
    CalendarYear.objects.filter(calendar__code="national", year=2026).delete()
    assert calendar_coverage_warnings([2026]) == [MISSING_2027.replace("2027", "2026")]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 27), [MISSING_2027]),  # from November, next year's gap shows
    (date(2026, 6, 1), []),
    (date(2027, 3, 1), [MISSING_2027]),
    (date(2031, 12, 1), [MISSING_2031, MISSING_2031.replace("2031", "2032")]),
])
def test_dashboard_warnings_for_this_year_and_next_from_november(today, expected):
    assert dashboard_calendar_warnings(today=today) == expected


def test_rule_H3_hall_calendar_never_warns():
    assert calendar_coverage_warnings([2027, 2031], code="hall") == []


def test_missing_default_calendar_degrades_instead_of_crashing(settings):
    settings.GRIDDESK_DEFAULT_CALENDAR = "not-there"
    assert calendar_coverage_warnings([2026]) == [MISSING_2027.replace("2027", "2026")]
    assert calendar_oracle().is_working_day(date(2026, 10, 1))  # Monday to Friday only
