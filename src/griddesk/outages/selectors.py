"""Reads about outages and storm declarations."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from griddesk import fastsql
from griddesk.grid.models import Device, DeviceKind
from griddesk.orgs.selectors import orgs_visible_q
from griddesk.outages.models import (
    ACTIVE_OUTAGE_STATES,
    OPEN_OUTAGE_STATES,
    OutageEvent,
    OutageState,
    StormDeclaration,
    TroubleCall,
)
from griddesk.paths import path_ids, subtree_q


@fastsql.statement
def _storms_covering_sql(ancestors):
    qn = fastsql.qn
    return (
        f"SELECT {fastsql.columns(StormDeclaration, 's')} FROM {qn(StormDeclaration._meta.db_table)} s"
        f" WHERE s.{qn('org_id')} IN ({fastsql.marks(ancestors)})"
        f" AND s.{qn('ends_at')} > %s AND s.{qn('lifted_at')} IS NULL ORDER BY s.{qn('starts_at')}"
    )


def storms_covering(*, org, at):
    """Storm declarations whose area (an org and its subtree) covers `org`, running at `at` or later.

    A storm covers an org when the storm's org is the org itself or one of its ancestors.
    One query, a prepared statement (griddesk.fastsql): every repair's acceptance asks (rule R-3).
    """
    ancestor_ids = path_ids(org.path) if org.path else [org.pk]
    rows = fastsql.fetch(_storms_covering_sql(len(ancestor_ids)), [*ancestor_ids, fastsql.moment(at)])
    return [fastsql.instance(StormDeclaration, row) for row in rows]


@fastsql.statement
def _outage_covering_sql(devices):
    qn = fastsql.qn
    return (
        f"SELECT {fastsql.columns(OutageEvent, 'e')} FROM {qn(OutageEvent._meta.db_table)} e"
        f" WHERE e.{qn('device_id')} IN ({fastsql.marks(devices)})"
        f" AND e.{qn('state')} IN ({fastsql.marks(len(OPEN_OUTAGE_STATES))}) AND e.{qn('starts_at')} <= %s"
        f" ORDER BY e.{qn('starts_at')} LIMIT 1"
    )


def outage_covering(*, transformer, at):
    """The open outage (predicted, confirmed, announced or active, started by `at`) on a transformer's
    supply path, oldest first, or None: a repair call there joins it (rule C-9). One prepared statement
    on the intake path."""
    device_ids = path_ids(transformer.path)
    rows = fastsql.fetch(_outage_covering_sql(len(device_ids)),
                         [*device_ids, *map(str, OPEN_OUTAGE_STATES), fastsql.moment(at)])
    return fastsql.instance(OutageEvent, rows[0]) if rows else None


def outages_on_path(*, device_ids, now=None):
    """Active outages on any device of a supply path (rule C-9): one query."""
    now = now or timezone.now()
    return list(
        OutageEvent.objects.filter(device_id__in=device_ids, state__in=ACTIVE_OUTAGE_STATES, starts_at__lte=now)
        .select_related("device")
        .order_by("starts_at")
    )


def outages_for_customer(*, device_ids):
    """Active outages on a supply path and those announced to come (state announced or active, any
    start), soonest start first: what a customer is told about (rules C-9, Q-3). One query."""
    return list(
        OutageEvent.objects.filter(device_id__in=device_ids, state__in=ACTIVE_OUTAGE_STATES)
        .select_related("device")
        .order_by("starts_at", "pk")
    )


def open_outage_order(*, outage, customer):
    """The customer's open order under `outage` (a call already registered), or None. One query."""
    from griddesk.orders.models import OPEN_STATES, WorkOrder

    return (WorkOrder.objects.filter(outage=outage, customer=customer, state__in=OPEN_STATES)
            .order_by("accepted_at", "pk").first())


# ---------------------------------------------------------------- the dispatcher's board

BOARD_STATES = (OutageState.PREDICTED, OutageState.CONFIRMED, OutageState.ACTIVE)
BOARD_LIMIT = 200  # rows on the board; more are counted, not listed
TREE_LIMIT = 300  # devices drawn in an outage's network tree
PAGE_ROWS = 200  # trouble calls and child orders listed on an outage's page


@dataclass
class Board:
    rows: list  # OutageEvent with device, crew and org, newest first
    total: int  # how many match (the board lists BOARD_LIMIT)


def board_outages(*, user, state="", org=None, limit=BOARD_LIMIT):
    """Predicted, confirmed and active outages in the user's org scope (or `org`'s subtree, which must
    be in it), newest first (by start, then by code), each with its device, crew and org: two queries
    (the page of rows and, only when it is full, the count)."""
    states = [state] if state in BOARD_STATES else list(BOARD_STATES)
    rows = OutageEvent.objects.filter(orgs_visible_q(user, "org__path"), state__in=states)
    if org is not None:
        rows = rows.filter(subtree_q(org.path, "org__path"))
    page = list(rows.select_related("device", "crew", "org").order_by("-starts_at", "-pk")[:limit])
    total = len(page) if len(page) < limit else rows.count()
    return Board(rows=page, total=total)


def board_outage(*, user, code):
    """The outage `code` if it lies in the user's org scope, with its device, crew, org and the outage
    it was merged into; else None. One query."""
    return (OutageEvent.objects.filter(orgs_visible_q(user, "org__path"), code=code)
            .select_related("device", "crew", "org", "merged_into").first())


@dataclass
class OutagePage:
    outage: OutageEvent
    ancestors: list  # devices above the outage's device, substation first
    feeder: Device  # the top of the drawn tree (the feeder, else the device itself)
    devices: list  # the drawn tree, depth-first (path order); truncated: more were not drawn
    truncated: bool
    calls_by_transformer: dict  # transformer pk -> number of this outage's trouble calls there
    trouble_calls: list
    orders: list  # its child orders (rule C-9), oldest first
    order_total: int
    parent: Device | None  # where "move up" goes
    children: list  # where "move down" goes
    below: list  # devices below the outage's device: split and partial restoration targets
    crews: list  # crews in the user's scope (dispatch)
    mergeable: list  # other open outages on the same feeder in the user's scope (merge)
    merged: list  # outages merged into this one


def outage_page(*, outage, user):
    """Everything the outage's page shows, in a fixed number of queries whatever the size of the
    outage or the feeder: the path above, the feeder's tree (TREE_LIMIT devices), the calls per
    transformer, the trouble calls and the child orders (PAGE_ROWS each, and their count), the crews
    and the other outages of the feeder in scope, the outages merged into it."""
    from griddesk.orders.models import WorkOrder
    from griddesk.orgs.models import Crew

    device = outage.device
    ancestors = list(Device.objects.filter(pk__in=path_ids(device.path)).exclude(pk=device.pk).order_by("depth"))
    feeder = next((d for d in ancestors if d.kind == DeviceKind.FEEDER), device)
    drawn = list(Device.objects.filter(subtree_q(feeder.path)).order_by("path")[:TREE_LIMIT + 1])
    truncated = len(drawn) > TREE_LIMIT
    drawn = drawn[:TREE_LIMIT]
    if truncated and not any(d.pk == device.pk for d in drawn):  # the outage's own part comes first
        own = list(Device.objects.filter(subtree_q(device.path)).order_by("path")[:TREE_LIMIT])
        drawn = [d for d in ancestors if d.path.startswith(feeder.path)] + own
    calls = dict(TroubleCall.objects.filter(outage=outage).values_list("transformer_id")
                 .annotate(n=Count("id")).order_by())
    trouble_calls = list(TroubleCall.objects.filter(outage=outage).select_related("customer", "order")
                         .order_by("at", "pk")[:PAGE_ROWS])
    orders = WorkOrder.objects.filter(outage=outage)
    order_rows = list(orders.select_related("customer", "crew").order_by("accepted_at", "pk")[:PAGE_ROWS])
    order_total = len(order_rows) if len(order_rows) < PAGE_ROWS else orders.count()
    below = [d for d in drawn if d.pk != device.pk and d.path.startswith(device.path)]
    crews = list(Crew.objects.filter(orgs_visible_q(user, "org__path"), active=True).select_related("org")
                 .order_by("org__path", "code"))
    others = (OutageEvent.objects.filter(orgs_visible_q(user, "org__path"), subtree_q(feeder.path, "device__path"),
                                         state__in=BOARD_STATES)
              .exclude(pk=outage.pk).select_related("device").order_by("-starts_at", "-pk")[:PAGE_ROWS])
    merged = list(OutageEvent.objects.filter(merged_into=outage).select_related("device").order_by("pk")[:PAGE_ROWS])
    return OutagePage(
        outage=outage, ancestors=ancestors, feeder=feeder, devices=drawn, truncated=truncated,
        calls_by_transformer=calls, trouble_calls=trouble_calls, orders=order_rows, order_total=order_total,
        parent=ancestors[-1] if ancestors and ancestors[-1].kind != DeviceKind.SUBSTATION else None,
        children=[d for d in below if d.parent_id == device.pk], below=below, crews=crews,
        mergeable=list(others), merged=merged,
    )


def outage_targets(*, outage):
    """(parent, devices below) of the outage's device: where a move may go (the parent, unless a
    substation, or a child) and what a split or a partial restoration may name. Two queries."""
    device = outage.device
    ids = path_ids(device.path)
    parent = (Device.objects.filter(pk=ids[-2]).exclude(kind=DeviceKind.SUBSTATION).first()
              if len(ids) > 1 else None)
    below = list(Device.objects.filter(subtree_q(device.path)).exclude(pk=device.pk).order_by("path"))
    return parent, below


def crew_outages(*, user):
    """Open outages (predicted, confirmed or active) dispatched to one of the user's crews, newest
    first, with their device and crew: what the crew confirms from its phone. One query."""
    return list(OutageEvent.objects.filter(crew__members=user, state__in=BOARD_STATES)
                .select_related("device", "crew").order_by("-starts_at", "-pk")[:50])


# ---------------------------------------------------------------- storm prompt (rule R-3)


@dataclass
class StormPrompt:
    org: object  # the Org whose subtree has passed the threshold
    outages: int  # its open predicted and confirmed outages


def storm_prompts(*, user, threshold, now=None):
    """Rule R-3: the orgs in the user's scope where open predicted and confirmed outages have reached
    `threshold` (GRIDDESK_STORM_PROMPT_OUTAGES) and no storm mode covers them: the narrowest such
    orgs (an org is left out when one of its sub-units already qualifies), most outages first.
    Three queries: the outages' org paths (grouped), their orgs, the storms in force."""
    from griddesk.orgs.models import Org

    now = now or timezone.now()
    counts = dict(OutageEvent.objects.filter(orgs_visible_q(user, "org__path"),
                                             state__in=(OutageState.PREDICTED, OutageState.CONFIRMED))
                  .values_list("org__path").annotate(n=Count("id")).order_by())
    if sum(counts.values()) < threshold:
        return []
    scope = user.scope_path if not user.is_superuser else ""
    per_org = {}
    for path, n in counts.items():
        for pk in path_ids(path):
            per_org[pk] = per_org.get(pk, 0) + n
    orgs = {o.pk: o for o in Org.objects.filter(pk__in=[pk for pk, n in per_org.items() if n >= threshold])}
    passing = [o for o in orgs.values() if o.path.startswith(scope)]
    narrowest = [o for o in passing if not any(p is not o and p.path.startswith(o.path) for p in passing)]
    if not narrowest:
        return []
    covered = set(StormDeclaration.objects.filter(lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
                  .values_list("org__path", flat=True))
    prompts = [StormPrompt(org=o, outages=per_org[o.pk]) for o in narrowest
               if not any(o.path.startswith(path) for path in covered)]
    return sorted(prompts, key=lambda p: (-p.outages, p.org.path))
