"""Reads shaped for the API: scoped order and customer look-ups, the shift leaders' queue (C-10)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from griddesk import fastsql
from griddesk.api.models import CallOutcome, CallOutcomeKind
from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from griddesk.orders.models import WorkOrder
from griddesk.orgs.models import Org
from griddesk.orgs.selectors import order_visible, orgs_visible_q
from griddesk.paths import subtree_bounds


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
    if order is None or not order_visible(order, user):
        raise NotFound(_("找不到工单 %s，或它不在您的管辖范围内。") % number)
    return order


@fastsql.statement
def _customer_for_intake_sql(scoped):
    qn = fastsql.qn
    sql = (
        f"SELECT {fastsql.columns(Customer, 'c')}, {fastsql.columns(Device, 't')}, {fastsql.columns(Org, 'o')}"
        f" FROM {qn(Customer._meta.db_table)} c"
        f" JOIN {qn(Device._meta.db_table)} t ON t.{qn('id')} = c.{qn('transformer_id')}"
        f" LEFT JOIN {qn(Org._meta.db_table)} o ON o.{qn('id')} = c.{qn('org_id')}"
        f" WHERE c.{qn('account_no')} = %s"
    )
    return sql + f" AND o.{qn('path')} >= %s AND o.{qn('path')} < %s" if scoped else sql


def customer_for_intake(*, user, account_no):
    """The customer with this account number, its transformer and org, if `user` may see it
    (the scope of `customers.lookup.customer_for_caller`); else None.

    One prepared statement (griddesk.fastsql): every order the API accepts asks.
    """
    params = [(account_no or "").strip()]
    if not user.is_superuser:
        if not user.org_id:
            return None
        params += subtree_bounds(user.scope_path)
    rows = fastsql.fetch(_customer_for_intake_sql(not user.is_superuser), params)
    if not rows:
        return None
    customer = fastsql.instance(Customer, rows[0])
    customer.transformer = fastsql.instance(Device, rows[0], fastsql.width(Customer))
    customer.org = fastsql.instance(Org, rows[0], fastsql.width(Customer) + fastsql.width(Device))
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
