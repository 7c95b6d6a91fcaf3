"""Reads shaped for the API: scoped order and customer look-ups, the shift leaders' queue (C-10)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from griddesk.api.models import CallOutcome, CallOutcomeKind
from griddesk.orders.disclosure import order_readable
from griddesk.orders.models import WorkOrder
from griddesk.orgs.selectors import orgs_visible_q


class NotFound(Exception):
    """Unknown, or outside the user's org scope: the API says 404 either way (never 403),
    so nobody learns that an order or customer exists outside their scope."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


def order_for(*, user, number):
    """The order with this number if the user may see it; NotFound otherwise. One query."""
    order = (
        WorkOrder.objects.select_related("org", "handling_org", "customer", "category", "crew",
                                         "parent", "owner")
        .filter(number=str(number).strip()).first()
    )
    if order is None or not order_readable(order, user):
        raise NotFound(_("找不到工单 %s，或它不在您的管辖范围内。") % number)
    return order


def harassment_queue(*, user, pending=True, limit=50):
    """Harassment reports for the shift leaders of the user's subtree (rule C-10), newest first."""
    rows = CallOutcome.objects.filter(orgs_visible_q(user, "org__path"), outcome=CallOutcomeKind.HARASSMENT)
    if pending:
        rows = rows.filter(handled_at__isnull=True)
    return list(rows.select_related("org", "agent", "handled_by").order_by("-at", "-pk")[:limit])


def call_outcome_for(*, user, pk):
    outcome = (
        CallOutcome.objects.select_related("org")
        .filter(Q(pk=pk) & orgs_visible_q(user, "org__path")).first()
    )
    if outcome is None:
        raise NotFound(_("找不到来电结果记录 %s。") % pk)
    return outcome
