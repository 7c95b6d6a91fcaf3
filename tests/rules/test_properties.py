"""Properties of the deadline arithmetic, checked by hypothesis over the real 2004-2026 calendar."""

from datetime import UTC, datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from griddesk.rules.deadlines import due_at, due_with_pauses, merge_pauses
from tests.rules.oracles import PACKAGE_CALENDAR, SHANGHAI, server_time_zone

ZONES = [UTC, SHANGHAI, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Chatham")]
starts = st.datetimes(
    min_value=datetime(2004, 1, 2), max_value=datetime(2026, 10, 31),
    timezones=st.sampled_from(ZONES), allow_imaginary=False,
)
units = st.sampled_from(["minutes", "hours", "days", "working_days", "months"])
amounts = st.integers(min_value=0, max_value=40)
calendar_units = st.sampled_from(["minutes", "hours", "days", "months"])


@st.composite
def pause_lists(draw, start):
    """Up to 4 pauses around `start`, possibly overlapping, possibly before it."""
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        begin = start + timedelta(minutes=draw(st.integers(-600, 60 * 24 * 60)))
        pauses.append((begin, begin + timedelta(minutes=draw(st.integers(0, 60 * 24 * 5)))))
    return pauses


def total_paused(pauses):
    return sum((end - begin for begin, end in merge_pauses(pauses)), timedelta(0))


@given(start=starts, amount=amounts, unit=units)
def test_due_is_never_before_the_start_for_after_deadlines(start, amount, unit):
    assert due_at(start, amount, unit, calendar=PACKAGE_CALENDAR).due >= start


@given(start=starts, amount=amounts, unit=units)
def test_before_deadlines_are_never_after_the_start(start, amount, unit):
    # rule Q-3: a notice period ends at or before the outage start
    assert due_at(start, amount, unit, direction="before", calendar=PACKAGE_CALENDAR).due <= start


@given(start=starts, amount=st.integers(1, 32), offset=st.integers(0, 60))
def test_rule_T3_adding_a_holiday_never_makes_a_working_day_deadline_earlier(start, amount, offset):
    before = due_at(start, amount, "working_days", calendar=PACKAGE_CALENDAR).due
    extra_holiday = start.astimezone(SHANGHAI).date() + timedelta(days=offset)
    after = due_at(start, amount, "working_days", calendar=PACKAGE_CALENDAR.with_holiday(extra_holiday)).due
    assert after >= before


@given(data=st.data(), start=starts, amount=amounts, unit=calendar_units)
def test_rule_R3_pausing_for_d_moves_a_calendar_clock_by_0_to_d(data, start, amount, unit):
    pauses = data.draw(pause_lists(start))
    plain = due_at(start, amount, unit).due
    paused = due_with_pauses(start, amount, unit, pauses)
    assert timedelta(0) <= paused.due - plain <= total_paused(pauses)
    assert paused.due - plain == paused.paused_counted


@given(data=st.data(), start=starts, amount=st.integers(0, 32))
def test_rule_T3_pausing_for_d_adds_at_most_ceil_d_working_days(data, start, amount):
    pauses = data.draw(pause_lists(start))
    plain = due_at(start, amount, "working_days", calendar=PACKAGE_CALENDAR)
    paused = due_with_pauses(start, amount, "working_days", pauses, calendar=PACKAGE_CALENDAR)
    assert paused.due >= plain.due
    assert paused.extra_working_days <= ceil(total_paused(pauses) / timedelta(days=1))
    assert paused.due.time() == plain.due.time() == datetime.max.time().replace(microsecond=0)
    # exactly extra_working_days working days lie after the unpaused due, up to the paused one
    day, counted = plain.due.date(), 0
    while day < paused.due.date():
        day += timedelta(days=1)
        counted += PACKAGE_CALENDAR.is_working_day(day)
    assert counted == paused.extra_working_days


@given(start=starts, amount=amounts, unit=units)
def test_the_same_instant_in_any_offset_gives_the_same_due(start, amount, unit):
    dues = {due_at(start.astimezone(zone), amount, unit, calendar=PACKAGE_CALENDAR).due for zone in ZONES}
    assert len(dues) == 1
    assert next(iter(dues)).utcoffset() == timedelta(hours=8)


@settings(max_examples=30)
@given(start=starts, amount=amounts, unit=units)
def test_the_result_does_not_depend_on_the_servers_own_time_zone(start, amount, unit):
    results = set()
    for server_zone in ("UTC", "America/Los_Angeles", "Asia/Shanghai", "Australia/Lord_Howe"):
        with server_time_zone(server_zone):
            result = due_at(start, amount, unit, calendar=PACKAGE_CALENDAR)
            results.add((result.due.isoformat(), result.basis))
    assert len(results) == 1
