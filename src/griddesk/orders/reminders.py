"""Reminders (催办) and supervision items (督办), rule K-6: who receives them, their own deadline,
their closing, their escalation and the circulated report (通报) of overdue ones.

- **Routing** (`reminder_route`): a 催办 goes to whoever holds the work now: the repair crew while the
  repair is with it, else the assignee (one of the handling department's, when there is one), else
  the handling department (a unit's queue), else the owner of record (H-4). A 督办 goes to the nearest
  active supervisor up the organisation tree from that desk's unit (a department's supervisors act for
  the unit it belongs to), `to_org` naming the desk's unit. Nobody is sent an order they may not read
  (`disclosure.order_readable`: a report is never announced to its accused unit). The owner of record
  gets an information copy (`orders.handover.reminded`).
- **Own deadline** (`reminder_due`): the order's rule set's K-6/remind or K-6/supervise deadline when it
  has one, else GRIDDESK_REMIND_HOURS / GRIDDESK_SUPERVISE_HOURS.
- **Closing** (`reminders_close_moved`): in the transaction of the change that moves the order on:
  every open item when its state changes (archived included), and the items whose desk no longer
  holds the work when it is forwarded elsewhere or reassigned.
- **Escalation** (`reminders_escalate`) and the **通报** (`circular_send`): run by the periodic
  reminders sweep (`orders.tasks.reminders_sweep`).

Writes happen only inside order services and the sweep; reads for screens are `reminders_for`,
`overdue_for`.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.audit.services import audit_append, stream_of
from griddesk.notify.phrases import Lines, Phrase
from griddesk.orders import disclosure
from griddesk.orders.models import (
    OrderState,
    Reminder,
    ReminderCircular,
    ReminderClose,
    ReminderKind,
)
from griddesk.orgs.models import Crew, OrgKind, RoleCode, Staff
from griddesk.paths import path_ids

# While the repair is with its crew (dispatched until power is restored) a 催办 goes to the crew.
CREW_HOLDS = frozenset({OrderState.DISPATCHED, OrderState.CREW_ACCEPTED, OrderState.ON_SITE,
                        OrderState.SURVEYED, OrderState.REPAIRED})
ESCALATION_BATCH = 200
CIRCULAR_LINES = 30  # reminders listed by name in one 通报 message; the counts cover them all
CIRCULAR_ROLES = (RoleCode.SUPERVISOR, RoleCode.MANAGER)


@dataclass(frozen=True)
class Route:
    """Who a reminder goes to: a person, a crew or a unit's desk; `unit` is the desk's unit."""

    to_user: object = None
    to_org: object = None
    to_crew: object = None
    unit: object = None
    holder: str = ""  # crew, assignee, department, owner, unit, supervisor


# ---------------------------------------------------------------- who holds the work


def _under(org, unit):
    return org is not None and unit is not None and bool(org.path) and org.path.startswith(unit.path)


def holder_of(order):
    """The desk that holds the work now (rule K-6). No query beyond the order's loaded relations."""
    if order.crew_id and order.state in CREW_HOLDS:
        return Route(to_crew=order.crew, unit=order.crew.org, holder="crew")
    if order.assignee_id and (not order.handling_org_id or _under(order.assignee.org, order.handling_org)):
        return Route(to_user=order.assignee, unit=order.assignee.org, holder="assignee")
    if order.handling_org_id:
        return Route(to_org=order.handling_org, unit=order.handling_org, holder="department")
    if order.owner_id:
        return Route(to_user=order.owner, unit=order.owner.org, holder="owner")
    return Route(to_org=order.org, unit=order.org, holder="unit")


def holds(reminder, order, holder=None):
    """The reminder's desk still holds the order's work (a 督办: the unit it supervises still does)."""
    holder = holder or holder_of(order)
    if reminder.to_role:
        return True  # addressed to a post (a transfer to the shift leaders, C-11), not to a holder
    if reminder.kind == ReminderKind.SUPERVISE and reminder.to_user_id:
        unit = holder.unit
        return unit is not None and reminder.to_org_id in (None, unit.pk)
    if reminder.to_crew_id:
        return holder.to_crew is not None and holder.to_crew.pk == reminder.to_crew_id
    if reminder.to_user_id:
        return holder.to_user is not None and holder.to_user.pk == reminder.to_user_id
    if reminder.to_org_id:
        return holder.to_crew is None and holder.to_user is None and holder.to_org is not None and (
            holder.to_org.pk == reminder.to_org_id)
    return True


# ---------------------------------------------------------------- supervisors up the tree


def scope_unit_id(org):
    """The unit a member of `org` acts for: a department acts for the unit it belongs to."""
    if org.kind == OrgKind.DEPARTMENT and org.parent_id:
        return org.parent_id
    return org.pk


class Posts:
    """Active staff of some roles at or above some units, loaded in one query (two with roles):
    `nearest(order, unit)` is the nearest one up the tree who may read the order."""

    def __init__(self, units, roles=(RoleCode.SUPERVISOR,)):
        chains = {unit.pk: path_ids(unit.path) for unit in units if unit is not None and unit.path}
        wanted = {pk for chain in chains.values() for pk in chain}
        self.chains = chains
        self.by_unit = defaultdict(list)  # scope unit id -> staff
        if not wanted:
            return
        staff = list(
            Staff.objects.filter(Q(org_id__in=wanted) | Q(org__parent_id__in=wanted, org__kind=OrgKind.DEPARTMENT),
                                 is_active=True, roles__code__in=roles)
            .select_related("org").distinct().order_by("pk")
        )
        codes = defaultdict(set)
        for staff_id, code in Staff.roles.through.objects.filter(
                staff_id__in=[s.pk for s in staff]).values_list("staff_id", "role__code"):
            codes[staff_id].add(code)
        for person in staff:
            person._role_codes = frozenset(codes[person.pk])  # Staff.role_codes' cache: no query per person
            self.by_unit[scope_unit_id(person.org)].append(person)

    def chain(self, unit):
        return self.chains.get(unit.pk) or path_ids(unit.path)

    def nearest(self, order, unit, *, above=None):
        """The nearest reader of `order` at or above `unit`; with `above` (a unit's depth), strictly
        above that depth. Members of the unit itself before those of its departments."""
        if unit is None:
            return None
        chain = self.chain(unit)
        for depth in range(len(chain) - 1, -1, -1):
            if above is not None and depth >= above:
                continue
            candidates = sorted(self.by_unit.get(chain[depth], ()),
                                key=lambda s: (s.org_id != chain[depth], s.pk))
            for person in candidates:
                if disclosure.order_readable(order, person):
                    return person
        return None


def depth_of(person):
    """The tree depth of the unit a person acts for (supervisors escalate strictly above it)."""
    org = person.org
    return org.depth - 1 if org.kind == OrgKind.DEPARTMENT and org.parent_id else org.depth


def reminder_route(order, kind, *, posts=None):
    """Where a 催办 or 督办 on `order` goes when the sender names nobody (rule K-6)."""
    holder = holder_of(order)
    if kind != ReminderKind.SUPERVISE:
        return holder
    posts = posts or Posts([holder.unit])
    supervisor = posts.nearest(order, holder.unit)
    return Route(to_user=supervisor, to_org=holder.unit, unit=holder.unit, holder="supervisor")


def reminder_due(order, kind, start):
    """A reminder's own deadline: the rule set's K-6/<kind> when the order's version has it, else
    the configured hours."""
    from griddesk.rules.selectors import compute_due, version_deadlines

    key = "K-6/supervise" if kind == ReminderKind.SUPERVISE else "K-6/remind"
    version = order.ruleset_version if order.ruleset_version_id else None
    if version is not None and key in version_deadlines(version):
        return compute_due(key, start=start, ruleset_version=version).due
    hours = settings.GRIDDESK_SUPERVISE_HOURS if kind == ReminderKind.SUPERVISE else settings.GRIDDESK_REMIND_HOURS
    return start + timedelta(hours=hours)


def addressed_to(reminder, user):
    """The reminder is the user's to handle: theirs, their crew's, or their unit's (and post's)."""
    if reminder.to_user_id:
        return reminder.to_user_id == user.pk
    if reminder.to_crew_id:
        return user.crews.filter(pk=reminder.to_crew_id).exists()
    if reminder.to_org_id and reminder.to_org_id == user.org_id:
        return not reminder.to_role or user.has_role(reminder.to_role)
    return False


# ---------------------------------------------------------------- closing


def reminders_close_moved(*, order, actor, at, before):
    """Close the order's open reminders that the change just made settles (rule K-6), in the
    caller's transaction: all of them when the state moved (`before` is the state it left; archived
    included), else those whose desk no longer holds the work. One query when none are open."""
    open_ = list(order.reminders.filter(done_at__isnull=True))
    if not open_:
        return []
    if order.state == OrderState.ARCHIVED:
        closing, reason = open_, ReminderClose.ARCHIVED
    elif order.state != before:
        closing, reason = open_, ReminderClose.MOVED_ON
    else:
        holder = holder_of(order)
        closing, reason = [r for r in open_ if not holds(r, order, holder)], ReminderClose.HANDED_OVER
    if not closing:
        return []
    ids = [r.pk for r in closing]
    Reminder.objects.filter(pk__in=ids, done_at__isnull=True).update(done_at=at, close_reason=reason)
    audit_append(stream=stream_of(order), action="order.reminders_closed", actor=actor, at=at,
                 payload={"reminders": ids, "reason": str(reason)})
    return closing


# ---------------------------------------------------------------- reads


def reminders_for_q(user):
    """Open reminders the user is to handle: theirs, their crews', their unit's desk (rule K-6), less
    reports hidden from them (K-7, K-9)."""
    desk = Q(to_user__isnull=True, to_crew__isnull=True, to_org_id=user.org_id) & (
        Q(to_role="") | Q(to_role__in=sorted(user.role_codes()))) if user.org_id else Q(pk__in=[])
    crews = Q(to_user__isnull=True, to_crew__in=Crew.objects.filter(members=user).values("pk"))
    return (Q(to_user=user) | desk | crews) & Q(done_at__isnull=True) & disclosure.reports_hidden_q(user, "order__")


def overdue_q(now):
    return Q(done_at__isnull=True, due_at__lte=now)


def desk_unit(reminder):
    """The unit whose desk a reminder chases (the 通报 groups by it)."""
    if reminder.to_org_id:
        return reminder.to_org
    if reminder.to_crew_id:
        return reminder.to_crew.org
    if reminder.to_user_id and reminder.to_user.org_id:
        return reminder.to_user.org
    return reminder.order.org


OVERDUE_RELATED = ("order__org", "order__handling_org", "order__crew", "to_org", "to_crew__org", "to_user__org",
                   "from_user")


def overdue_for(user, *, now=None, limit=500):
    """The overdue open reminders in the user's scope that they may read, by the desk's unit:
    [(unit, [reminders])], the unit's path order (the 通报 page). Two queries, three with reports."""
    from griddesk.orgs.selectors import orgs_visible_q

    now = now or timezone.now()
    scope = (orgs_visible_q(user, "to_org__path") | orgs_visible_q(user, "to_crew__org__path")
             | orgs_visible_q(user, "to_user__org__path"))
    rows = list(Reminder.objects.filter(overdue_q(now), scope, disclosure.reports_hidden_q(user, "order__"))
                .select_related(*OVERDUE_RELATED).order_by("due_at")[:limit])
    return _by_unit(rows)


def _by_unit(rows):
    groups = defaultdict(list)
    units = {}
    for reminder in rows:
        unit = desk_unit(reminder)
        units[unit.pk] = unit
        groups[unit.pk].append(reminder)
    return [(units[pk], groups[pk]) for pk in sorted(groups, key=lambda pk: units[pk].path)]


# ---------------------------------------------------------------- escalation


def reminders_escalate(*, now=None, batch=ESCALATION_BATCH):
    """Escalate each overdue open reminder once, one level up the tree (rule K-6): a new 督办 to the
    next supervisor above its recipient (above the desk's unit for a 催办), linked to it, audited,
    the recipient notified. Returns the number of reminders escalated (or found with nobody above)."""
    from griddesk.orders import handover

    now = now or timezone.now()
    due = Q(done_at__isnull=True, escalated_at__isnull=True, due_at__lte=now)
    ids = list(Reminder.objects.filter(due).order_by("due_at").values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    token = uuid.uuid4().hex[:12]
    rows = list(Reminder.objects.filter(pk__in=ids).select_related(
        "order__org", "order__handling_org", "order__crew__org", "order__owner__org", "order__assignee__org",
        "order__ruleset_version", *OVERDUE_RELATED[3:]))
    disclosure.attach_accusations([r.order for r in rows])
    posts = Posts([desk_unit(r) for r in rows])
    done = 0
    for reminder in rows:
        with transaction.atomic():
            # the claim: whoever stamps it escalates it (several workers, a retried sweep)
            if not Reminder.objects.filter(due, pk=reminder.pk).update(escalated_at=now):
                continue
            done += 1
            order, unit = reminder.order, desk_unit(reminder)
            above = depth_of(reminder.to_user) if (
                reminder.kind == ReminderKind.SUPERVISE and reminder.to_user_id and reminder.to_user.org_id) else None
            supervisor = posts.nearest(order, unit, above=above)
            payload = {"reminder": reminder.pk, "due_at": reminder.due_at.isoformat(), "claim": token}
            if supervisor is None:  # nobody above: recorded, stays on the 通报
                audit_append(stream=stream_of(order), action="order.reminder_overdue", at=now,
                             payload={**payload, "escalated_to": None})
                continue
            reason = (_("逾期升级：%(kind)s（期限 %(due)s）未办结：%(reason)s") % {
                "kind": reminder.get_kind_display(), "reason": reminder.reason,
                "due": timezone.localtime(reminder.due_at).strftime("%m-%d %H:%M")})[:200]
            try:
                escalation = Reminder.objects.create(
                    order=order, kind=ReminderKind.SUPERVISE, to_user=supervisor, to_org=unit, reason=reason,
                    due_at=reminder_due(order, ReminderKind.SUPERVISE, now), created_at=now, escalates=reminder)
            except IntegrityError:  # escalated meanwhile by another worker's earlier claim
                continue
            audit_append(stream=stream_of(order), action="order.supervise", at=now,
                         payload={**payload, "reason": reason, "to_user": supervisor.pk, "to_org": unit.code,
                                  "due_at": escalation.due_at.isoformat(), "escalates": reminder.pk})
            handover.reminded(escalation, at=now)
    return done


# ---------------------------------------------------------------- the circulated report (通报)


def circular_period(now):
    """The period whose 通报 is due at `now` (a local day, from GRIDDESK_CIRCULAR_HOUR), or None."""
    local = timezone.localtime(now)
    if local.hour < settings.GRIDDESK_CIRCULAR_HOUR:
        return None
    return local.date()


def circular_send(*, now=None):
    """The period's 通报, once: to every active supervisor and manager, the overdue open reminders
    of their scope that they may read, per desk unit (rule K-6). Returns the circular, or None when
    it is not due or was already issued."""
    from griddesk.notify.models import NotifyChannel
    from griddesk.notify.services import messages_send

    now = now or timezone.now()
    period = circular_period(now)
    if period is None or ReminderCircular.objects.filter(period=period).exists():
        return None
    try:
        with transaction.atomic():
            circular = ReminderCircular.objects.create(period=period, issued_at=now)
    except IntegrityError:
        return None  # another worker issues it
    rows = list(Reminder.objects.filter(overdue_q(now)).select_related(*OVERDUE_RELATED).order_by("due_at"))
    disclosure.attach_accusations([r.order for r in rows])
    readers = list(Staff.objects.filter(is_active=True, roles__code__in=CIRCULAR_ROLES)
                   .select_related("org").distinct().order_by("pk"))
    codes = defaultdict(set)
    for staff_id, code in Staff.roles.through.objects.filter(
            staff_id__in=[s.pk for s in readers]).values_list("staff_id", "role__code"):
        codes[staff_id].add(code)
    items = []
    for reader in readers:
        reader._role_codes = frozenset(codes[reader.pk])
        scope = reader.scope_path if not reader.is_superuser else ""
        if scope is None:
            continue
        mine = [r for r in rows if desk_unit(r).path.startswith(scope) and disclosure.order_readable(r.order, reader)]
        if mine:
            items.append(circular_message(reader, mine, period, now, channel=NotifyChannel.CONSOLE))
    with transaction.atomic():
        messages_send(items, at=now)
        ReminderCircular.objects.filter(pk=circular.pk).update(overdue=len(rows), recipients=len(items))
        audit_append(stream=stream_of(circular), action="reminders.circular", at=now, new_stream=True,
                     payload={"period": period.isoformat(), "overdue": len(rows), "recipients": len(items)})
    circular.overdue, circular.recipients = len(rows), len(items)
    return circular


def circular_message(reader, reminders, period, now, *, channel):
    """One reader's 通报: counts per desk unit, then the oldest items (order number, type, kind,
    desk, hours overdue). No person and no free text: nothing of a complainant (K-7, K-9)."""
    from griddesk.orders.handover import label

    groups = _by_unit(reminders)
    lines = []
    for unit, items in groups:
        remind = sum(1 for r in items if r.kind == ReminderKind.REMIND)
        lines.append(Phrase(gettext_noop("%(unit)s：催办 %(remind)d 件，督办 %(supervise)d 件"),
                            unit=unit.name, remind=remind, supervise=len(items) - remind))
    lines.append("")
    for reminder in sorted(reminders, key=lambda r: r.due_at)[:CIRCULAR_LINES]:
        hours = int((now - reminder.due_at).total_seconds() // 3600)
        lines.append(Phrase(gettext_noop("%(number)s %(type)s %(kind)s · %(unit)s · 逾期 %(hours)d 小时"),
                            number=reminder.order.number, type=label(reminder.order.get_order_type_display),
                            kind=label(reminder.get_kind_display), unit=desk_unit(reminder).name, hours=hours))
    if len(reminders) > CIRCULAR_LINES:
        lines.append(Phrase(gettext_noop("……另有 %d 件，见工作台“催办督办通报”。"), len(reminders) - CIRCULAR_LINES))
    subject = Phrase(gettext_noop("催办督办逾期通报（%(period)s）：%(units)d 个单位，共 %(n)d 件"),
                     period=period.isoformat(), units=len(groups), n=len(reminders))
    return {"channel": channel, "recipient": reader, "subject": subject, "body": Lines(lines),
            "dedupe_key": f"circular:{period.isoformat()}:{reader.pk}"}
