"""Queue actions on orders (队列批量操作): assign a handler, remind the desks holding them (催办, rule K-6).

`order_assign` is a service in the usual shape (keyword-only, one transaction,
audited, optimistic concurrency). The bulk functions apply an action to each
order on its own, so one refused order never undoes the others, and report
which succeeded and which failed and why.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.orders import handover
from griddesk.orders.disclosure import order_readable
from griddesk.orders.models import OrderState, ReminderKind, WorkOrder
from griddesk.orders.reminders import reminders_close_moved
from griddesk.orders.services import ConcurrentUpdate, reminder_send
from griddesk.orders.workflows import TransitionRefused
from griddesk.orgs.models import RoleCode

ASSIGNING_ROLES = (RoleCode.SHIFT_LEADER, RoleCode.SUPERVISOR, RoleCode.MANAGER,
                   RoleCode.DISPATCHER, RoleCode.BACK_OFFICE)
REMINDING_ROLES = (RoleCode.SHIFT_LEADER, RoleCode.SUPERVISOR, RoleCode.MANAGER,
                   RoleCode.DISPATCHER, RoleCode.AGENT)
MAX_BULK = 200


@dataclass
class BulkResult:
    """What a bulk action did: the numbers that succeeded, and (number, reason) for each failure."""

    succeeded: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def order_assign(*, order, assignee, actor, expected_version=None):
    """Give an order a current handler (指派处理人); the owner of record stays (rule H-4).

    The assignee must be an active staff member inside the actor's org subtree.
    """
    if not actor.has_role(*ASSIGNING_ROLES):
        raise PermissionDenied(_("您的角色不能指派处理人。"))
    if not order_readable(order, actor):
        raise PermissionDenied(_("工单 %s 不在您的管辖范围内。") % order.number)
    if order.state == OrderState.ARCHIVED:
        raise TransitionRefused(_("工单 %s 已归档，不能指派。") % order.number)
    if assignee is None or not assignee.is_active:
        raise ValidationError({"assignee": _("请选择在岗的处理人。")})
    if not actor.is_superuser and not (
        assignee.org_id and actor.org_id and assignee.org.path.startswith(actor.scope_path)
    ):
        raise ValidationError({"assignee": _("处理人 %s 不在您的管辖范围内。") % assignee})
    if order.assignee_id == assignee.pk:
        raise ValidationError({"assignee": _("工单 %(number)s 已由 %(who)s 处理。")
                               % {"number": order.number, "who": assignee}})
    now = timezone.now()
    version = order.version if expected_version is None else expected_version
    with transaction.atomic():
        updated = WorkOrder.objects.filter(pk=order.pk, version=version).update(
            assignee=assignee, version=F("version") + 1, updated_at=now
        )
        if not updated:
            raise ConcurrentUpdate(_("工单 %s 已被他人修改，请刷新后重试。") % order.number)
        previous = order.assignee_id
        order.assignee, order.version, order.updated_at = assignee, version + 1, now
        audit_append(stream=stream_of(order), action="order.assign", actor=actor, at=now,
                     payload={"assignee": assignee.pk, "assignee_name": str(assignee), "version": order.version,
                              "previous": previous})
        # rule K-6: reminders to the desk that held it close; the assignee is told (hand-over)
        reminders_close_moved(order=order, actor=actor, at=now, before=order.state)
        handover.assigned(order, assignee, actor, at=now)
    return order


def _each(orders, action):
    result = BulkResult()
    for order in orders:
        try:
            with transaction.atomic():
                action(order)
        except (ValidationError, PermissionDenied, TransitionRefused, ConcurrentUpdate) as error:
            result.failed.append((order.number, _message(error)))
        else:
            result.succeeded.append(order.number)
    return result


def _message(error):
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def orders_assign_bulk(*, orders, assignee, actor):
    """Assign each order to `assignee`; a BulkResult says which succeeded and why others failed."""
    return _each(orders, lambda order: order_assign(order=order, assignee=assignee, actor=actor))


def orders_remind_bulk(*, orders, actor, reason):
    """Remind (催办) whoever holds each order now (rule K-6: crew, assignee, department, else the owner
    of record, who is copied, H-4); orders without an owner of record fail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写催办原因。")})
    if not actor.has_role(*REMINDING_ROLES):
        raise PermissionDenied(_("您的角色不能催办。"))

    def remind(order):
        if not order_readable(order, actor):
            raise PermissionDenied(_("工单不在您的管辖范围内。"))
        if order.state == OrderState.ARCHIVED:
            raise TransitionRefused(_("工单已归档，无需催办。"))
        if order.owner_id is None:
            raise ValidationError(_("工单没有首问责任人，无法催办。"))
        reminder_send(order=order, kind=ReminderKind.REMIND, actor=actor, reason=reason[:200])

    return _each(orders, remind)


def orders_for_bulk(*, numbers, user):
    """The orders named by `numbers` that the user may see, and a BulkResult listing the rest.

    Numbers unknown or outside the user's scope fail with the same message, so a
    bulk form never reveals whether an order exists elsewhere.
    """
    numbers = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if not numbers:
        raise ValidationError({"numbers": _("请先勾选工单。")})
    if len(numbers) > MAX_BULK:
        raise ValidationError({"numbers": _("一次最多处理 %d 张工单。") % MAX_BULK})
    found = {o.number: o for o in WorkOrder.objects.filter(number__in=numbers)
             .select_related("org", "handling_org", "owner__org", "assignee__org", "crew__org")}
    orders, missing = [], BulkResult()
    for number in numbers:
        order = found.get(number)
        if order is None or not order_readable(order, user):
            missing.failed.append((number, _("工单不存在或不在您的管辖范围内。")))
        else:
            orders.append(order)
    return orders, missing
