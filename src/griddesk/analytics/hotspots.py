"""Complaint hot spots (投诉热点): an area or class whose complaints rise well above its own baseline.

Method (docs/analytics.md, "Hot spots"): for each value of a dimension (complaint class, unit,
transformer area, street) count this period's complaints x and those of each of the previous N
periods of the same length (months stay months); the baseline is their mean m. Complaints of a
stable area are roughly Poisson, whose variance equals its mean, so the rise is measured as the
Poisson z-score z = (x - m) / sqrt(max(m, 1)) (the floor keeps a new area with no history from
dividing by zero: there it is x - 0 over 1). A value is a hot spot when x >= MIN_COUNT and
z >= Z_THRESHOLD; the list is sorted by z. One SQL query per dimension (counts by value and period).
No data is not zero: a previous period in which the whole scope has no complaint at all (before the
history begins) is left out of every baseline, and with no such period left there are no hot spots.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.analytics.selectors import ROOT_CATEGORY, _category_names, children_of
from griddesk.analytics.streets import street_of
from griddesk.grid.models import Device
from griddesk.orders.models import OrderType, WorkOrder
from griddesk.orgs.models import Org
from griddesk.tables import INT, NUM, Cell, Column, Table

BASELINE_PERIODS = 6
MIN_COUNT = 3
Z_THRESHOLD = 3.0


@dataclass(frozen=True)
class HotSpot:
    dimension: str
    key: object
    label: str
    count: int
    baseline: float
    z: float
    link: dict


def z_score(count, baseline):
    return (count - baseline) / math.sqrt(max(baseline, 1.0))


def is_hot(count, baseline, *, min_count=MIN_COUNT, threshold=Z_THRESHOLD):
    return count >= min_count and z_score(count, baseline) >= threshold


def _bucketed(scope, periods):
    """Complaints of the scope in any of `periods` (index 0 = this one), with their period index."""
    whens = [When(accepted_at__gte=p.start, accepted_at__lt=p.end, then=Value(i)) for i, p in enumerate(periods)]
    return (WorkOrder.objects.filter(org_id__in=scope.org_ids, order_type=OrderType.COMPLAINT,
                                     accepted_at__gte=periods[-1].start, accepted_at__lt=periods[0].end)
            .annotate(bucket=SqlCase(*whens, output_field=IntegerField())))


def _series(rows, key, periods):
    series = defaultdict(lambda: [0] * len(periods))
    for row in rows:
        if row["bucket"] is not None and row[key] is not None:
            series[row[key]][row["bucket"]] += row["n"]
    return series


def hot_spots(scope, period, *, baseline_periods=BASELINE_PERIODS, min_count=MIN_COUNT, threshold=Z_THRESHOLD):
    """Hot spots of every dimension, hottest first."""
    periods = [period, *period.previous(baseline_periods)]
    complaints = _bucketed(scope, periods)
    found = []
    rows = complaints.annotate(root=ROOT_CATEGORY).values("root", "bucket").order_by().annotate(n=Count("id"))
    totals = [0] * len(periods)
    for row in rows:
        if row["bucket"] is not None:
            totals[row["bucket"]] += row["n"]
    used = [i for i in range(1, len(periods)) if totals[i]]  # periods with data
    if not used:
        return []

    def baseline(counts):
        return sum(counts[i] for i in used) / len(used)

    def collect(dimension, series, label_of, link_of):
        for key, counts in series.items():
            x, base = counts[0], baseline(counts)
            if is_hot(x, base, min_count=min_count, threshold=threshold):
                found.append(HotSpot(dimension, key, label_of(key), x, base, z_score(x, base),
                                     {"type": "complaint", **link_of(key)}))

    names = _category_names()
    collect("category", _series(rows, "root", periods), lambda k: names.get(k, ("", ""))[1],
            lambda k: {"category": k})
    rows = complaints.values("org", "bucket").order_by().annotate(n=Count("id"))
    org_series = _series(rows, "org", periods)
    paths = dict(Org.objects.filter(pk__in=org_series).values_list("pk", "path"))
    children = children_of(scope)
    rolled = defaultdict(lambda: [0] * len(periods))
    for org_id, counts in org_series.items():
        owner = next((c for c in children if paths[org_id].startswith(c.path)), None)
        if owner is not None:
            rolled[owner] = [a + b for a, b in zip(rolled[owner], counts, strict=True)]
    collect("org", rolled, lambda o: o.name, lambda o: {"org": o.code})
    rows = (complaints.filter(customer__isnull=False).values("customer__transformer_id", "bucket").order_by()
            .annotate(n=Count("id")))
    tx_series = _series(rows, "customer__transformer_id", periods)
    hot_tx = [k for k, c in tx_series.items() if is_hot(c[0], baseline(c), min_count=min_count,
                                                         threshold=threshold)]
    tx_names = dict(Device.objects.filter(pk__in=hot_tx).values_list("pk", "name"))
    collect("transformer", {k: tx_series[k] for k in hot_tx}, lambda k: tx_names.get(k, str(k)),
            lambda k: {"transformer": k})
    street_series = defaultdict(lambda: [0] * len(periods))
    for address, bucket in complaints.filter(customer__isnull=False, accepted_at__gte=periods[-1].start).values_list(
            "customer__address", "bucket"):
        if bucket is not None:
            street_series[street_of(address)][bucket] += 1
    collect("street", street_series, str, lambda k: {"street": k})
    return sorted(found, key=lambda h: (-h.z, h.dimension, h.label))


DIMENSIONS = {"category": gettext_noop("投诉分类"), "org": gettext_noop("单位"), "transformer": gettext_noop("台区"),
              "street": gettext_noop("街道")}


def hot_spots_table(scope, period, **options):
    spots = hot_spots(scope, period, **options)
    table = Table("hot_spots", _("投诉热点"), [
        Column(_("维度")), Column(_("对象")), Column(_("本期件数"), INT), Column(_("基线（前%d期均值）") %
                                                                          options.get("baseline_periods",
                                                                                      BASELINE_PERIODS), NUM),
        Column(_("z 值"), NUM)], chart=(1, 4),
        note=_("本期件数不少于 %(min)d 且泊松 z = (本期 − 基线) / √max(基线, 1) 不小于 %(z)s 即为热点。") % {
            "min": options.get("min_count", MIN_COUNT), "z": options.get("threshold", Z_THRESHOLD)})
    for spot in spots:
        table.add(_(DIMENSIONS[spot.dimension]), spot.label, Cell(spot.count, spot.link), spot.baseline, spot.z)
    return table, spots
