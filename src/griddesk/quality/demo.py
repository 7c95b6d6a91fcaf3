"""The demo province's supply-quality history (供电质量演示数据), deterministic for a seed.

Called by the demo build (demo.services) once the network and customers are written:

- a year of restored outages before now (the storms of demo.storms add the last weeks' faults):
  faults on transformers (0.8 a year each), switches (0.5) and feeders (1.2), one in ten of them
  momentary (1–4 minutes), the others log-normal around 100 minutes; planned maintenance on feeders
  (1 a year) and switches (0.3), 4–8 hours, announced 8 days ahead (rule Q-3: 7), one in twenty late
  with a reason; temporary maintenance on feeders (0.2), 2–4 hours, announced 30 hours ahead
  (Q-3: 24). Planned outages on a feeder put some 35 kV customers over their yearly limit (Q-2).
- voltage monitoring points with a daily row for each of the last 365 days: class A at every
  substation's 10 kV bus, B at up to 30 customers supplied at 35 kV and above, C at up to 60 at 10 kV,
  D at one low-voltage customer in 200 (20 to 300); rural and remote points are out of limits more
  often than urban ones, and a day now and then is monitored only in part.
"""

import math
import random
from datetime import timedelta

from django.db.models import Max, Min
from django.utils import timezone

from griddesk.customers.models import Customer, SupplyVoltage
from griddesk.demo.bulk import TableWriter, next_id
from griddesk.grid.models import Device, DeviceKind, Zone
from griddesk.outages.models import OutageEvent, OutageKind, OutageSource, OutageState
from griddesk.quality.models import PointClass, VoltageDay, VoltagePoint

YEAR_DAYS = 365
FAULT_RATE = {DeviceKind.TRANSFORMER: 0.8, DeviceKind.SWITCH: 0.5, DeviceKind.FEEDER: 1.2}
PLANNED_RATE = {DeviceKind.FEEDER: 1.0, DeviceKind.SWITCH: 0.3}
TEMPORARY_RATE = {DeviceKind.FEEDER: 0.2}
FAULT_CAUSES = ("线路故障跳闸", "配变烧损", "树障引起短路", "雷击造成绝缘子击穿", "外力破坏（施工挖断电缆）",
                "鸟害引起线路接地", "低压熔断器熔断")
PLANNED_CAUSES = ("计划检修：线路消缺及设备预试", "计划检修：更换柱上开关", "配网改造施工", "计划检修：变电站设备检修")
TEMPORARY_CAUSES = ("临时检修：处理线路缺陷", "临时检修：更换故障避雷器")
LATE_REASONS = ("施工计划临时调整", "设备到货推迟，停电时间变更", "配合市政施工，申请时间较晚")
# Share of the day out of limits, by point class and zone: (low, high) of a point's own level.
BADNESS = {
    PointClass.A: {Zone.URBAN: (0.0005, 0.003), Zone.RURAL: (0.001, 0.006), Zone.REMOTE: (0.002, 0.01)},
    PointClass.B: {Zone.URBAN: (0.001, 0.008), Zone.RURAL: (0.002, 0.015), Zone.REMOTE: (0.004, 0.02)},
    PointClass.C: {Zone.URBAN: (0.005, 0.02), Zone.RURAL: (0.01, 0.05), Zone.REMOTE: (0.02, 0.08)},
    PointClass.D: {Zone.URBAN: (0.01, 0.05), Zone.RURAL: (0.03, 0.12), Zone.REMOTE: (0.05, 0.15)},
}


# Every table of this stage is written in one statement (a COPY on PostgreSQL, one executemany on
# SQLite), so the demo's query count does not grow with the province (tests/demo/test_command.py).
ONE_BATCH = 10**9


def write_quality_history(*, seed, now, batch_size=ONE_BATCH):
    """Write the year of outages and the voltage points with their daily rows. Returns (rows written,
    the outages' audit chains [(stream, [(action, at, actor, payload)])] for the caller to write):
    the year's outages are brought in as `griddesk import outages` would, one `outage.imported`
    event each."""
    rng = random.Random(f"{seed}:quality")
    outages, chains, devices = _write_outages(rng, now, batch_size)
    return outages + _write_voltage(rng, now, batch_size, devices), chains


def _poisson(rng, mean):
    # Knuth's method: small means only (a device's outages in a year).
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _write_outages(rng, now, batch_size):
    devices = list(Device.objects.filter(kind__in=[*FAULT_RATE, DeviceKind.SUBSTATION])
                   .values_list("pk", "kind", "org_id", "name", "device_id", "zone").order_by("pk"))
    year_start = now - timedelta(days=YEAR_DAYS)
    base = next_id(OutageEvent)
    fields = ["id", "code", "kind", "device_id", "org_id", "cause", "area", "starts_at", "expected_restoration_at",
              "restored_at", "announced_at", "notice_due_at", "late_reason", "state", "source", "human", "created_at",
              "updated_at"]
    n, chains = 0, []
    label = OutageEvent._meta.label_lower
    with TableWriter(OutageEvent, fields, batch_size=batch_size) as out:
        for pk, kind, org_id, name, _device_id, _zone in devices:
            for outage_kind, rates in ((OutageKind.FAULT, FAULT_RATE), (OutageKind.PLANNED, PLANNED_RATE),
                                       (OutageKind.TEMPORARY, TEMPORARY_RATE)):
                for _i in range(_poisson(rng, rates.get(kind, 0))):
                    row = _outage(rng, outage_kind, year_start, now)
                    if row is None:
                        continue
                    starts, minutes, cause, announced, due, late = row
                    restored = starts + timedelta(minutes=minutes)
                    out.add((base + n, f"LS{base + n:08d}", outage_kind, pk, org_id, cause, name, starts, restored,
                             restored, announced, due, late, OutageState.RESTORED, OutageSource.IMPORT, True,
                             # last changed when restored: the analyser takes decisions over in that order
                             announced or starts, restored))
                    chains.append((f"{label}:{base + n}", [("outage.imported", restored, None, {
                        "device": pk, "state": OutageState.RESTORED, "created": True})]))
                    n += 1
    return n, chains, devices


def _outage(rng, kind, year_start, now):
    """(starts, minutes, cause, announced, notice due, late reason) of one outage, or None if it would
    not be over by now."""
    if kind == OutageKind.FAULT:
        starts = year_start + timedelta(seconds=rng.randrange(YEAR_DAYS * 86400))
        minutes = rng.uniform(1, 4) if rng.random() < 0.1 else min(rng.lognormvariate(math.log(100), 0.7), 36 * 60)
        announced, due, late = starts + timedelta(minutes=10), None, ""
        cause = rng.choice(FAULT_CAUSES)
    else:
        day = timezone.localtime(year_start + timedelta(days=rng.randrange(YEAR_DAYS)))
        starts = day.replace(hour=rng.choice((7, 8, 9)), minute=0, second=0, microsecond=0)
        if kind == OutageKind.PLANNED:
            minutes, due = rng.randrange(4, 9) * 60, starts - timedelta(days=7)
            announced = starts - timedelta(days=8)
            cause = rng.choice(PLANNED_CAUSES)
        else:
            minutes, due = rng.randrange(2, 5) * 60, starts - timedelta(hours=24)
            announced = starts - timedelta(hours=30)
            cause = rng.choice(TEMPORARY_CAUSES)
        late = ""
        if rng.random() < 0.05:
            announced = due + timedelta(hours=rng.randrange(2, 48))
            late = rng.choice(LATE_REASONS)
    if starts + timedelta(minutes=minutes) >= now:
        return None
    return starts, minutes, cause, announced, due, late


def _write_voltage(rng, now, batch_size, devices):
    points = _points(rng, devices)
    if not points:
        return 0
    with TableWriter(VoltagePoint, ["point_id", "point_class", "zone", "supply_voltage", "org_id"],
                     batch_size=batch_size) as out:
        for point in points:
            out.add(point)
    pks = dict(VoltagePoint.objects.values_list("point_id", "pk"))
    today = timezone.localtime(now).date()
    n = 0
    with TableWriter(VoltageDay, ["point_id", "date", "monitored_minutes", "over_upper_minutes",
                                  "under_lower_minutes"], batch_size=batch_size) as out:
        for pid, point_class, zone, _voltage, _org in points:
            low, high = BADNESS[point_class][zone]
            level = rng.uniform(low, high)
            upward = rng.random()  # the share of out-of-limit time above the upper limit
            for back in range(YEAR_DAYS, 0, -1):
                monitored = 1440 if rng.random() > 0.02 else rng.randrange(600, 1440)
                out_minutes = min(monitored, round(monitored * level * rng.expovariate(1.0)))
                over = round(out_minutes * upward)
                out.add((pks[pid], today - timedelta(days=back), monitored, over, out_minutes - over))
                n += 1
    return n + len(points)


def _points(rng, devices):
    """[(point_id, class, zone, supply voltage, org_id)]: the monitoring points of the province."""
    points = [(device_id, PointClass.A, zone, SupplyVoltage.KV10, org)
              for _pk, kind, org, _name, device_id, zone in devices if kind == DeviceKind.SUBSTATION]
    high = {PointClass.B: [], PointClass.C: []}
    for account_no, zone, voltage, org in (Customer.objects.filter(supply_voltage__in=[
            SupplyVoltage.KV35, SupplyVoltage.KV110, SupplyVoltage.KV10])
            .values_list("account_no", "zone", "supply_voltage", "org_id").order_by("pk").iterator()):
        point_class = PointClass.C if voltage == SupplyVoltage.KV10 else PointClass.B
        if len(high[point_class]) < (30 if point_class == PointClass.B else 60):
            high[point_class].append((account_no, point_class, zone, voltage, org))
    points += high[PointClass.B] + high[PointClass.C]
    low = Customer.objects.filter(supply_voltage__in=[SupplyVoltage.V220, SupplyVoltage.V380])
    bounds = low.aggregate(first=Min("pk"), last=Max("pk"))
    first, last = bounds["first"], bounds["last"]
    if first is not None:
        total = last - first + 1
        wanted = max(20, min(300, total // 200))
        picks = sorted(rng.sample(range(first, last + 1), min(wanted, total)))
        for account_no, zone, voltage, org in (low.filter(pk__in=picks)
                                               .values_list("account_no", "zone", "supply_voltage", "org_id")
                                               .order_by("pk")):
            points.append((account_no, PointClass.D, zone, voltage, org))
    return points
