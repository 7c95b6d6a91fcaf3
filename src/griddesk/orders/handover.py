"""Hand-over notifications (交接通知): whoever receives work is told, in the transaction that hands it
over (docs/notify.md).

Dispatch pages the crew (an SMS to its duty phone through the outbox, a console message to each member),
a forward tells the department's desk, an assignment the assignee, a bounce the owner of record who must
route it again, a transfer the shift leaders (C-11), and a reminder (K-6) its recipient, with a copy to
the owner of record (H-4). The texts name the order by number and type, never by its title, and never
name the person behind it: a reason typed by staff goes through `disclosure.notice_text` (K-7, K-9).
Messages are sent in the site's language (Chinese), whoever's request sends them, and kept as phrases
that console pages render in the reader's language (notify.phrases).
A transfer to the shift leaders is a reminder addressed to their post (`to_role`): `reminded` tells them.
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from griddesk import fastsql
from griddesk.notify.models import NotifyChannel
from griddesk.notify.phrases import Label, Phrase
from griddesk.notify.services import messages_send
from griddesk.orders import disclosure
from griddesk.orders.models import SlaClock
from griddesk.orgs.models import Crew, Org, RoleCode, Staff


@contextmanager
def in_site_language():
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _hhmm(moment):
    return timezone.localtime(moment).strftime("%H:%M") if moment else "—"


def _when(moment):
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else "—"


def order_label(order):
    """GD…（投诉）: the order by number and type, never by its title."""
    return Phrase(gettext_noop("%(number)s（%(type)s）"), number=order.number,
                  type=label(order.get_order_type_display))


def label(display):
    """A choice's label kept as its catalogue id: `display` is the model's get_FOO_display, called in
    the site's language (whose text is the catalogue id)."""
    with in_site_language():
        return Label(str(display()))


def staff_named(staff):
    """Who acted, in the reader's language: 张三（95598001）, or 系统 for the system."""
    if staff is None:
        return Label(gettext_noop("系统"))
    name = staff.get_full_name() or staff.username
    return Phrase(gettext_noop("%(name)s（%(agent_no)s）"), name=name, agent_no=staff.agent_no) if staff.agent_no \
        else name


def _console(subject, body, order, *, recipient=None, recipient_org=None, dedupe_key=None):
    return {"channel": NotifyChannel.CONSOLE, "subject": subject, "body": body, "order": order,
            "recipient": recipient, "recipient_org": recipient_org, "dedupe_key": dedupe_key}


def _address(order):
    """Where the crew goes: the customer's address (a repair is never sealed); no name, no phone."""
    if disclosure.identity_sealed(order):
        return order.org.name
    customer = order.customer if order.customer_id else None
    return (customer.address if customer else "") or order.org.name


# ---------------------------------------------------------------- dispatch


@fastsql.statement
def _members_sql(count):
    qn = fastsql.qn
    through, staff = qn(Crew.members.through._meta.db_table), qn(Staff._meta.db_table)
    return (f"SELECT m.{qn('crew_id')}, m.{qn('staff_id')} FROM {through} m"
            f" JOIN {staff} s ON s.{qn('id')} = m.{qn('staff_id')}"
            f" WHERE m.{qn('crew_id')} IN ({fastsql.marks(count)}) AND s.{qn('is_active')}"
            f" ORDER BY m.{qn('crew_id')}, m.{qn('staff_id')}")


def crew_members(crews):
    """{crew id: [active members (Staff with only their key)]} of some crews: one prepared statement
    (intake pages the crews it dispatches at the national peak)."""
    members = {crew.pk: [] for crew in crews}
    if members:
        for crew_id, staff_id in fastsql.fetch(_members_sql(len(members)), list(members)):
            members[crew_id].append(Staff(pk=staff_id))
    return members


def dispatch_items(order, crew, members, arrival_due):
    """The crew's page: an SMS to its duty phone, a console message to each member."""
    values = {"number": order.number, "address": _address(order), "due": _hhmm(arrival_due)}
    sms = Phrase(gettext_noop("【95598抢修】工单 %(number)s 地址 %(address)s 请尽快到达（R-2 时限 %(due)s）"), **values)
    subject = Phrase(gettext_noop("新抢修任务：工单 %(number)s，R-2 时限 %(due)s"), **values)
    body = Phrase(gettext_noop("派工给%(crew)s。地址：%(address)s。请接单并按时到达现场（规则 R-2）。"),
                  **values, crew=crew.name)
    items = []
    if crew.phone:
        items.append({"channel": NotifyChannel.SMS, "address": crew.phone, "subject": subject, "body": sms,
                      "order": order, "dedupe_key": f"dispatch:{order.pk}:{crew.pk}:{order.version}:sms"})
    items += [_console(subject, body, order, recipient=person) for person in members]
    return items


def dispatched(order, crew, *, at=None):
    """A dispatch (派工) in an order service: the R-2 clock it started gives the time to arrive."""
    clocks = getattr(order, "started_clocks", None)
    if clocks is None:
        clocks = SlaClock.objects.filter(order=order, key__startswith="R-2/", stopped_at__isnull=True)
    arrival = next((c.due_at for c in clocks if c.key.startswith("R-2/")), None)
    messages_send(dispatch_items(order, crew, crew_members([crew])[crew.pk], arrival), at=at)


def intake_dispatched(drafts):
    """The drafts of an intake batch that dispatch at once (C-8); a call joining an outage (C-9) pages
    nobody: the outage's crew is already on it."""
    return [d for d in drafts if d.order.crew_id and not d.order.parent_id and not d.order.outage_id]


def intake_crew_members(drafts):
    """Their crews' members: read before intake takes its numbers (the counter row stays locked from
    then to the commit, so reads come first)."""
    dispatched_ = intake_dispatched(drafts)
    return crew_members({d.order.crew.pk: d.order.crew for d in dispatched_}.values()) if dispatched_ else {}


def intake_dispatch_items(drafts, members):
    """The pages of the repairs an intake batch dispatched at once, once the orders have numbers."""
    items = []
    for draft in intake_dispatched(drafts):
        order = draft.order
        arrival = next((c.due_at for c, _p in (draft.plan.clocks if draft.plan else ()) if c.key.startswith("R-2/")),
                       None)
        items += dispatch_items(order, order.crew, members.get(order.crew.pk, ()), arrival)
    return items


# ---------------------------------------------------------------- forward, assign, bounce


def forwarded(order, department, actor, *, at=None):
    """A forward (转派, K-3): the department's desk (every member of it sees a unit's message)."""
    subject = Phrase(gettext_noop("新转派工单：%s"), order_label(order))
    body = Phrase(gettext_noop("%(actor)s 转派至%(department)s，请及时联系客户并处理（规则 K-3）。"),
                  actor=staff_named(actor), department=department.name)
    messages_send([_console(subject, body, order, recipient_org=department)], at=at)


def assigned(order, assignee, actor, *, at=None):
    subject = Phrase(gettext_noop("指派给您：%s"), order_label(order))
    body = Phrase(gettext_noop("%(actor)s 指派您处理该工单；首问责任人不变（规则 H-4）。"), actor=staff_named(actor))
    messages_send([_console(subject, body, order, recipient=assignee)], at=at)


def bounced(order, actor, reason, *, at=None):
    """A bounce (退单, K-5): back to the owner of record, who must route it again."""
    if not order.owner_id:
        return
    subject = Phrase(gettext_noop("工单被退回：%s"), order_label(order))
    body = Phrase(gettext_noop("%(actor)s 退单：%(reason)s。请重新转派（规则 K-5）。"),
                  actor=staff_named(actor), reason=disclosure.notice_text(order, reason) or "—")
    messages_send([_console(subject, body, order, recipient=order.owner)], at=at)


def shift_leaders_unit(actor, order):
    """The unit whose shift leaders a transfer (C-11) goes to: that of the nearest ones up the tree from
    the agent's unit (a department's act for its unit), else from the order's unit; None if none. One
    query or two."""
    from griddesk.orders.reminders import Posts

    for unit in (actor.org if actor is not None and actor.org_id else None, order.org):
        if unit is None:
            continue
        posts = Posts([unit], roles=(RoleCode.SHIFT_LEADER,))
        chain = posts.chain(unit)
        for depth in range(len(chain) - 1, -1, -1):
            found = posts.by_unit.get(chain[depth])
            if found:
                return min(found, key=lambda s: (s.org_id != chain[depth], s.pk)).org
    return None


# ---------------------------------------------------------------- reminders (K-6)


def reminded(reminder, *, at=None):
    """A 催办 or 督办: its recipient (a person, each crew member and the crew's phone, a unit's desk or
    the holders of a post in it), and the owner of record for information unless they receive or sent it."""
    members = crew_members([reminder.to_crew])[reminder.to_crew_id] if reminder.to_crew_id else ()
    messages_send(reminder_items(reminder, members=members, key=f"reminder:{reminder.pk}"), at=at)


def reminder_items(reminder, *, members=(), key):
    """The messages of `reminded`, for one reminder saved or about to be (the sweeper's, in bulk):
    `members` are the active members of its crew, `key` prefixes their dedupe keys."""
    order = reminder.order
    kind = label(reminder.get_kind_display)
    desk = (staff_named(reminder.to_user) if reminder.to_user_id else
            (reminder.to_crew or reminder.to_org or Label(gettext_noop("未指定"))))
    desk = desk.name if isinstance(desk, Crew | Org) else desk
    # the sweeper's own reasons (a clock's breach) name no one; staff-typed ones are checked
    reason = (getattr(reminder, "reason_phrase", None) or reminder.reason) if reminder.clock_key else \
        disclosure.notice_text(order, reminder.reason)
    subject = Phrase(gettext_noop("%(kind)s：%(order)s，期限 %(due)s"), kind=kind, order=order_label(order),
                     due=_when(reminder.due_at))
    body = Phrase(gettext_noop("原因：%(reason)s。发起：%(sender)s（规则 K-6）。"), reason=reason or "—",
                  sender=staff_named(reminder.from_user if reminder.from_user_id else None))
    copy_subject = Phrase(gettext_noop("抄送（首问负责）：%(order)s 已%(kind)s%(desk)s"), order=order_label(order),
                          kind=kind, desk=desk)
    sms = Phrase(gettext_noop("【95598%(kind)s】工单 %(number)s 地址 %(address)s 请尽快处理（期限 %(hhmm)s）"),
                 kind=kind, number=order.number, address=_address(order), hhmm=_hhmm(reminder.due_at)) \
        if reminder.to_crew_id else ""
    items, told = [], set()
    if reminder.to_user_id:
        items.append(_console(subject, body, order, recipient=reminder.to_user,
                              dedupe_key=f"{key}:{reminder.to_user_id}"))
        told.add(reminder.to_user_id)
    elif reminder.to_crew_id:
        for person in members:
            items.append(_console(subject, body, order, recipient=person, dedupe_key=f"{key}:{person.pk}"))
            told.add(person.pk)
        if reminder.to_crew.phone:
            items.append({"channel": NotifyChannel.SMS, "address": reminder.to_crew.phone, "subject": subject,
                          "body": sms, "order": order, "dedupe_key": f"{key}:sms"})
    elif reminder.to_org_id and reminder.to_role:
        for person in Staff.objects.filter(org_id=reminder.to_org_id, is_active=True, roles__code=reminder.to_role):
            items.append(_console(subject, body, order, recipient=person, dedupe_key=f"{key}:{person.pk}"))
            told.add(person.pk)
    elif reminder.to_org_id:
        items.append(_console(subject, body, order, recipient_org=reminder.to_org, dedupe_key=f"{key}:org"))
    if order.owner_id and order.owner_id not in told and order.owner_id != reminder.from_user_id:
        items.append(_console(copy_subject, body, order, recipient=order.owner_id and Staff(pk=order.owner_id),
                              dedupe_key=f"{key}:copy"))
    return items
