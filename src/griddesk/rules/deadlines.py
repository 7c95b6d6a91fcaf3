"""Deadline arithmetic (期限计算), written once (docs/rules.md, "How a deadline is counted").

Pure functions: no database, no Django settings, no dependence on the
server's own time zone (every step names its zone). Working days come from an
injectable oracle: anything with `is_working_day(date) -> bool`, optionally
`holiday_name(date)`, `makeup_name(date)` and `is_covered(year)` for the
basis text; `griddesk.calendar.workdays.WorkingDayCalendar` is one, and
`griddesk.calendar.selectors.calendar_oracle()` builds one from the holiday table.

Units (`amount` N, direction "after"):
- minutes, hours: start + N, counted 24x7 (rule C-3).
- days: start + N x 24 h.
- working_days: 23:59:59 local time of the Nth working day after the start
  day; the start day never counts; holidays and make-up working days follow
  the calendar (rule T-3).
- months: the same local clock time N calendar months later, clamped to the
  month's last day (rule T-1: Jan 31 + 1 month = Feb 28/29; + 2 months = Mar 31).
Direction "before" (rule Q-3 notices, due before the outage starts): the same
amount counted backwards from the start; for working days, 00:00:00 of the Nth
working day before the start day (mirror image of "after").

Pauses (storm mode R-3, waiting on the customer): paused time does not count.
- Calendar units (minutes, hours, days, months): the clock is a budget of
  elapsed time, base due - start; time inside a pause does not use it up.
  Pauses are merged first; a pause that begins at or after the (moving) due
  does not count. Hence 0 <= due_paused - due_unpaused <= total paused time.
- Working days: the paused time that falls on counted working days (after the
  start day) is summed as a fraction of those days; the clock then needs
  N + ceil(that fraction) working days and still ends at 23:59:59. So a pause
  never makes the due earlier and adds at most ceil(d / 24 h) working days for
  a total pause d; pauses on the start day or on days off cost nothing,
  because those days never counted.
"""

import calendar as gregorian
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from math import ceil
from zoneinfo import ZoneInfo

from griddesk.calendar.workdays import MONDAY_TO_FRIDAY

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)
MAX_SEARCH_DAYS = 3660  # ten years: a calendar with no working day in sight is a data error, not a loop


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


class Direction(StrEnum):
    AFTER = "after"
    BEFORE = "before"


CALENDAR_UNITS = (Unit.MINUTES, Unit.HOURS, Unit.DAYS, Unit.MONTHS)
UNIT_EN = {
    Unit.MINUTES: "minute", Unit.HOURS: "hour", Unit.DAYS: "day",
    Unit.WORKING_DAYS: "working day", Unit.MONTHS: "month",
}
UNIT_ZH = {
    Unit.MINUTES: "分钟", Unit.HOURS: "小时", Unit.DAYS: "天",
    Unit.WORKING_DAYS: "个工作日", Unit.MONTHS: "个月",
}


class DeadlineError(ValueError):
    """Input the arithmetic cannot use; the message names what is wrong."""


@dataclass(frozen=True)
class Due:
    """A computed deadline: `due` is aware, in the local zone; `basis` says how it was counted."""

    due: datetime
    basis: str
    basis_zh: str
    unpaused_due: datetime
    paused_counted: timedelta = timedelta(0)  # paused time that fell inside the clock
    extra_working_days: int = 0  # working-day clocks: days added for pauses
    uncovered_years: tuple[int, ...] = ()  # years counted on Monday-Friday for lack of holiday data


def amount_text(amount, unit, direction=Direction.AFTER, *, lang="en"):
    """'5 working days' / '5个工作日'; with direction before: '7 days before' / '提前7天'."""
    unit = Unit(unit)
    if lang == "zh":
        text = f"{amount}{UNIT_ZH[unit]}"
        return f"提前{text}" if direction == Direction.BEFORE else text
    text = f"{amount} {UNIT_EN[unit]}{'' if amount == 1 else 's'}"
    return f"{text} before" if direction == Direction.BEFORE else text


def due_at(start, amount, unit, *, direction=Direction.AFTER, pauses=(), calendar=None, zone=LOCAL_ZONE):
    """The deadline `amount` `unit` after (or before) `start`; see the module docstring."""
    unit, direction = _check(start, amount, unit, direction)
    spans = merge_pauses(pauses)
    calendar = calendar or MONDAY_TO_FRIDAY
    if direction == Direction.BEFORE:
        if spans:
            raise DeadlineError("pauses apply to clocks running after their start, not to 'before' deadlines")
        return _before(start, amount, unit, calendar, zone)
    if unit == Unit.WORKING_DAYS:
        return _working_days_after(start, amount, calendar, zone, spans)
    return _elapsed_after(start, amount, unit, zone, spans)


def due_with_pauses(start, amount, unit, pauses=(), *, calendar=None, zone=LOCAL_ZONE):
    """The 'after' deadline of a clock that was paused during `pauses` [(from, to), ...]."""
    return due_at(start, amount, unit, pauses=pauses, calendar=calendar, zone=zone)


def merge_pauses(pauses):
    """Validated pauses as sorted, merged (from, to) pairs in UTC; empty pauses dropped."""
    spans = []
    for pause in pauses:
        try:
            begin, end = pause
        except (TypeError, ValueError):
            raise DeadlineError(f"a pause is a (from, to) pair of datetimes, got {pause!r}") from None
        for value in (begin, end):
            if not _aware(value):
                raise DeadlineError(f"pause times must be timezone-aware datetimes, got {value!r}")
        if end < begin:
            raise DeadlineError(f"a pause ends before it begins: {begin.isoformat()} > {end.isoformat()}")
        if end > begin:
            spans.append((begin.astimezone(UTC), end.astimezone(UTC)))
    spans.sort()
    merged = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def add_months(moment, months):
    """Same wall-clock time `months` calendar months later (or earlier), clamped to the month's end."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, gregorian.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- calendar units ---------------------------------------------------------------------------

def _shift(start, amount, unit, zone, sign):
    if unit == Unit.MONTHS:
        return add_months(start.astimezone(zone), sign * amount)
    delta = {Unit.MINUTES: timedelta(minutes=amount), Unit.HOURS: timedelta(hours=amount),
             Unit.DAYS: timedelta(days=amount)}[unit]
    # In UTC, so "N days" is N x 24 h whatever the zone's offsets do.
    return (start.astimezone(UTC) + sign * delta).astimezone(zone)


def _elapsed_after(start, amount, unit, zone, spans):
    base = _shift(start, amount, unit, zone, +1)
    due, counted = _extend_by_pauses(start.astimezone(UTC), base.astimezone(UTC) - start, spans)
    due = due.astimezone(zone)
    basis, basis_zh = _elapsed_basis(start, amount, unit, zone)
    if spans:
        total = sum((end - begin for begin, end in spans), timedelta(0))
        moved, paused = _duration(counted), _duration(total)
        basis += f"; pauses moved it {moved} past {_iso(base)} ({paused} paused in all)"
        basis_zh += (f"；暂停计时{_duration_zh(counted)}（共暂停{_duration_zh(total)}），"
                     f"期限由 {_iso(base)} 顺延至 {_iso(due)}")
    return Due(due=due, basis=basis, basis_zh=basis_zh, unpaused_due=base, paused_counted=counted)


def _extend_by_pauses(start, budget, spans):
    """Walk the merged pauses in order; time inside a pause does not use up the budget."""
    cursor, remaining, counted = start, budget, timedelta(0)
    for begin, end in spans:
        if end <= cursor:
            continue
        begin = max(begin, cursor)
        if begin >= cursor + remaining:
            break  # the clock ran out before this pause began
        remaining -= begin - cursor
        counted += end - begin
        cursor = end
    return cursor + remaining, counted


def _elapsed_basis(start, amount, unit, zone, direction=Direction.AFTER):
    en, zh = amount_text(amount, unit), amount_text(amount, unit, lang="zh")
    start = start.astimezone(zone)  # the basis speaks local time, whatever offset the start came in
    side, side_zh = ("before", "前") if direction == Direction.BEFORE else ("after", "后")
    if unit == Unit.MONTHS:
        local = start.astimezone(zone)
        sign = -1 if direction == Direction.BEFORE else 1
        index = local.month - 1 + sign * amount
        year, month = local.year + index // 12, index % 12 + 1
        last = gregorian.monthrange(year, month)[1]
        later = "earlier" if direction == Direction.BEFORE else "later"
        text = f"{en} {side} {_iso(start)}: the same local clock time {en} {later}"
        text_zh = f"起算时间 {_iso(start)} {zh}{side_zh}的同一时刻（按日历月）"
        if local.day > last:
            text += f"; {year}-{month:02d} has no day {local.day}, clamped to its last day {last}"
            text_zh += f"；{year}年{month}月没有{local.day}日，取当月最后一天{last}日"
        return text, text_zh
    if unit == Unit.DAYS:
        return (f"{en} {side} {_iso(start)} = {amount * 24} hours, counted 24x7",
                f"起算时间 {_iso(start)} {zh}{side_zh}，按{amount * 24}小时连续计时")
    return (f"{en} {side} {_iso(start)}, counted 24x7 (rule C-3)",
            f"起算时间 {_iso(start)} {zh}{side_zh}，24小时连续计时（规则 C-3）")


# --- working days ------------------------------------------------------------------------------

def _working_days_after(start, amount, calendar, zone, spans):
    start_day = start.astimezone(zone).date()
    plain_day = _walk_working_days(start_day, amount, calendar, +1)
    day, counted, paused, paused_time = start_day, 0, Fraction(0), timedelta(0)
    while counted < amount + ceil(paused):
        day = _next_working_day(day, calendar, +1, start_day)
        counted += 1
        if spans:
            lost, length = _paused_on(day, zone, spans)
            paused += Fraction(int(lost.total_seconds()), int(length.total_seconds()))
            paused_time += lost
    extra = counted - amount
    due = datetime.combine(day, END_OF_DAY, tzinfo=zone)
    unpaused = datetime.combine(plain_day, END_OF_DAY, tzinfo=zone)
    en, zh, uncovered = _working_basis(start_day, day, amount, calendar, zone)
    if extra:
        en += f"; +{extra} working day(s) for {_duration(paused_time)} paused on counted working days"
        zh += f"；暂停占用工作日{_duration_zh(paused_time)}，顺延{extra}个工作日"
    return Due(due=due, basis=en, basis_zh=zh, unpaused_due=unpaused, paused_counted=paused_time,
               extra_working_days=extra, uncovered_years=uncovered)


def _walk_working_days(day, amount, calendar, step):
    origin = day
    for _ in range(amount):
        day = _next_working_day(day, calendar, step, origin)
    return day


def _next_working_day(day, calendar, step, origin):
    for _ in range(MAX_SEARCH_DAYS):
        day += timedelta(days=step)
        if calendar.is_working_day(day):
            return day
    raise DeadlineError(
        f"no working day within {MAX_SEARCH_DAYS} days of {origin.isoformat()}: check the calendar"
    )


def _paused_on(day, zone, spans):
    """Paused time within the local `day`, and the day's length (both timedeltas, UTC-exact)."""
    day_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    paused = sum(
        (min(end, day_end) - max(begin, day_start) for begin, end in spans
         if begin < day_end and end > day_start),
        timedelta(0),
    )
    return paused, day_end - day_start


def _working_basis(start_day, due_day, amount, calendar, zone, direction=Direction.AFTER):
    """Which holidays were skipped and which make-up days counted between the start day and the due."""
    if direction == Direction.BEFORE:
        first, last = due_day, start_day - timedelta(days=1)
    else:
        first, last = start_day + timedelta(days=1), due_day
    holiday_name = getattr(calendar, "holiday_name", lambda day: None)
    makeup_name = getattr(calendar, "makeup_name", lambda day: None)
    is_covered = getattr(calendar, "is_covered", lambda year: True)
    skipped, makeup, day = [], [], first
    while day <= last:
        working = calendar.is_working_day(day)
        if not working and holiday_name(day) is not None:
            skipped.append((day, holiday_name(day)))
        elif working and makeup_name(day) is not None:
            makeup.append((day, makeup_name(day)))
        day += timedelta(days=1)
    years = range(first.year, last.year + 1) if first <= last else ()
    uncovered = tuple(y for y in years if not is_covered(y))
    zone_name = getattr(zone, "key", str(zone))
    text = amount_text(amount, Unit.WORKING_DAYS, direction)
    if direction == Direction.BEFORE:
        en = f"{text} the start day {start_day}; due at the start of {due_day} (00:00:00 {zone_name})"
        zh = f"起算当日 {start_day} 之前的第{amount}个工作日；截止于 {due_day} 00:00:00（{_zone_zh(zone)}）"
    else:
        en = f"{text} after {start_day}, the start day not counted"
        zh = f"{amount}个工作日（起算当日 {start_day} 不计）"
    runs = _runs(skipped)
    if runs:
        en += "; skips " + ", ".join(_span(a, b) for a, b, _ in runs)
        zh += "；跳过节假日 " + "、".join(f"{_span(a, b, '至')}（{name}）" for a, b, name in runs)
    if makeup:
        en += "; counts make-up day " + ", ".join(str(d) for d, _ in makeup)
        zh += "；计入调休上班日 " + "、".join(f"{d}（{name}）" for d, name in makeup)
    if uncovered:
        years = ", ".join(str(y) for y in uncovered)
        en += f"; no holiday data for {years}: Monday to Friday assumed"
        zh += f"；{'、'.join(str(y) for y in uncovered)}年无节假日数据，按周一至周五计算"
    if direction == Direction.AFTER:
        en += f"; due at the end of {due_day} (23:59:59 {zone_name})"
        zh += f"；截止于 {due_day} 23:59:59（{_zone_zh(zone)}）"
    return en, zh, uncovered


def _runs(named_days):
    """Consecutive days grouped: [(first, last, name of the first day)]."""
    runs = []
    for day, name in named_days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day, runs[-1][2])
        else:
            runs.append((day, day, name))
    return runs


def _span(first, last, sep=".."):
    if first == last:
        return str(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first}{sep}{last.day:02d}"
    if first.year == last.year:
        return f"{first}{sep}{last:%m-%d}"
    return f"{first}{sep}{last}"


# --- before (rule Q-3) ---------------------------------------------------------------------------

def _before(start, amount, unit, calendar, zone):
    if unit == Unit.WORKING_DAYS:
        start_day = start.astimezone(zone).date()
        day = _walk_working_days(start_day, amount, calendar, -1) if amount else start_day
        due = datetime.combine(day, time(0), tzinfo=zone)
        en, zh, uncovered = _working_basis(start_day, day, amount, calendar, zone, Direction.BEFORE)
        return Due(due=due, basis=en, basis_zh=zh, unpaused_due=due, uncovered_years=uncovered)
    due = _shift(start, amount, unit, zone, -1)
    en, zh = _elapsed_basis(start, amount, unit, zone, Direction.BEFORE)
    return Due(due=due, basis=f"{en}: publish by {_iso(due)}", basis_zh=f"{zh}，即 {_iso(due)} 前",
               unpaused_due=due)


# --- checks and formatting ---------------------------------------------------------------------

def _aware(value):
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _check(start, amount, unit, direction):
    if not _aware(start):
        raise DeadlineError(f"start must be a timezone-aware datetime, got {start!r}")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise DeadlineError(f"amount must be a whole number >= 0, got {amount!r}")
    try:
        unit = Unit(unit)
    except ValueError:
        raise DeadlineError(f"unknown unit {unit!r}; one of {', '.join(Unit)}") from None
    try:
        direction = Direction(direction)
    except ValueError:
        raise DeadlineError(f"unknown direction {direction!r}; one of {', '.join(Direction)}") from None
    return unit, direction


def _iso(moment):
    return moment.isoformat(timespec="seconds")


def _zone_zh(zone):
    return "北京时间" if getattr(zone, "key", "") == "Asia/Shanghai" else getattr(zone, "key", str(zone))


def _parts(delta):
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return days, hours, minutes, seconds


def _duration(delta):
    parts = zip(_parts(delta), ("d", "h", "m", "s"), strict=True)
    return " ".join(f"{n}{u}" for n, u in parts if n) or "0s"


def _duration_zh(delta):
    parts = zip(_parts(delta), ("天", "小时", "分钟", "秒"), strict=True)
    return "".join(f"{n}{u}" for n, u in parts if n) or "0秒"


def local_day(moment, zone=LOCAL_ZONE):
    """The local calendar date of an aware datetime (the 'start day' of a working-day clock)."""
    return moment.astimezone(zone).date()


__all__ = [
    "CALENDAR_UNITS", "LOCAL_ZONE", "DeadlineError", "Direction", "Due", "Unit",
    "add_months", "amount_text", "due_at", "due_with_pauses", "local_day", "merge_pauses",
]
