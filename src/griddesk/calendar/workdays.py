"""Working-day oracles (工作日判定): pure Python, no database.

The deadline arithmetic (`griddesk.rules.deadlines`) asks an oracle whether a
date is a working day; the database-backed calendar
(`griddesk.calendar.selectors.calendar_oracle`) builds one of these from the
holiday table, and tests build them by hand.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType


def _frozen(mapping):
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, eq=False)
class WorkingDayCalendar:
    """Which dates are working days (工作日).

    weekly_rest=True, the national calendar (国家法定工作日): Monday to Friday,
    minus `holidays` (法定节假日), plus `makeup_days` (调休上班日).
    weekly_rest=False, the hall calendar of rule H-3 (县以上营业场所无周休日):
    every day, minus `holidays` (days an administrator closes the halls).

    `covered_years` are the years whose holiday data is complete; any other
    year is still answered (Monday to Friday plus whatever rows exist), and
    the arithmetic reports it so the caller can warn. None means "coverage
    does not apply" (hand-made oracles, the hall calendar).
    """

    holidays: Mapping[date, str] = field(default_factory=dict)
    makeup_days: Mapping[date, str] = field(default_factory=dict)
    weekly_rest: bool = True
    covered_years: frozenset[int] | None = None
    partial_years: frozenset[int] = frozenset()
    code: str = ""

    def __post_init__(self):
        # Read-only views: one oracle is shared by every request of a process.
        object.__setattr__(self, "holidays", _frozen(self.holidays))
        object.__setattr__(self, "makeup_days", _frozen(self.makeup_days))

    def is_working_day(self, day):
        if day in self.makeup_days:
            return True
        if day in self.holidays:
            return False
        return not self.weekly_rest or day.weekday() < 5

    def holiday_name(self, day):
        """The holiday's name if `day` is in the holiday table as a day off, else None."""
        return self.holidays.get(day)

    def makeup_name(self, day):
        """The holiday a make-up working day (调休上班日) belongs to, else None."""
        return self.makeup_days.get(day)

    def is_covered(self, year):
        return self.covered_years is None or year in self.covered_years

    def with_holiday(self, day, name="holiday"):
        """A copy with one more day off (property tests: a holiday never makes a deadline earlier)."""
        holidays = dict(self.holidays)
        holidays[day] = name
        makeup = {d: n for d, n in self.makeup_days.items() if d != day}
        return WorkingDayCalendar(
            holidays=holidays, makeup_days=makeup, weekly_rest=self.weekly_rest,
            covered_years=self.covered_years, partial_years=self.partial_years, code=self.code,
        )


MONDAY_TO_FRIDAY = WorkingDayCalendar(code="mon-fri")
"""Fallback with no holiday data: Monday to Friday are working days."""

EVERY_DAY = WorkingDayCalendar(weekly_rest=False, code="every-day")
"""Rule H-3 hall calendar with no closures: every day is a working day."""
