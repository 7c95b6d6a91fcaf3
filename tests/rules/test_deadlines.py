"""The deadline arithmetic (docs/rules.md, "How a deadline is counted"), pure: no database, exact numbers."""

from datetime import date, timedelta

import pytest

from griddesk.calendar.workdays import EVERY_DAY, MONDAY_TO_FRIDAY, WorkingDayCalendar
from griddesk.rules.deadlines import DeadlineError, add_months, due_at, due_with_pauses, merge_pauses
from tests.rules.oracles import PACKAGE_CALENDAR, SHANGHAI, local, utc

START = local(2026, 9, 30, 10)  # the day before National Day 2026


def after(amount, unit, start=START, **kwargs):
    return due_at(start, amount, unit, calendar=PACKAGE_CALENDAR, **kwargs)


def test_package_data_for_national_day_2026_is_what_the_examples_assume():
    # Verified against chinese_calendar 1.11.0: holidays 10-01..07, make-up days Sun 09-20 and Sat 10-10.
    assert [d for d in PACKAGE_CALENDAR.holidays if d.year == 2026 and d.month == 10] == [
        date(2026, 10, day) for day in range(1, 8)
    ]
    assert sorted(d for d in PACKAGE_CALENDAR.makeup_days if date(2026, 9, 1) <= d <= date(2026, 10, 31)) == [
        date(2026, 9, 20), date(2026, 10, 10),
    ]


def test_rule_T3_resident_five_working_days_across_national_day_2026():
    result = after(5, "working_days")
    assert result.due == local(2026, 10, 13, 23, 59, 59)
    assert result.due.isoformat() == "2026-10-13T23:59:59+08:00"
    assert result.basis == (
        "5 working days after 2026-09-30, the start day not counted; skips 2026-10-01..07; "
        "counts make-up day 2026-10-10; due at the end of 2026-10-13 (23:59:59 Asia/Shanghai)"
    )
    assert "跳过节假日 2026-10-01至07（国庆节）" in result.basis_zh
    assert "计入调休上班日 2026-10-10（国庆节）" in result.basis_zh
    assert result.uncovered_years == ()


@pytest.mark.parametrize(("amount", "unit", "expected"), [
    (45, "minutes", local(2026, 9, 30, 10, 45)),   # R-2/urban
    (90, "minutes", local(2026, 9, 30, 11, 30)),   # R-2/rural
    (120, "minutes", local(2026, 9, 30, 12, 0)),   # R-2/remote
    (5, "minutes", local(2026, 9, 30, 10, 5)),     # H-5/payment
    (20, "minutes", local(2026, 9, 30, 10, 20)),   # H-5/business
    (3, "hours", local(2026, 9, 30, 13, 0)),       # R-1/restore-urban
    (24, "hours", local(2026, 10, 1, 10, 0)),      # C-6/callback, K-3/complaint-contact
    (5, "days", local(2026, 10, 5, 10, 0)),        # K-3/complaint: calendar days, holiday or not
    (10, "days", local(2026, 10, 10, 10, 0)),      # K-3/report, T-1/lv, T-2/lv
    (1, "months", local(2026, 10, 30, 10, 0)),     # T-1/hv-single, T-2/hv
    (2, "months", local(2026, 11, 30, 10, 0)),     # T-1/hv-dual
    (2, "working_days", local(2026, 10, 9, 23, 59, 59)),    # W-4/reply
    (6, "working_days", local(2026, 10, 14, 23, 59, 59)),   # T-3/lv-nonresident
    (22, "working_days", local(2026, 11, 5, 23, 59, 59)),   # T-3/hv-single
    (32, "working_days", local(2026, 11, 19, 23, 59, 59)),  # T-3/hv-dual
])
def test_every_unit_from_the_eve_of_national_day(amount, unit, expected):
    assert after(amount, unit).due == expected


def test_rule_C3_minutes_and_hours_run_24x7_through_holidays_and_nights():
    start = local(2026, 10, 1, 23, 30)  # a holiday, late at night
    assert after(90, "minutes", start).due == local(2026, 10, 2, 1, 0)
    assert after(4, "hours", start).due == local(2026, 10, 2, 3, 30)


def test_rule_R2_across_midnight_given_in_utc_answers_in_local_time():
    due = after(45, "minutes", utc(2026, 9, 30, 15, 30)).due  # 23:30 in Shanghai
    assert due == local(2026, 10, 1, 0, 15)
    assert due.isoformat() == "2026-10-01T00:15:00+08:00"


def test_rule_T3_start_day_is_the_local_day_not_the_utc_day():
    # 2026-10-09T16:00Z is Saturday 2026-10-10 00:00 in Shanghai: the make-up day is the start day.
    friday_late = after(5, "working_days", local(2026, 10, 9, 23, 59)).due
    saturday_start = after(5, "working_days", utc(2026, 10, 9, 16, 0)).due
    assert friday_late == local(2026, 10, 15, 23, 59, 59)  # 10-10 counts (make-up), then 12-15
    assert saturday_start == local(2026, 10, 16, 23, 59, 59)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (local(2026, 1, 31, 10), 1, local(2026, 2, 28, 10)),   # rule T-1/hv-single: clamped
    (local(2028, 1, 31, 10), 1, local(2028, 2, 29, 10)),   # leap year
    (local(2026, 1, 31, 10), 2, local(2026, 3, 31, 10)),   # rule T-1/hv-dual: not clamped twice
    (local(2026, 3, 31, 9), 1, local(2026, 4, 30, 9)),
    (local(2026, 12, 31, 8), 2, local(2027, 2, 28, 8)),    # across the year end
    (local(2026, 11, 30, 23, 59, 59), 1, local(2026, 12, 30, 23, 59, 59)),
])
def test_rule_T1_months_keep_the_clock_time_and_clamp_to_the_month_end(start, months, expected):
    assert after(months, "months", start).due == expected


def test_rule_T1_month_clamp_is_explained():
    result = after(1, "months", local(2026, 1, 31, 10))
    assert "2026-02 has no day 31, clamped to its last day 28" in result.basis
    assert "2026年2月没有31日，取当月最后一天28日" in result.basis_zh


def test_rule_T1_months_use_the_local_date_of_a_utc_start():
    # 2026-01-30T16:00Z is 2026-01-31 00:00 in Shanghai.
    assert after(1, "months", utc(2026, 1, 30, 16)).due == local(2026, 2, 28, 0, 0)


def test_rule_K3_days_are_24_hour_days_not_working_days():
    assert after(5, "days").due - START == timedelta(hours=120)


def test_rule_Q3_notices_are_due_before_the_outage_starts():
    outage = local(2026, 10, 8, 9, 0)
    planned = due_at(outage, 7, "days", direction="before")
    temporary = due_at(outage, 24, "hours", direction="before")
    assert planned.due == local(2026, 10, 1, 9, 0)
    assert temporary.due == local(2026, 10, 7, 9, 0)
    assert "publish by 2026-10-01T09:00:00+08:00" in planned.basis


def test_working_days_before_start_at_midnight_of_the_nth_working_day_before():
    due = due_at(local(2026, 10, 12, 9), 2, "working_days", direction="before", calendar=PACKAGE_CALENDAR)
    assert due.due == local(2026, 10, 9, 0, 0)  # 10-10 (make-up Saturday) is the 1st, 10-09 the 2nd


def test_rule_T3_uncovered_year_counts_monday_to_friday_and_says_so():
    result = after(5, "working_days", local(2026, 12, 28, 10))
    assert result.due == local(2027, 1, 4, 23, 59, 59)  # 2027-01-01 counted: no 2027 data
    assert result.uncovered_years == (2027,)
    assert "no holiday data for 2027: Monday to Friday assumed" in result.basis


def test_rule_H3_hall_calendar_counts_weekends_and_holidays():
    assert due_at(START, 5, "working_days", calendar=EVERY_DAY).due == local(2026, 10, 5, 23, 59, 59)


def test_working_days_without_a_calendar_fall_back_to_monday_to_friday():
    assert due_at(START, 5, "working_days").due == local(2026, 10, 7, 23, 59, 59)


def test_zero_working_days_end_with_the_start_day():
    assert after(0, "working_days").due == local(2026, 9, 30, 23, 59, 59)


def test_a_calendar_without_working_days_is_an_error_not_a_hang():
    no_work = WorkingDayCalendar(weekly_rest=False, holidays={
        date(2026, 10, 1) + timedelta(days=n): "closed" for n in range(4000)
    })
    with pytest.raises(DeadlineError, match="no working day within"):
        due_at(START, 1, "working_days", calendar=no_work)


# --- pauses --------------------------------------------------------------------------------------

def test_rule_R3_pause_inside_the_clock_moves_the_due_by_its_length():
    result = due_with_pauses(START, 45, "minutes", [(local(2026, 9, 30, 10, 10), local(2026, 9, 30, 10, 40))])
    assert result.due == local(2026, 9, 30, 11, 15)
    assert result.unpaused_due == local(2026, 9, 30, 10, 45)
    assert result.paused_counted == timedelta(minutes=30)


def test_pause_beginning_after_the_due_does_not_count():
    result = due_with_pauses(START, 45, "minutes", [(local(2026, 9, 30, 10, 45), local(2026, 9, 30, 12))])
    assert result.due == local(2026, 9, 30, 10, 45)


def test_pause_before_the_start_counts_only_from_the_start():
    result = due_with_pauses(START, 45, "minutes", [(local(2026, 9, 30, 9), local(2026, 9, 30, 10, 30))])
    assert result.due == local(2026, 9, 30, 11, 15)


def test_overlapping_pauses_are_merged_not_counted_twice():
    pauses = [(local(2026, 9, 30, 10, 10), local(2026, 9, 30, 10, 30)),
              (local(2026, 9, 30, 10, 20), local(2026, 9, 30, 10, 40))]
    assert due_with_pauses(START, 45, "minutes", pauses).due == local(2026, 9, 30, 11, 15)
    assert merge_pauses(pauses) == [(utc(2026, 9, 30, 2, 10), utc(2026, 9, 30, 2, 40))]


def test_a_pause_that_the_moved_due_reaches_counts_too():
    pauses = [(local(2026, 9, 30, 10, 30), local(2026, 9, 30, 11)),   # due 10:45 -> 11:15
              (local(2026, 9, 30, 11, 10), local(2026, 9, 30, 11, 20))]  # now inside: -> 11:25
    assert due_with_pauses(START, 45, "minutes", pauses).due == local(2026, 9, 30, 11, 25)


def test_pauses_given_in_utc_count_the_same():
    pauses = [(utc(2026, 9, 30, 2, 10), utc(2026, 9, 30, 2, 40))]
    assert due_with_pauses(START, 45, "minutes", pauses).due == local(2026, 9, 30, 11, 15)


def test_rule_T1_month_clock_paused_one_day_ends_a_day_later():
    start = local(2026, 1, 31, 10)
    result = due_with_pauses(start, 1, "months", [(local(2026, 2, 2), local(2026, 2, 3))])
    assert result.due == local(2026, 3, 1, 10)


def test_rule_T3_pause_on_a_counted_working_day_adds_one_working_day():
    whole_day = [(local(2026, 10, 8), local(2026, 10, 9))]
    six_hours = [(local(2026, 10, 12, 9), local(2026, 10, 12, 15))]
    for pauses in (whole_day, six_hours):
        result = due_with_pauses(START, 5, "working_days", pauses, calendar=PACKAGE_CALENDAR)
        assert result.due == local(2026, 10, 14, 23, 59, 59)
        assert result.extra_working_days == 1
    assert "+1 working day(s) for 6h paused on counted working days" in due_with_pauses(
        START, 5, "working_days", six_hours, calendar=PACKAGE_CALENDAR).basis


def test_rule_T3_pauses_on_the_start_day_and_on_holidays_cost_nothing():
    pauses = [(local(2026, 9, 30, 11), local(2026, 10, 8))]  # start day + all of National Day
    result = due_with_pauses(START, 5, "working_days", pauses, calendar=PACKAGE_CALENDAR)
    assert result.due == local(2026, 10, 13, 23, 59, 59)
    assert result.extra_working_days == 0


def test_rule_T3_pause_of_one_and_a_half_working_days_adds_two():
    pauses = [(local(2026, 10, 8), local(2026, 10, 9, 12))]
    result = due_with_pauses(START, 5, "working_days", pauses, calendar=PACKAGE_CALENDAR)
    assert result.due == local(2026, 10, 15, 23, 59, 59)
    assert result.extra_working_days == 2


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((START.replace(tzinfo=None), 5, "days"), {}, "timezone-aware"),
    ((START, -1, "days"), {}, "whole number"),
    ((START, 1.5, "days"), {}, "whole number"),
    ((START, 5, "weeks"), {}, "unknown unit 'weeks'"),
    ((START, 5, "days"), {"direction": "sideways"}, "unknown direction"),
    ((START, 5, "days"), {"pauses": [(local(2026, 10, 2), local(2026, 10, 1))]}, "ends before it begins"),
    ((START, 5, "days"), {"pauses": [(START.replace(tzinfo=None), START)]}, "timezone-aware"),
    ((START, 5, "days"), {"pauses": [START]}, "a pause is a"),
    ((START, 5, "days"), {"direction": "before", "pauses": [(START, local(2026, 10, 1))]}, "not to 'before'"),
])
def test_bad_input_is_refused_with_a_message_naming_it(args, kwargs, message):
    with pytest.raises(DeadlineError, match=message):
        due_at(*args, **kwargs)


def test_add_months_clamps_backwards_too():
    assert add_months(local(2026, 3, 31, 8), -1) == local(2026, 2, 28, 8)


def test_monday_to_friday_oracle():
    assert [MONDAY_TO_FRIDAY.is_working_day(date(2026, 10, d)) for d in range(5, 12)] == [
        True, True, True, True, True, False, False,
    ]
    assert SHANGHAI.key == "Asia/Shanghai"
