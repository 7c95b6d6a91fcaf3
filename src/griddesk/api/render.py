"""Model -> response dict. No queries here except where said (clocks of one order).

Who sees the person behind an order is decided by `orders.disclosure` (rules K-7, K-9):
sealed identities never pass through this module, the accused unit gets nothing of the
complainant, and roles without need get masked values.
"""

from django.utils import timezone

from griddesk.orders import disclosure
from griddesk.orders.clocks import remaining
from griddesk.orders.models import OrderState, OrderType, SlaClock
from griddesk.orders.workflows import available_transitions


def _local(moment):
    """`moment` at the offset the time zone has today (+08:00 for Asia/Shanghai), whatever the date:
    never a historical one such as Shanghai's local mean time before 1901 (+08:05:43, which no
    ISO 8601 / RFC 3339 reader takes) or its summer time of 1986-91 (+09:00). At the very edge of
    the calendar (year 1 or 9999), where the shift would overflow, it stays in UTC."""
    if moment is None:
        return None
    try:
        return moment.astimezone(timezone.get_fixed_timezone(timezone.localtime().utcoffset()))
    except OverflowError:
        return moment.astimezone(timezone.UTC)


def _label(choices, value):
    # Model.get_FOO_display rebuilds a dict of every choice per call; the enum looks it up.
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def ref(obj):
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def clock_dict(clock, now):
    left = remaining(clock, now)
    return {
        "key": clock.key, "label": clock.label, "rule": clock.rule,
        "started_at": _local(clock.started_at), "due_at": _local(clock.due_at),
        "remaining_seconds": int(left.total_seconds()),
        "paused": clock.paused_since is not None,
        "stopped_at": _local(clock.stopped_at), "met": clock.met,
        "breached": clock.breached_at is not None or clock.met is False
        or (clock.stopped_at is None and left.total_seconds() < 0),
    }


def order_clocks(order):
    """All clocks of an order, started first: one query."""
    return list(SlaClock.objects.filter(order_id=order.pk).order_by("started_at", "pk"))


def order_dict(order, *, user, clocks, now=None):
    """The full order (工单详情) as the API shows it to `user`."""
    now = now or timezone.now()
    person = disclosure.person_of(order, user)
    return {
        "number": order.number, "order_type": order.order_type,
        "order_type_label": _label(OrderType, order.order_type), "channel": order.channel,
        "state": order.state, "state_label": _label(OrderState, order.state),
        "received_at": _local(order.received_at), "accepted_at": _local(order.accepted_at),
        "closed_at": _local(order.closed_at),
        "category": ref(order.category) if order.category_id else None,
        "customer": person.account_no or None, "caller_name": person.caller_name if person.shown else None,
        "caller_phone": person.caller_phone if person.shown else None,
        "identity_sealed": person.access == disclosure.Access.SEALED, "person_access": str(person.access),
        "accused": disclosure.accused_codes(order),
        "org": ref(order.org), "handling_org": ref(order.handling_org) if order.handling_org_id else None,
        "crew": ref(order.crew) if order.crew_id else None,
        "agent_no": order.agent_no, "title": order.title, "description": order.description,
        "parent": order.parent.number if order.parent_id else None,
        "call_count": order.call_count, "fault_side": order.fault_side, "zone": order.zone,
        "application_kind": order.application_kind, "anonymous": order.anonymous,
        "cause": order.cause, "satisfaction": order.satisfaction,
        "transfer_count": order.transfer_count, "bounce_count": order.bounce_count,
        "version": order.version, "updated_at": _local(order.updated_at),
        "clocks": [clock_dict(c, now) for c in clocks],
        "actions": [{"action": t.action, "label": str(t.label)} for t in available_transitions(order, user, clocks)],
    }


def order_row_dict(order, now, user):
    """A queue row; call `disclosure.attach_accusations` on the page first."""
    return {
        "number": order.number, "order_type": order.order_type, "state": order.state,
        "state_label": _label(OrderState, order.state), "accepted_at": _local(order.accepted_at),
        "title": order.title, "org": ref(order.org),
        "customer": disclosure.person_of(order, user).account_no or None,
        "version": order.version,
        "next_clock": clock_dict(order.next_clock, now) if getattr(order, "next_clock", None) else None,
    }


def contact_dict(order):
    return {
        "number": order.number, "order_type": order.order_type,
        "order_type_label": _label(OrderType, order.order_type), "state": order.state,
        "state_label": _label(OrderState, order.state), "accepted_at": _local(order.accepted_at),
        "title": order.title, "category": order.category.code if order.category_id else None,
    }


def customer_dict(customer, user, *, reveal=False):
    view = disclosure.customer_view(customer, user, reveal=reveal)
    return {
        "account_no": view.account_no, "name": view.name, "phone": view.phone, "address": view.address,
        "masked": view.access == disclosure.Access.MASKED,
        "supply_voltage": customer.supply_voltage, "zone": customer.zone,
        "important": customer.important, "sensitive": customer.sensitive,
        "org": ref(customer.org) if customer.org_id else None,
    }


def device_dict(device):
    return {"device_id": device.device_id, "kind": device.kind, "name": device.name}


def outage_dict(outage):
    return {
        "code": outage.code, "kind": outage.kind, "kind_label": str(outage.get_kind_display()),
        "state": outage.state, "device": device_dict(outage.device), "cause": outage.cause,
        "area": outage.area, "starts_at": _local(outage.starts_at),
        "expected_restoration_at": _local(outage.expected_restoration_at),
    }


def storm_dict(storm):
    return {"org": ref(storm.org), "reason": storm.reason, "starts_at": _local(storm.starts_at),
            "ends_at": _local(storm.ends_at)}


def call_outcome_dict(outcome):
    return {
        "id": outcome.pk, "outcome": outcome.outcome, "outcome_label": str(outcome.get_outcome_display()),
        "caller_phone": outcome.caller_phone, "note": outcome.note, "agent_no": outcome.agent_no,
        "at": _local(outcome.at), "org": outcome.org.code if outcome.org_id else None,
        "handled_at": _local(outcome.handled_at), "handling_note": outcome.handling_note,
    }
