"""The SLA sweeper (时限监控): warn at 80%, escalate at breach, each exactly once.

Runs as a periodic background task (`orders.tasks.sla_sweep`). It reads only
clocks that are due, through the partial indexes `clock_warn_due` and
`clock_breach_due`, in batches; each batch is claimed with one conditional
UPDATE, so several workers (or a retried task) never send anything twice, and
the number of queries per batch is constant.
"""

import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from griddesk.audit.services import audit_append_many, stream_of
from griddesk.notify.models import Message
from griddesk.notify.phrases import Label, Phrase
from griddesk.notify.services import messages_send
from griddesk.orders import disclosure, handover, reminders
from griddesk.orders.models import Reminder, ReminderKind, SlaClock

BATCH = 500

WARN_DUE = Q(stopped_at__isnull=True, warned_at__isnull=True, paused_since__isnull=True)
BREACH_DUE = Q(stopped_at__isnull=True, breached_at__isnull=True, paused_since__isnull=True)


def clocks_sweep(*, now=None, batch=BATCH):
    """One pass: returns {"warned": n, "breached": n} for what this call claimed."""
    now = now or timezone.now()
    warned = breached = 0
    while claimed := _claim(WARN_DUE & Q(warn_at__lte=now), "warned_at", now, batch):
        _send_warnings(claimed, now)
        warned += len(claimed)
    while claimed := _claim(BREACH_DUE & Q(due_at__lte=now), "breached_at", now, batch):
        _send_escalations(claimed, now)
        breached += len(claimed)
    return {"warned": warned, "breached": breached}


def _claim(due, stamp_field, now, batch):
    """Claim up to `batch` due clocks for this call; return them with order, owner and org loaded."""
    ids = list(SlaClock.objects.filter(due).values_list("pk", flat=True)[:batch])
    if not ids:
        return []
    token = uuid.uuid4().hex
    with transaction.atomic():
        SlaClock.objects.filter(due, pk__in=ids).update(**{stamp_field: now, "sweep_claim": token})
    clocks = list(SlaClock.objects.filter(sweep_claim=token).select_related(
        "order__org", "order__handling_org", "order__crew__org", "order__assignee__org", "order__owner__org",
        "order__customer", "order__ruleset_version", "owner", "org"))
    if not clocks:
        # Everything we saw was claimed by another worker meanwhile; look again.
        return _claim(due, stamp_field, now, batch)
    return clocks


def _send_warnings(clocks, now):
    """80%: a console message to the owner of record (or the owning org if there is none)."""
    phrases = [(clock, warning_phrase(clock, now)) for clock in clocks]
    Message.objects.bulk_create(
        [
            Message(
                recipient=clock.owner, recipient_org=None if clock.owner_id else clock.org,
                order=clock.order, created_at=now, sent_at=now, subject=phrase.as_sent(),
                recipe={"subject": phrase.part()}, dedupe_key=f"clock:{clock.pk}:warn",
            )
            for clock, phrase in phrases
        ],
        ignore_conflicts=True,
    )


def breach_reason(clock):
    """Why the sweeper reminds (K-6): the clock missed. Kept as sent; pages show it in the reader's
    language (console.selectors, the order's reminders)."""
    return Phrase(gettext_noop("已超时：%(label)s（规则 %(rule)s），到期 %(due)s"), label=Label(clock.label),
                  rule=clock.rule, due=timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"))


def warning_phrase(clock, now):
    """The warning says what the clock's state is when it is sent: a sweep that ran late (a stopped
    worker, a back-dated letter) must not announce as coming a deadline already missed."""
    values = {"number": clock.order.number, "label": Label(clock.label),
              "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")}
    if clock.due_at <= now:
        return Phrase(gettext_noop("时限已超：工单 %(number)s 的“%(label)s”已于 %(due)s 到期"), **values)
    return Phrase(gettext_noop("时限预警：工单 %(number)s 的“%(label)s”将于 %(due)s 到期"), **values)


def _send_escalations(clocks, now):
    """Breach (rule K-6): a reminder (催办) to whoever holds the order now and a supervision item (督办)
    to the nearest supervisor above that desk, each with its own deadline; the recipients are told and
    the owner of record copied. A fixed number of queries per batch, whatever its size."""
    orders = [clock.order for clock in clocks]
    disclosure.attach_accusations(orders)
    holders = {order.pk: reminders.holder_of(order) for order in orders}
    posts = reminders.Posts([holder.unit for holder in holders.values()])
    members = handover.crew_members({h.to_crew.pk: h.to_crew for h in holders.values() if h.to_crew}.values())
    rows, items, events = [], [], defaultdict(list)
    for clock in clocks:
        order, holder = clock.order, holders[clock.order_id]
        phrase = breach_reason(clock)
        reason = phrase.as_sent()
        supervisor = posts.nearest(order, holder.unit)
        remind = Reminder(order=order, kind=ReminderKind.REMIND, to_user=holder.to_user, to_org=holder.to_org,
                          to_crew=holder.to_crew, reason=reason, clock_key=clock.key, created_at=now,
                          due_at=reminders.reminder_due(order, ReminderKind.REMIND, now))
        supervise = Reminder(order=order, kind=ReminderKind.SUPERVISE, to_user=supervisor, to_org=holder.unit,
                             reason=reason, clock_key=clock.key, created_at=now,
                             due_at=reminders.reminder_due(order, ReminderKind.SUPERVISE, now))
        rows += [remind, supervise]
        for reminder in (remind, supervise):
            reminder.reason_phrase = phrase  # its messages read in the reader's language
            crew_members = members.get(reminder.to_crew_id, ()) if reminder.to_crew_id else ()
            items += handover.reminder_items(reminder, members=crew_members,
                                             key=f"breach:{clock.pk}:{reminder.kind}")
        events[stream_of(clock.order)].append({"clock": clock.key, "due_at": clock.due_at.isoformat(),
                                               "holder": holder.holder,
                                               "supervisor": supervisor.pk if supervisor else None})
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        messages_send(items, at=now)
        audit_append_many(
            ({"stream": stream, "action": "order.sla_breached", "payload": {"clocks": items}}
             for stream, items in events.items()),
            at=now,
        )
