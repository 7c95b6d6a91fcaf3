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
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append_many, stream_of
from griddesk.notify.models import Message
from griddesk.orders.models import Reminder, ReminderKind, SlaClock
from griddesk.orgs.models import RoleCode, Staff
from griddesk.paths import path_ids

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
    clocks = list(SlaClock.objects.filter(sweep_claim=token).select_related("order", "owner", "org"))
    if not clocks:
        # Everything we saw was claimed by another worker meanwhile; look again.
        return _claim(due, stamp_field, now, batch)
    return clocks


def _send_warnings(clocks, now):
    """80%: a console message to the owner of record (or the owning org if there is none)."""
    Message.objects.bulk_create(
        [
            Message(
                recipient=clock.owner, recipient_org=None if clock.owner_id else clock.org,
                order=clock.order, created_at=now, sent_at=now, subject=warning_text(clock, now),
                dedupe_key=f"clock:{clock.pk}:warn",
            )
            for clock in clocks
        ],
        ignore_conflicts=True,
    )


def warning_text(clock, now):
    """The warning says what the clock's state is when it is sent: a sweep that ran late (a stopped
    worker, a back-dated letter) must not announce as coming a deadline already missed."""
    values = {"number": clock.order.number, "label": clock.label,
              "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")}
    if clock.due_at <= now:
        return _("时限已超：工单 %(number)s 的“%(label)s”已于 %(due)s 到期") % values
    return _("时限预警：工单 %(number)s 的“%(label)s”将于 %(due)s 到期") % values


def _send_escalations(clocks, now):
    """Breach: a reminder (催办) to the owner and a supervision item (督办) to the org's supervisor."""
    supervisors = _supervisors_for({clock.org for clock in clocks})
    reminders, events = [], defaultdict(list)
    for clock in clocks:
        reason = _("已超时：%(label)s（规则 %(rule)s），到期 %(due)s") % {
            "label": clock.label, "rule": clock.rule,
            "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        supervisor = supervisors.get(clock.org_id)
        reminders.append(Reminder(order=clock.order, kind=ReminderKind.REMIND, to_user=clock.owner,
                                  to_org=None if clock.owner_id else clock.org, reason=reason,
                                  clock_key=clock.key, created_at=now))
        reminders.append(Reminder(order=clock.order, kind=ReminderKind.SUPERVISE, to_user=supervisor,
                                  to_org=clock.org, reason=reason, clock_key=clock.key, created_at=now))
        events[stream_of(clock.order)].append({"clock": clock.key, "due_at": clock.due_at.isoformat(),
                                               "supervisor": supervisor.pk if supervisor else None})
    with transaction.atomic():
        Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
        audit_append_many(
            ({"stream": stream, "action": "order.sla_breached", "payload": {"clocks": items}}
             for stream, items in events.items()),
            at=now,
        )


def _supervisors_for(orgs):
    """The nearest supervisor (督办) up the tree from each org: one query for all of them."""
    ancestors = {org.pk: path_ids(org.path) for org in orgs}
    wanted = {pk for ids in ancestors.values() for pk in ids}
    by_org = {}
    for staff in Staff.objects.filter(org_id__in=wanted, roles__code=RoleCode.SUPERVISOR,
                                      is_active=True).order_by("pk"):
        by_org.setdefault(staff.org_id, staff)
    result = {}
    for org_pk, ids in ancestors.items():
        for candidate in reversed(ids):
            if candidate in by_org:
                result[org_pk] = by_org[candidate]
                break
    return result
