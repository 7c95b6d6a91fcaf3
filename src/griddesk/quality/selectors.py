"""Reads for the quality reports (供电质量): reliability (rules Q-1, Q-2, Q-3) and voltage (V-1..V-6).

Reliability indices (IEEE 1366; RS-1 供电可靠率 = ASAI when every sustained outage counts), over a
period [start, end) of whole local days, T = its hours:

- Ni: the customers below the outage's device (all customers supplied through it); ri: the
  outage's hours inside the period (clipped at both ends); NT: the customers served.
- SAIFI = ΣNi / NT; SAIDI = Σri·Ni / NT (hours); CAIDI = SAIDI / SAIFI; ASAI = 1 − Σri·Ni / (NT·T).
- A customer out twice counts twice. Outages shorter than the momentary threshold (whole duration,
  default 5 minutes) are counted apart (momentary_interruptions, MAIFI) and left out of SAIFI and SAIDI.
- Counted: restored outages, active ones (until now) and confirmed faults (until now); not the
  analysis' unconfirmed predictions, cancelled outages, nor outages merged into another.

The work is done in SQL: the customers served per transformer, zone and org are read from the
counts the database keeps (customers/served.py: a few rows per transformer, not a million
customers), rolled up along the transformers' materialised paths to every device with
an outage (so Ni is never counted per outage); one grouped query over the outages gives, per
device, kind and momentary flag, the number of outages and the clipped seconds.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from griddesk.customers.models import Customer, SupplyVoltage
from griddesk.grid.models import Zone
from griddesk.grid.selectors import customers_below_devices, served_groups
from griddesk.orgs.models import Org
from griddesk.outages.models import OutageEvent, OutageKind, OutageState
from griddesk.paths import path_ids, subtree_q
from griddesk.quality.models import PointClass, VoltageDay, VoltagePoint

MOMENTARY_SECONDS = 5 * 60
# Rule Q-1: RS-1 targets by zone (percent); remote areas have none in the service code.
Q1_TARGETS = {Zone.URBAN: 99.89, Zone.RURAL: 99.0}
# Rule V-6: voltage qualification targets by zone (percent).
V6_TARGETS = {Zone.URBAN: 95.0, Zone.RURAL: 90.0}
# Rule Q-2: planned outages a customer may have in a calendar year, by supply voltage.
Q2_LIMITS = {SupplyVoltage.KV35: 1, SupplyVoltage.KV110: 1, SupplyVoltage.KV10: 3}
# IEEE 1366 major event days: the 2.5 beta method over up to five years before the period; it
# applies when that history reaches back at least MED_MIN_HISTORY_DAYS and has MED_MIN_DAYS days
# with sustained interruptions.
MED_BETA = 2.5
MED_HISTORY_YEARS = 5
MED_MIN_HISTORY_DAYS = 365
MED_MIN_DAYS = 10


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """Whole local days `first`..`last` inclusive, as the instants [start, end)."""

    first: object
    last: object

    @property
    def start(self):
        return datetime.combine(self.first, time(), tzinfo=local_zone())

    @property
    def end(self):
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=local_zone())

    @property
    def hours(self):
        return (self.end - self.start).total_seconds() / 3600


def counted_outages_q():
    """The outages reliability counts (see the module's docstring)."""
    return (Q(merged_into__isnull=True)
            & (Q(state=OutageState.RESTORED, restored_at__isnull=False) | Q(state=OutageState.ACTIVE)
               | Q(state=OutageState.CONFIRMED, kind=OutageKind.FAULT)))


# ---------------------------------------------------------------------- customers below devices


def customer_counts(*, org=None, zone=None):
    """(groups, below): the customers served grouped by transformer, zone and org (kept by the
    database, grid.selectors.served_groups) and customers_below_devices for every device."""
    groups = served_groups(org=org, zone=zone)
    return groups, customers_below_devices(groups, None)


# ---------------------------------------------------------------------- outages, in SQL


def _sql_params(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _instant_sql(column):
    """SQL giving `column` (a datetime expression) as a number, and the factor to seconds, with
    `_instant(moment)` giving a Python datetime in the same unit."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::double precision", 1.0
    return f"julianday({column})", 86400.0


def _instant(moment):
    if connection.vendor == "postgresql":
        return moment.timestamp()
    return moment.timestamp() / 86400.0 + 2440587.5  # the julian day SQLite gives a UTC time


def _counted_where():
    """The WHERE of the counted outages (counted_outages_q) in SQL, with its parameters."""
    query = OutageEvent.objects.filter(counted_outages_q()).values("pk").query
    compiler = query.get_compiler(connection=connection)
    where, params = compiler.compile(query.where)
    return where, list(params)


def _counted_outages_sql(period, *, now, exclude_days=(), extra_q=None):
    """(sql, params, factor, start, end): a subquery of the counted outages overlapping the period
    as `id, device_id, kind, s, e`, each outage's start and end (or `now`) as numbers (times `factor`
    seconds), and the period's bounds in the same unit (its end no later than `now`). Outages that
    began on a local day in `exclude_days` are left out."""
    where, where_params = _counted_where()
    table = connection.ops.quote_name(OutageEvent._meta.db_table)
    start, end = period.start, min(period.end, max(now, period.start))
    starts, factor = _instant_sql("starts_at")
    ends, _factor = _instant_sql("COALESCE(restored_at, %s)")
    conditions = [where, "starts_at < %s", "COALESCE(restored_at, %s) > %s"]
    params = [*where_params, _sql_params(end), _sql_params(now), _sql_params(start)]
    for day in sorted(exclude_days):
        day_start = datetime.combine(day, time(), tzinfo=local_zone())
        conditions.append("NOT (starts_at >= %s AND starts_at < %s)")
        params += [_sql_params(day_start), _sql_params(day_start + timedelta(days=1))]
    if extra_q is not None:
        query = OutageEvent.objects.filter(extra_q).values("pk").query
        sql, extra_params = query.get_compiler(connection=connection).compile(query.where)
        conditions.append(sql)
        params += list(extra_params)
    sql = (f"SELECT id, device_id, kind, {starts} AS s, {ends} AS e FROM {table} "
           f"WHERE {' AND '.join(conditions)}")
    return sql, [_sql_params(now), *params], factor, _instant(start), _instant(end)


def outage_groups(period, *, now=None, momentary_seconds=MOMENTARY_SECONDS, exclude_days=(), extra_q=None):
    """[(device_id, kind, momentary, outages, clipped_seconds)] of the counted outages overlapping the
    period: one grouped query (each outage's start and end read once, as numbers, in a subquery).
    Outages that began on a local day in `exclude_days` are left out."""
    now = now or timezone.now()
    inner, params, factor, start, end = _counted_outages_sql(period, now=now, exclude_days=exclude_days,
                                                             extra_q=extra_q)
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    clip = f"({least}(e, %s) - {greatest}(s, %s))"
    sql = (f"SELECT device_id, kind, CASE WHEN (e - s) * {factor} < %s THEN 1 ELSE 0 END, COUNT(*), "
           f"SUM({clip} * {factor}) FROM ({inner}) AS o GROUP BY 1, 2, 3")
    with connection.cursor() as cursor:
        cursor.execute(sql, [momentary_seconds, end, start, *params])
        return [(device, kind, bool(m), n, float(seconds or 0)) for device, kind, m, n, seconds in cursor.fetchall()]


# ---------------------------------------------------------------------- the indices


@dataclass
class Tally:
    """Sums for one slice (a zone, an org, a kind, the total)."""

    customers_served: int = 0
    customer_interruptions: int = 0
    customer_seconds: float = 0.0
    momentary_interruptions: int = 0
    outages: int = 0
    momentary_outages: int = 0

    def indices(self, hours, *, target=None, with_target=False):
        nt = self.customers_served
        customer_hours = self.customer_seconds / 3600
        saifi = self.customer_interruptions / nt if nt else 0.0
        saidi = customer_hours / nt if nt else 0.0
        asai = (1 - customer_hours / (nt * hours)) * 100 if nt and hours else 100.0
        result = {
            "customers_served": nt,
            "outages": self.outages,
            "customer_interruptions": self.customer_interruptions,
            "customer_hours": round(customer_hours, 4),
            "saifi": round(saifi, 6),
            "saidi": round(saidi, 6),
            "caidi": round(customer_hours / self.customer_interruptions, 6) if self.customer_interruptions else 0.0,
            "asai_percent": round(asai, 6),
            "momentary_outages": self.momentary_outages,
            "momentary_interruptions": self.momentary_interruptions,
            "maifi": round(self.momentary_interruptions / nt, 6) if nt else 0.0,
        }
        if with_target:
            result["target_percent"] = target
            result["meets_target"] = None if target is None or not nt else asai >= target
        return result


def reliability_report(*, first, last, zone=None, org=None, now=None, momentary_minutes=5, exclude_med=False):
    """The reliability report for local days `first`..`last` (inclusive): total, by zone, by outage
    kind and by org (the children of `org`, or the top units), each with its indices; Q-1 targets
    against the zones. With `exclude_med`, IEEE 1366 major event days are left out when the history
    allows (see major_event_days)."""
    now = now or timezone.now()
    period = Period(first, last)
    momentary_seconds = momentary_minutes * 60
    groups, below = customer_counts(org=org, zone=zone)
    med = major_event_days(period, groups=groups, below=below, now=now) if exclude_med else None
    excluded = set(med["days"]) if med and med["applied"] else set()
    outages = outage_groups(period, now=now, momentary_seconds=momentary_seconds, exclude_days=excluded)
    rollup = _org_rollup(org)

    total, zones, kinds, orgs = Tally(), defaultdict(Tally), defaultdict(Tally), defaultdict(Tally)
    for _transformer, z, org_id, n in groups:
        total.customers_served += n
        zones[z].customers_served += n
        orgs[rollup(org_id)].customers_served += n
    for kind in OutageKind.values:
        kinds[kind].customers_served = total.customers_served
    for device, kind, momentary, count, seconds in outages:
        counter = below.get(device)
        if not counter:
            continue
        for (z, org_id), n in counter.items():
            for tally in (total, zones[z], kinds[kind], orgs[rollup(org_id)]):
                if momentary:
                    tally.momentary_interruptions += count * n
                else:
                    tally.customer_interruptions += count * n
                    tally.customer_seconds += seconds * n
        for tally in {id(t): t for t in [total, kinds[kind]] + [zones[z] for z, _o in counter]
                      + [orgs[rollup(o)] for _z, o in counter]}.values():
            if momentary:
                tally.momentary_outages += count
            else:
                tally.outages += count
    hours = period.hours
    zone_keys = [zone] if zone else list(Zone.values)
    org_names = dict(Org.objects.filter(pk__in=[k for k in orgs if k]).values_list("pk", "code"))
    return {
        "from": first.isoformat(), "to": last.isoformat(), "hours": hours,
        "momentary_minutes": momentary_minutes,
        "zone": zone or None, "org": org.code if org else None,
        "total": total.indices(hours),
        "zones": {z: zones[z].indices(hours, target=Q1_TARGETS.get(z), with_target=True) for z in zone_keys},
        "kinds": {k: kinds[k].indices(hours) for k in OutageKind.values},
        "orgs": {org_names.get(k, ""): orgs[k].indices(hours) for k in sorted(orgs, key=lambda k: org_names.get(k, ""))
                 if orgs[k].customers_served},
        "med": med,
    }


def _org_rollup(org):
    """A function mapping a customer's org id to the org it is reported under: the child of `org`
    (or of the root units) on its path; `org` itself for customers of `org`."""
    base_depth = org.depth + 1 if org is not None else 1
    paths = dict(Org.objects.values_list("pk", "path"))
    cache = {}

    def rollup(org_id):
        if org_id not in cache:
            path = paths.get(org_id)
            if not path:
                cache[org_id] = None
            else:
                ids = path_ids(path)
                cache[org_id] = ids[min(base_depth, len(ids) - 1)]
        return cache[org_id]

    return rollup


def major_event_days(period, *, groups, below=None, now=None):
    """IEEE 1366 2.5 beta method: the local days of the period whose SAIDI (customer-minutes per
    customer served, outages accruing to the day they begin) exceeds T_MED = exp(α + 2.5 β), α and β
    the mean and standard deviation of ln(daily SAIDI) over the days with sustained interruptions in
    the (up to) five years before the period. It applies only when the first counted outage in that
    window began at least MED_MIN_HISTORY_DAYS before the period and MED_MIN_DAYS days had some."""
    now = now or timezone.now()
    history = Period(period.first - timedelta(days=365 * MED_HISTORY_YEARS), period.first - timedelta(days=1))
    nt = sum(n for *_rest, n in groups)
    if below is None:
        below = customers_below_devices(groups, None)
    history_days = daily_saidi(history, below=below, nt=nt, now=now)
    result = {"applied": False, "threshold_minutes": None, "days": [], "history_days": len(history_days)}
    first_day = min(history_days, default=None)
    if first_day is None or (period.first - first_day).days < MED_MIN_HISTORY_DAYS or len(history_days) < MED_MIN_DAYS:
        return result
    logs = [math.log(v) for v in history_days.values() if v > 0]
    alpha = sum(logs) / len(logs)
    beta = math.sqrt(sum((x - alpha) ** 2 for x in logs) / (len(logs) - 1)) if len(logs) > 1 else 0.0
    threshold = math.exp(alpha + MED_BETA * beta)
    days = daily_saidi(period, below=below, nt=nt, now=now)
    result.update(applied=True, threshold_minutes=round(threshold, 4),
                  days=sorted(d for d, v in days.items() if v > threshold))
    return result


def daily_saidi(period, *, below, nt, now, momentary_seconds=MOMENTARY_SECONDS):
    """{local day: SAIDI in customer-minutes per customer} of the sustained outages that began in the
    period, each with its whole duration (IEEE 1366: an event accrues to the day it begins)."""
    if not nt:
        return {}
    until = "COALESCE(restored_at, %s)"
    if connection.vendor == "postgresql":
        day = "CAST((starts_at AT TIME ZONE %s) AS date)"
        day_params = [settings.TIME_ZONE]
        whole = f"EXTRACT(EPOCH FROM ({until} - starts_at))"
    else:
        offset = int(period.start.utcoffset().total_seconds())
        day = "date(starts_at, %s)"
        day_params = [f"{offset:+d} seconds"]
        whole = f"((julianday({until}) - julianday(starts_at)) * 86400.0)"
    where, where_params = _counted_where()
    table = connection.ops.quote_name(OutageEvent._meta.db_table)
    sql = (f"SELECT {day} AS day, device_id, SUM({whole}) FROM {table} WHERE {where} AND starts_at >= %s "
           f"AND starts_at < %s AND {whole} >= %s GROUP BY 1, 2")
    params = [*day_params, _sql_params(now), *where_params, _sql_params(period.start), _sql_params(period.end),
              _sql_params(now), momentary_seconds]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    minutes = defaultdict(float)
    for day_value, device, seconds in rows:
        n = sum(below.get(device, {}).values())
        if n:
            key = day_value if not isinstance(day_value, str) else datetime.fromisoformat(day_value).date()
            minutes[key] += float(seconds) / 60 * n
    return {d: v / nt for d, v in minutes.items()}


# ---------------------------------------------------------------------- drill-down: the outages behind


def outages_behind(*, first, last, zone=None, org=None, kind=None, momentary=False, now=None,
                   momentary_minutes=5):
    """The counted outages of the period behind a figure, newest first, as dicts: `pk`, `device_id`,
    the customers below the device (in `zone` / `org` when given), the hours inside the period and
    the customer-hours, `momentary`. One query of numbers, however many outages (a year of a
    province is a hundred thousand); `outages_described` reads the ones to show."""
    now = now or timezone.now()
    inner, params, factor, start, end = _counted_outages_sql(
        Period(first, last), now=now, extra_q=Q(kind=kind) if kind else None)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, device_id, s, e FROM ({inner}) AS o ORDER BY s DESC, id", params)
        rows = cursor.fetchall()
    _groups, below = customer_counts(org=org, zone=zone)
    served = {device: sum(counter.values()) for device, counter in below.items()}
    found = []
    for pk, device_id, s, e in rows:
        n = served.get(device_id)
        is_momentary = (e - s) * factor < momentary_minutes * 60
        if not n or (momentary is not None and is_momentary != momentary):
            continue
        hours = (min(e, end) - max(s, start)) * factor / 3600
        if hours <= 0:
            continue
        found.append({"pk": pk, "device_id": device_id, "customers": n, "hours": hours,
                      "customer_hours": hours * n, "momentary": is_momentary})
    return found


def outages_described(pks):
    """{pk: OutageEvent with its device} for the outages a page or an export shows."""
    found = {}
    pks = list(pks)
    for i in range(0, len(pks), 5000):
        found.update(OutageEvent.objects.select_related("device").in_bulk(pks[i:i + 5000]))
    return found


# ----------------------------------------------------------------------


def planned_outage_counts(*, year, org=None):
    """Rule Q-2: customers supplied at 10 kV and above with more planned outages in calendar `year`
    than their limit (35 kV+: 1, 10 kV: 3), those furthest over first. Planned outages on any device of
    a customer's supply path count (cancelled and merged ones do not). One grouped read of the
    outages and one of the customers concerned (by the supply-voltage index)."""
    tz = local_zone()
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    per_device = dict(OutageEvent.objects.filter(kind=OutageKind.PLANNED, starts_at__gte=start, starts_at__lt=end,
                                                 merged_into__isnull=True)
                      .exclude(state=OutageState.CANCELLED).values("device_id").annotate(n=Count("id"))
                      .values_list("device_id", "n").order_by())
    customers = Customer.objects.filter(supply_voltage__in=list(Q2_LIMITS))
    if org is not None:
        customers = customers.filter(subtree_q(org.path, "org__path"))
    over, checked = [], 0
    for account_no, name, voltage, path, org_name in (customers.values_list(
            "account_no", "name", "supply_voltage", "transformer__path", "org__name").order_by()
            .iterator(chunk_size=5000)):
        checked += 1
        count = sum(per_device.get(device, 0) for device in path_ids(path)) if per_device else 0
        limit = Q2_LIMITS[voltage]
        if count > limit:
            over.append({"account_no": account_no, "name": name, "supply_voltage": voltage, "org": org_name or "",
                         "planned_outages": count, "limit": limit})
    over.sort(key=lambda row: (row["limit"] - row["planned_outages"], row["account_no"]))  # furthest over first
    return {"year": year, "customers_checked": checked, "over_limit": over}


def notice_timeliness(*, first, last, org=None):
    """Rule Q-3: planned and temporary outages starting in the period that had a notice deadline
    (notice_due_at, set when planned): how many were published by it, and the late ones with their
    reasons (an outage never published whose deadline has passed is late, without a reason)."""
    period = Period(first, last)
    outages = (OutageEvent.objects.filter(kind__in=[OutageKind.PLANNED, OutageKind.TEMPORARY],
                                          starts_at__gte=period.start, starts_at__lt=period.end,
                                          notice_due_at__isnull=False, merged_into__isnull=True)
               .exclude(state=OutageState.CANCELLED).select_related("device"))
    if org is not None:
        outages = outages.filter(subtree_q(org.path, "org__path"))
    by_kind = {k: {"outages": 0, "in_time": 0} for k in (OutageKind.PLANNED, OutageKind.TEMPORARY)}
    late = []
    now = timezone.now()
    for outage in outages.order_by("starts_at", "pk"):
        entry = by_kind[outage.kind]
        entry["outages"] += 1
        if outage.announced_at is not None and outage.announced_at <= outage.notice_due_at:
            entry["in_time"] += 1
        elif outage.announced_at is not None or outage.notice_due_at < now:
            late.append(outage)
    for entry in by_kind.values():
        entry["in_time_percent"] = round(100 * entry["in_time"] / entry["outages"], 2) if entry["outages"] else None
    outages_n = sum(e["outages"] for e in by_kind.values())
    in_time = sum(e["in_time"] for e in by_kind.values())
    return {"kinds": by_kind, "outages": outages_n, "in_time": in_time,
            "in_time_percent": round(100 * in_time / outages_n, 2) if outages_n else None, "late": late}


# ---------------------------------------------------------------------- voltage


def rate_percent(monitored, over, under):
    """Rule V-6: qualification rate = 100 × (1 − (over + under) / monitored), time-weighted; None
    with nothing monitored."""
    if not monitored:
        return None
    return 100 * (1 - (over + under) / monitored)


def _sums(rows):
    monitored = sum(r["monitored"] or 0 for r in rows)
    over = sum(r["over"] or 0 for r in rows)
    under = sum(r["under"] or 0 for r in rows)
    return monitored, over, under


def _entry(monitored, over, under, points, target=None, with_target=False):
    rate = rate_percent(monitored, over, under)
    entry = {"rate_percent": round(rate, 4) if rate is not None else None, "points": points,
             "monitored_minutes": monitored, "over_upper_minutes": over, "under_lower_minutes": under}
    if with_target:
        entry["target_percent"] = target
        entry["meets_target"] = None if rate is None or target is None else rate >= target
    return entry


def voltage_days(*, first, last, org=None, zone=None, point_class=None):
    """The daily rows of the non-exempt points (rule V-5) in the period, filtered."""
    days = VoltageDay.objects.filter(date__gte=first, date__lte=last, point__exempt=False)
    if org is not None:
        days = days.filter(subtree_q(org.path, "point__org__path"))
    if zone:
        days = days.filter(point__zone=zone)
    if point_class:
        days = days.filter(point__point_class=point_class)
    return days


def voltage_report(*, first, last, org=None):
    """Voltage qualification by class, zone and org for local days `first`..`last` (inclusive),
    and the comprehensive rate = 0.5 × A + 0.5 × mean of the B, C, D rates present (None without A
    or without any of B, C, D). Grouped queries only."""
    days = voltage_days(first=first, last=last, org=org)
    sums = dict(monitored=Sum("monitored_minutes"), over=Sum("over_upper_minutes"),
                under=Sum("under_lower_minutes"), points=Count("point_id", distinct=True))
    by_class = {r["point__point_class"]: r for r in days.values("point__point_class").annotate(**sums).order_by()}
    by_zone = {r["point__zone"]: r for r in days.values("point__zone").annotate(**sums).order_by()}
    by_org = list(days.values("point__org_id").annotate(**sums).order_by())
    classes = {}
    for c in PointClass.values:
        r = by_class.get(c)
        if r:
            classes[c] = _entry(r["monitored"] or 0, r["over"] or 0, r["under"] or 0, r["points"])
    zones = {}
    for z in Zone.values:
        r = by_zone.get(z) or {"monitored": 0, "over": 0, "under": 0, "points": 0}
        zones[z] = _entry(r["monitored"] or 0, r["over"] or 0, r["under"] or 0, r["points"],
                          target=V6_TARGETS.get(z), with_target=True)
    orgs = _voltage_by_org(by_org, org)
    total = _entry(*_sums(list(by_class.values())), sum(r["points"] for r in by_class.values()))
    return {"from": first.isoformat(), "to": last.isoformat(), "org": org.code if org else None,
            "classes": classes, "zones": zones, "orgs": orgs, "total": total,
            "comprehensive_percent": comprehensive_percent(
                {c: e["rate_percent"] for c, e in classes.items()})}


def _voltage_by_org(rows, org):
    """{org code: entry with its name}: the points' orgs rolled up, as the reliability report does,
    to the children of `org` (or the top units), `org` itself for its own points; "" for points
    without an org."""
    rollup = _org_rollup(org)
    summed = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        sums = summed[rollup(r["point__org_id"]) if r["point__org_id"] else None]
        for i, key in enumerate(("monitored", "over", "under", "points")):
            sums[i] += r[key] or 0
    found = {pk: (code, name) for pk, code, name in Org.objects.filter(pk__in=[k for k in summed if k])
             .values_list("pk", "code", "name")}
    entries = {found.get(k, ("", ""))[0]: dict(_entry(*sums), name=found.get(k, ("", ""))[1])
               for k, sums in summed.items()}
    return dict(sorted(entries.items()))


def comprehensive_percent(rates):
    """0.5 × A + 0.5 × the mean of the B, C and D rates present; None without A or any of B, C, D."""
    a = rates.get(PointClass.A)
    others = [rates[c] for c in (PointClass.B, PointClass.C, PointClass.D) if rates.get(c) is not None]
    if a is None or not others:
        return None
    return round(0.5 * a + 0.5 * sum(others) / len(others), 4)


def voltage_points(*, first, last, org=None, zone=None, point_class=None):
    """Each point of the selection with its rate over the period (one grouped query)."""
    days = voltage_days(first=first, last=last, org=org, zone=zone, point_class=point_class)
    rows = (days.values("point__point_id", "point__point_class", "point__zone", "point__supply_voltage",
                        "point__org__name")
            .annotate(monitored=Sum("monitored_minutes"), over=Sum("over_upper_minutes"),
                      under=Sum("under_lower_minutes"), days=Count("id"))
            .order_by("point__point_id"))
    found = []
    for r in rows:
        rate = rate_percent(r["monitored"], r["over"], r["under"])
        found.append({"point_id": r["point__point_id"], "point_class": r["point__point_class"],
                      "zone": r["point__zone"], "supply_voltage": r["point__supply_voltage"],
                      "org": r["point__org__name"] or "", "days": r["days"],
                      "monitored_minutes": r["monitored"], "over_upper_minutes": r["over"],
                      "under_lower_minutes": r["under"], "rate_percent": rate})
    return found


def point_page(*, point_id, first, last):
    """A point, its limits (V-1..V-5) and its daily rows in the period, oldest first; None if unknown."""
    from griddesk.quality.limits import deviation_limits

    point = VoltagePoint.objects.select_related("org").filter(point_id=point_id).first()
    if point is None:
        return None
    limits = deviation_limits(point.supply_voltage, exempt=point.exempt)
    abnormal = deviation_limits(point.supply_voltage, abnormal=True)
    days = list(point.days.filter(date__gte=first, date__lte=last).order_by("date"))
    for day in days:
        day.rate_percent = rate_percent(day.monitored_minutes, day.over_upper_minutes, day.under_lower_minutes)
    monitored = sum(d.monitored_minutes for d in days)
    over = sum(d.over_upper_minutes for d in days)
    under = sum(d.under_lower_minutes for d in days)
    return {"point": point, "limits": limits, "abnormal": abnormal, "days": days,
            "total": _entry(monitored, over, under, 1)}
