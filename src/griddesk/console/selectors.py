"""Reads for the staff console."""

from django.db.models import Count

from griddesk.orders.models import OPEN_STATES, WorkOrder
from griddesk.orgs.selectors import orgs_visible_q


def dashboard_for(user):
    """Open orders in the user's org subtree, by type (one grouped query)."""
    open_orders = WorkOrder.objects.filter(orgs_visible_q(user, "org__path"), state__in=OPEN_STATES)
    by_type = list(open_orders.values("order_type").annotate(n=Count("id")).order_by("order_type"))
    return {"open_by_type": by_type, "open_total": sum(row["n"] for row in by_type)}
