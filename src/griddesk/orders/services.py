"""State changes of work orders. Every function: keyword-only, one transaction, audited."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.orders.models import Channel, OrderNumberCounter, OrderType, WorkOrder


def order_number_next(*, day):
    """The next order number of `day` (date + gapless sequence, e.g. GD20261127000042).

    The counter row is updated in the caller's transaction, so a rolled-back
    order gives its number back: no gaps for an auditor to ask about (rule K-8).
    """
    updated = OrderNumberCounter.objects.filter(day=day).update(last=F("last") + 1)
    if not updated:
        # First order of the day; a concurrent first insert loses the race and retries the update.
        try:
            with transaction.atomic():
                OrderNumberCounter.objects.create(day=day, last=1)
        except IntegrityError:
            OrderNumberCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = OrderNumberCounter.objects.filter(day=day).values_list("last", flat=True).get()
    return f"{settings.GRIDDESK_PROVINCE_CODE}{day:%Y%m%d}{last:06d}"


def order_create(
    *, order_type, channel, org, actor=None, customer=None, category=None, received_at=None,
    title="", description="", caller_name="", caller_phone="", parent=None,
):
    """Accept a work order (受理). The actor becomes its owner of record (rule H-4)."""
    if order_type not in OrderType.values:
        raise ValidationError({"order_type": _("未知的工单类型：%s") % order_type})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("未知的受理渠道：%s") % channel})
    if category is not None and not category.applies_to(order_type):
        raise ValidationError({"category": _("分类“%s”不适用于该工单类型。") % category.name})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise ValidationError({"received_at": _("客户提交时间不能晚于当前时间。")})
    with transaction.atomic():
        order = WorkOrder.objects.create(
            number=order_number_next(day=timezone.localdate(now)),
            order_type=order_type, channel=channel, received_at=received_at, accepted_at=now,
            category=category, customer=customer, org=org, owner=actor,
            agent_no=getattr(actor, "agent_no", "") or "",
            title=title, description=description,
            caller_name=caller_name, caller_phone=caller_phone, parent=parent,
        )
        audit_append(
            stream=stream_of(order), action="order.created", actor=actor, at=now, new_stream=True,
            payload={
                "number": order.number, "type": order_type, "channel": channel,
                "received_at": received_at.isoformat(), "org": org.code,
                "customer": customer.account_no if customer else None,
                "category": category.code if category else None,
                "agent_no": order.agent_no, "title": title, "description": description,
            },
        )
    return order
