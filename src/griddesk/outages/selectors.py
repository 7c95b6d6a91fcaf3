"""Reads about outages and storm declarations."""

from django.utils import timezone

from griddesk import fastsql
from griddesk.outages.models import ACTIVE_OUTAGE_STATES, OPEN_OUTAGE_STATES, OutageEvent, StormDeclaration
from griddesk.paths import path_ids


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
