"""Hand-built working-day oracles for the pure arithmetic tests (no database)."""

import os
import time
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import chinese_calendar

from griddesk.calendar.workdays import WorkingDayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
_NAMES = {member.value: member.chinese for member in chinese_calendar.Holiday}

# The national calendar exactly as the chinese-calendar package has it (2004-2026).
PACKAGE_CALENDAR = WorkingDayCalendar(
    holidays={day: _NAMES[name] for day, name in chinese_calendar.holidays.items()},
    makeup_days={day: _NAMES[name] for day, name in chinese_calendar.workdays.items()},
    covered_years=frozenset({day.year for day in chinese_calendar.holidays}),
    code="package",
)


def local(*args):
    """An Asia/Shanghai datetime: local(2026, 9, 30, 10) is 2026-09-30T10:00:00+08:00."""
    return datetime(*args, tzinfo=SHANGHAI)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@contextmanager
def server_time_zone(name):
    """Run with the process's own time zone (TZ) set to `name`, restored afterwards."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
