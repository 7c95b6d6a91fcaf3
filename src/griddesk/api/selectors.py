"""Reads shaped for the API: scoped order and customer look-ups, the shift leaders' queue (C-10)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from griddesk.api.models import CallOutcome, CallOutcomeKind
from griddesk.customers.models import Customer
from griddesk.orders.models import WorkOrder
from griddesk.orgs.selectors import orgs_visible_q


class NotFound(Exception):
    """Unknown, or outside the user's org scope: the API says 404 either way (never 403),
    so nobody learns that an order or customer exists outside their scope."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


def order_visible(order, user):
    """The order is in the user's org subtree: by its org or the department it was forwarded
    to (K-3), or it was dispatched to one of the user's crews (R-1). No query unless the crew
    check is needed."""
    if user.is_superuser:
        return True
    if user.org_id is None:
        return False
    scope = user.org.path
    if order.org.path.startswith(scope):
        return True
    if order.handling_org_id and order.handling_org.path.startswith(scope):
        return True
    return bool(order.crew_id) and user.crews.filter(pk=order.crew_id).exists()


def order_for(*, user, number):
    """The order with this number if the user may see it; NotFound otherwise. One query."""
    order = (
        WorkOrder.objects.select_related("org", "handling_org", "customer", "category", "crew",
                                         "parent", "owner")
        .filter(number=str(number).strip()).first()
    )
    if order is None or not order_visible(order, user):
        raise NotFound(_("找不到工单 %s，或它不在您的管辖范围内。") % number)
    return order


def customer_for(*, user, account_no):
    """The customer with this account number (户号) inside the user's scope; NotFound otherwise.

    One query (transformer and org come along for the supply path and the order's org).
    """
    customer = (
        Customer.objects.select_related("transformer", "org")
        .filter(orgs_visible_q(user, "org__path"), account_no=str(account_no).strip())
        .first()
    )
    if customer is None:
        raise NotFound(_("找不到户号 %s，或该客户不在您的管辖范围内。") % account_no)
    return customer


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
