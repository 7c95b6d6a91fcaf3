"""Reads of the working-day calendars, cached per process.

The order-create hot path asks for working days, so the whole holiday table
of a calendar (about 800 rows for 2004-2026) is loaded into memory at once
and kept as an immutable `WorkingDayCalendar`: a cold load costs 3 queries,
a warm one none, whatever span is asked for. Invalidation (see
`griddesk.calendar.caching`): at once in this process on any write to
Calendar, Holiday or CalendarYear; within settings.GRIDDESK_CALENDAR_CACHE_SECONDS
(default 60 s) in other processes.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.calendar.caching import TableCache
from griddesk.calendar.models import NATIONAL, Calendar, CalendarKind, CalendarYear, Holiday, HolidayKind
from griddesk.calendar.workdays import WorkingDayCalendar

_cache = TableCache("GRIDDESK_CALENDAR_CACHE_SECONDS", 60)
calendar_changed = _cache.changed  # signal receiver (apps.py) and hook for services' bulk writes
calendar_cache_clear = _cache.clear  # tests call it between cases


class CalendarNotFound(LookupError):
    """An unknown calendar code was asked for; the message names it."""


def default_calendar_code():
    return getattr(settings, "GRIDDESK_DEFAULT_CALENDAR", NATIONAL)


def calendar_oracle(code=None):
    """The working-day oracle of calendar `code` (default: the national calendar).

    The default calendar missing from the database gives Monday to Friday with
    no year covered (every year then warns); another unknown code raises
    CalendarNotFound.
    """
    code = code or default_calendar_code()
    return _cache.get(code, lambda: _load(code))


def _load(code):
    calendar = Calendar.objects.filter(code=code).values("id", "kind").first()
    if calendar is None:
        if code != default_calendar_code():
            raise CalendarNotFound(_("工作日历“%s”不存在。") % code)
        return WorkingDayCalendar(code=code, covered_years=frozenset())
    holidays, makeup = {}, {}
    for day, kind, name in Holiday.objects.filter(calendar_id=calendar["id"]).values_list(
        "date", "kind", "name"
    ):
        (makeup if kind == HolidayKind.WORKDAY else holidays)[day] = name or kind
    if calendar["kind"] == CalendarKind.HALL_NO_REST_DAY:
        # Rule H-3: every day is a working day; nothing to cover, so nothing to warn about.
        return WorkingDayCalendar(holidays=holidays, weekly_rest=False, covered_years=None, code=code)
    years = dict(CalendarYear.objects.filter(calendar_id=calendar["id"]).values_list("year", "complete"))
    return WorkingDayCalendar(
        holidays=holidays, makeup_days=makeup, weekly_rest=True, code=code,
        covered_years=frozenset(y for y, complete in years.items() if complete),
        partial_years=frozenset(y for y, complete in years.items() if not complete),
    )


def calendar_coverage_warnings(years, *, code=None):
    """Chinese warnings for the given years that the calendar's holiday data does not cover.

    A year is covered when it has a CalendarYear row with `complete` ticked.
    Uncovered years still work (Monday to Friday, plus any rows entered); this
    is what staff are told. Never raises for a missing year.
    """
    return coverage_warnings(calendar_oracle(code), years)


def coverage_warnings(oracle, years):
    """The warnings of `calendar_coverage_warnings` for an oracle already at hand (no query)."""
    warnings = []
    for year in sorted(set(years)):
        if oracle.is_covered(year):
            continue
        if year in oracle.partial_years:
            warnings.append(_("%(year)s 年的节假日数据不完整，未录入的日期按周一至周五计算工作日，"
                              "请在管理后台补录。") % {"year": year})
        else:
            warnings.append(_("%(year)s 年的节假日数据缺失，按周一至周五计算工作日，请在管理后台补录。")
                            % {"year": year})
    return warnings


def dashboard_calendar_warnings(*, today=None):
    """Warnings for the staff dashboard (console home renders `calendar_warnings`).

    This year always; next year from November on, when working-day clocks
    (up to 32 working days) begin to end in it and the State Council has
    usually published its schedule.
    """
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return calendar_coverage_warnings(years)


def calendar_coverage():
    """For `griddesk rules list`: each calendar with its covered, partial years and sources."""
    calendars = list(Calendar.objects.order_by("code"))
    rows = CalendarYear.objects.filter(calendar__in=calendars).order_by("year")
    by_calendar = {c.pk: {"complete": [], "partial": [], "sources": set()} for c in calendars}
    for row in rows:
        entry = by_calendar[row.calendar_id]
        entry["complete" if row.complete else "partial"].append(row.year)
        if row.source:
            entry["sources"].add(row.source)
    return [(calendar, by_calendar[calendar.pk]) for calendar in calendars]


def year_ranges(years):
    """[2004, 2005, 2006, 2010] -> '2004–2006、2010'."""
    runs = []
    for year in sorted(years):
        if runs and runs[-1][1] + 1 == year:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return "、".join(f"{a}–{b}" if a != b else str(a) for a, b in runs)
