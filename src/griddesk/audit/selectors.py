"""Reads over the audit history."""

from griddesk.audit.models import AuditEvent, AuditHead


def streams_missing_for_orders():
    """Streams of work orders that have no history at all (every order is created with an event)."""
    from griddesk.orders.models import WorkOrder

    prefix = WorkOrder._meta.label_lower + ":"
    have = {
        int(s[len(prefix):])
        for s in AuditHead.objects.filter(stream__startswith=prefix).values_list("stream", flat=True)
    }
    return [f"{prefix}{pk}" for pk in WorkOrder.objects.values_list("pk", flat=True).iterator()
            if pk not in have]


def events_of(obj):
    from griddesk.audit.services import stream_of

    return AuditEvent.objects.filter(stream=stream_of(obj)).order_by("seq")
