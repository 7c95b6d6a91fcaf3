"""Voltage imports (电压数据导入): `griddesk import voltage FILE` and `griddesk import readings FILE`.

voltage — `point_id,point_class,zone,supply_voltage,date,monitored_minutes,over_upper_minutes,under_lower_minutes`
(docs/formats.md): one row per monitoring point and local day. A point named for the first time is
created with the row's class, zone and supply voltage (a known point takes them from the file); its
org is `--org`, else that of the customer whose account number, or the device whose id, is the
point id. The day's row is created, or replaced when the file says otherwise, so importing a file
twice changes nothing (idempotent by point and date). Refused, naming the line: minutes that are not
whole numbers ≥ 0, over + under more than monitored, monitored more than a day's 1,440 minutes, a
date that is not YYYY-MM-DD, the same point and date twice, one point with two classes.

readings — `point_id,time,volts` (raw readings of known points): each reading holds from its time
until the point's next reading, at most READING_CAP_MINUTES (the last one of a point: the cap);
the minutes are split at local midnight and counted as monitored, over the upper or under the lower
limit of the point's supply voltage (rules V-1..V-3; quality.limits; an exempt point, V-5, is never
out of limits). The days a file covers replace those days' rows of its points.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append
from griddesk.csvimport import (
    CsvFile,
    ErrorLog,
    ImportResult,
    all_or_nothing,
    aware_moment,
    check_choice,
    check_length,
    file_name_of,
)
from griddesk.customers.models import Customer, SupplyVoltage
from griddesk.grid.models import Device, Zone
from griddesk.quality.limits import OVER, UNDER, classify, deviation_limits, parse_volts
from griddesk.quality.models import PointClass, VoltageDay, VoltagePoint

VOLTAGE_COLUMNS = ("point_id", "point_class", "zone", "supply_voltage", "date", "monitored_minutes",
                   "over_upper_minutes", "under_lower_minutes")
READING_COLUMNS = ("point_id", "time", "volts")
DAY_MINUTES = 1440
POINT_MAX = 40
LOOKUP_BATCH = 900


def reading_cap_minutes():
    return settings.GRIDDESK_READING_CAP_MINUTES


def _minutes(errors, line, column, text):
    try:
        value = int(text)
    except ValueError:
        errors.add(line, column, _("\"%s\" 不是整数分钟数") % text)
        return None
    if value < 0:
        errors.add(line, column, _("不能为负数：%d") % value)
        return None
    return value


def _date(errors, line, text):
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.add(line, "date", _("\"%s\" 不是日期（应为 YYYY-MM-DD，当地日期）") % text)
    return None


def _batched(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_BATCH):
        yield values[start:start + LOOKUP_BATCH]


def voltage_import(*, path, dry_run=False, actor=None, root_org=None):
    """Import a voltage statistics CSV, all-or-nothing; returns an ImportResult or raises ImportFailed."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=VOLTAGE_COLUMNS, errors=errors)
    result = ImportResult(kind="voltage", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        rows, points = [], {}
        seen = {}
        for line, values in source.rows():
            row = _voltage_row(errors, line, values)
            if row is None:
                continue
            key = (row["point_id"], row["date"])
            if key in seen:
                errors.add(line, "date", _("监测点 %(point)s 的 %(date)s 已在第 %(line)d 行出现") % {
                    "point": row["point_id"], "date": row["date"], "line": seen[key]})
                continue
            seen[key] = line
            described = (row["point_class"], row["zone"], row["supply_voltage"])
            first = points.setdefault(row["point_id"], (line, described))
            if first[1] != described:
                errors.add(line, "point_class", _(
                    "监测点 %(point)s 的类别、区域或供电电压与第 %(line)d 行不同") % {
                    "point": row["point_id"], "line": first[0]})
                continue
            rows.append(row)
        result.rows, result.sha256 = source.data_rows, source.sha256
        if errors:
            return result
        stored = _stored_points(points)
        creates, updates, unchanged = _day_changes(rows, stored)
        result.created, result.updated, result.unchanged = len(creates), len(updates), unchanged
        if not dry_run:
            pks = _write_points(points, stored, root_org)
            _write_days(creates, updates, pks)
            audit_append(stream="import:voltage", action="import.voltage", actor=actor,
                         payload={**result.audit_payload(), "points": len(points)})
    return result


def _voltage_row(errors, line, values):
    point_id, point_class, zone, supply, day, monitored, over, under = values
    before = len(errors)
    check_length(errors, line, "point_id", point_id, POINT_MAX)
    point_class = check_choice(errors, line, "point_class", point_class.upper(), PointClass)
    zone = check_choice(errors, line, "zone", zone, Zone)
    supply = check_choice(errors, line, "supply_voltage", supply, SupplyVoltage)
    day = _date(errors, line, day)
    monitored = _minutes(errors, line, "monitored_minutes", monitored)
    over = _minutes(errors, line, "over_upper_minutes", over)
    under = _minutes(errors, line, "under_lower_minutes", under)
    if monitored is not None and monitored > DAY_MINUTES:
        errors.add(line, "monitored_minutes", _("一天最多 %(max)d 分钟，收到 %(n)d") % {
            "max": DAY_MINUTES, "n": monitored})
    if None not in (monitored, over, under) and over + under > monitored:
        errors.add(line, "over_upper_minutes", _(
            "超上限 %(over)d + 超下限 %(under)d 分钟多于监测时间 %(monitored)d 分钟") % {
            "over": over, "under": under, "monitored": monitored})
    if len(errors) > before:
        return None
    return {"point_id": point_id, "point_class": point_class, "zone": zone, "supply_voltage": supply,
            "date": day, "monitored": monitored, "over": over, "under": under}


def _stored_points(points):
    stored = {}
    for batch in _batched(points):
        for point in VoltagePoint.objects.filter(point_id__in=batch):
            stored[point.point_id] = point
    return stored


def _day_changes(rows, stored):
    """(rows to create, (pk, row) to update, unchanged count) against what is stored."""
    existing = {}
    pks = [p.pk for p in stored.values()]
    by_pk = {p.pk: p.point_id for p in stored.values()}
    dates = sorted({row["date"] for row in rows})
    if pks and dates:
        for batch in _batched(pks):
            for pk, point_pk, day, m, o, u in VoltageDay.objects.filter(
                    point_id__in=batch, date__gte=dates[0], date__lte=dates[-1]).values_list(
                    "pk", "point_id", "date", "monitored_minutes", "over_upper_minutes", "under_lower_minutes"):
                existing[(by_pk[point_pk], day)] = (pk, (m, o, u))
    creates, updates, unchanged = [], [], 0
    for row in rows:
        found = existing.get((row["point_id"], row["date"]))
        if found is None:
            creates.append(row)
        elif found[1] != (row["monitored"], row["over"], row["under"]):
            updates.append((found[0], row))
        else:
            unchanged += 1
    return creates, updates, unchanged


def _point_orgs(point_ids):
    """{point_id: org_id} for points named like a customer's account number or a device's id."""
    orgs = {}
    for batch in _batched(point_ids):
        orgs.update(Device.objects.filter(device_id__in=batch).values_list("device_id", "org_id"))
        orgs.update(Customer.objects.filter(account_no__in=batch).values_list("account_no", "org_id"))
    return orgs


def _write_points(points, stored, root_org):
    """Create the new points and bring the known ones' class, zone and voltage in line; {point_id: pk}."""
    new = [pid for pid in points if pid not in stored]
    orgs = {} if root_org is not None else _point_orgs(new)
    VoltagePoint.objects.bulk_create([
        VoltagePoint(point_id=pid, point_class=points[pid][1][0], zone=points[pid][1][1],
                     supply_voltage=points[pid][1][2],
                     org_id=root_org.pk if root_org is not None else orgs.get(pid))
        for pid in new], batch_size=1000)
    changed = []
    for pid, point in stored.items():
        described = points[pid][1]
        if (point.point_class, point.zone, point.supply_voltage) != described:
            point.point_class, point.zone, point.supply_voltage = described
            changed.append(point)
    VoltagePoint.objects.bulk_update(changed, ["point_class", "zone", "supply_voltage"], batch_size=1000)
    pks = {}
    for batch in _batched(points):
        pks.update(VoltagePoint.objects.filter(point_id__in=batch).values_list("point_id", "pk"))
    return pks


def _write_days(creates, updates, pks):
    VoltageDay.objects.bulk_create([
        VoltageDay(point_id=pks[row["point_id"]], date=row["date"], monitored_minutes=row["monitored"],
                   over_upper_minutes=row["over"], under_lower_minutes=row["under"]) for row in creates],
        batch_size=1000)
    VoltageDay.objects.bulk_update([
        VoltageDay(pk=pk, monitored_minutes=row["monitored"], over_upper_minutes=row["over"],
                   under_lower_minutes=row["under"]) for pk, row in updates],
        ["monitored_minutes", "over_upper_minutes", "under_lower_minutes"], batch_size=1000)


# ---------------------------------------------------------------------- raw readings


def readings_import(*, path, dry_run=False, actor=None):
    """Import raw voltage readings, all-or-nothing: they become the daily rows of their points."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=READING_COLUMNS, errors=errors)
    result = ImportResult(kind="readings", file_name=errors.file_name, sha256="", dry_run=dry_run)
    with all_or_nothing(errors):
        readings = defaultdict(list)
        seen = {}
        for line, (point_id, moment_text, volts_text) in source.rows():
            ok = check_length(errors, line, "point_id", point_id, POINT_MAX)
            moment = aware_moment(moment_text)
            if moment is None:
                errors.add(line, "time", _("\"%s\" 不是带时区的 ISO 8601 时间（例如 2026-07-20T14:05:00+08:00）")
                           % moment_text)
            volts = parse_volts(volts_text)
            if volts is None:
                errors.add(line, "volts", _("\"%s\" 不是正的电压值（伏）") % volts_text)
            if not ok or moment is None or volts is None:
                continue
            if (point_id, moment) in seen:
                errors.add(line, "time", _("监测点 %(point)s 在该时间的读数已在第 %(line)d 行出现") % {
                    "point": point_id, "line": seen[(point_id, moment)]})
                continue
            seen[(point_id, moment)] = line
            readings[point_id].append((moment, volts, line))
        result.rows, result.sha256 = source.data_rows, source.sha256
        stored = _stored_points(readings)
        for point_id, rows in readings.items():
            if point_id not in stored:
                errors.add(rows[0][2], "point_id", _("监测点 \"%s\" 不存在（请先用 import voltage 建立监测点）")
                           % point_id)
        if errors:
            return result
        days = {}
        for point_id, rows in readings.items():
            point = stored[point_id]
            limits = deviation_limits(point.supply_voltage, exempt=point.exempt)
            for day, counts in reading_minutes(rows, limits).items():
                days[(point_id, day)] = counts
        rows = [{"point_id": pid, "date": day, "monitored": m, "over": o, "under": u}
                for (pid, day), (m, o, u) in sorted(days.items())]
        creates, updates, unchanged = _day_changes(rows, stored)
        result.created, result.updated, result.unchanged = len(creates), len(updates), unchanged
        result.extra["days"] = len(rows)
        if not dry_run:
            _write_days(creates, updates, {pid: p.pk for pid, p in stored.items()})
            audit_append(stream="import:readings", action="import.readings", actor=actor,
                         payload={**result.audit_payload(), "days": len(rows)})
    return result


def reading_minutes(readings, limits, *, cap_minutes=None):
    """{local date: (monitored, over, under) whole minutes} of one point's readings [(time, volts, …)].

    Each reading holds from its time until the next one, at most `cap_minutes` (the last: the cap);
    the span is split at local midnight. Seconds are summed per day and floored to minutes, so
    over + under never exceeds monitored.
    """
    cap = timedelta(minutes=cap_minutes if cap_minutes is not None else reading_cap_minutes())
    ordered = sorted(readings, key=lambda r: r[0])
    seconds = defaultdict(lambda: [0.0, 0.0, 0.0])
    for i, (moment, volts, *_rest) in enumerate(ordered):
        until = moment + cap
        if i + 1 < len(ordered):
            until = min(until, ordered[i + 1][0])
        state = classify(volts, limits)
        start = timezone.localtime(moment)
        until = timezone.localtime(until)
        while start < until:
            midnight = (start + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            stop = min(until, midnight)
            span = (stop - start).total_seconds()
            entry = seconds[start.date()]
            entry[0] += span
            if state == OVER:
                entry[1] += span
            elif state == UNDER:
                entry[2] += span
            start = stop
    return {day: (int(m // 60), int(o // 60), int(u // 60)) for day, (m, o, u) in seconds.items()}
