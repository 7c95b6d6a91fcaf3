"""Reads for the staff console: dashboard, inbox, an order's page."""

import re

from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from griddesk.grid.models import Zone
from griddesk.orders import disclosure
from griddesk.orders.models import (
    OPEN_STATES,
    Channel,
    ComplaintCause,
    OrderType,
    PayMethod,
    Reminder,
    Satisfaction,
    SealedIdentity,
    SlaClock,
    VisitReason,
    WorkOrder,
)
from griddesk.orders.services import ACCUSABLE_TYPES, ACCUSE_ROLES, may_open_identity
from griddesk.orders.workflows import available_transitions, transitions_of
from griddesk.orgs.models import Crew, Org, OrgKind
from griddesk.orgs.selectors import orgs_visible_q

INBOX_SHOWN = 20
TIMELINE_SHOWN = 200


def dashboard_for(user):
    """Open orders in the user's org subtree, by type (one grouped query)."""
    open_orders = WorkOrder.objects.filter(orgs_visible_q(user, "org__path"), state__in=OPEN_STATES)
    by_type = list(open_orders.values("order_type").annotate(n=Count("id")).order_by("order_type"))
    labels = dict(OrderType.choices)
    for row in by_type:
        row["label"] = labels.get(row["order_type"], row["order_type"])
    return {"open_by_type": by_type, "open_total": sum(row["n"] for row in by_type)}


def inbox_for(user):
    """My inbox (我的待办) on the home page: unread console messages (mine and my unit's) and open
    reminders addressed to me, my unit or my crew (rule K-6). Two queries."""
    from griddesk.notify.selectors import inbox_messages

    messages, _more = inbox_messages(user, unread=True)
    return {"inbox_messages": messages, "inbox_reminders": open_reminders_for(user, limit=INBOX_SHOWN)}


def open_reminders_for(user, *, limit=100):
    """Open reminders the user is to handle (orders.reminders.reminders_for_q), newest first; the reason
    as an inbox line may carry it (disclosure.notice_text: nothing of a complainant). One query."""
    from griddesk.orders.reminders import reminders_for_q

    rows = list(Reminder.objects.filter(reminders_for_q(user))
                .select_related("order__customer", "from_user", "to_crew", "to_org", "to_user")
                .order_by("-created_at", "-pk")[:limit])
    for reminder in rows:
        reminder.reason = disclosure.notice_text(reminder.order, reminder.reason) or "—"  # display copy only
    return rows


def desk_for(user):
    """The home page's desk block: the open work the user's desk holds now, newest first (a department's
    forwarded orders, a crew's repairs, the user's own assignments), and how many. Two queries."""
    from django.db.models import Q

    from griddesk.orders.reminders import CREW_HOLDS

    held = Q(assignee=user)
    if user.org_id:
        held |= Q(handling_org_id=user.org_id)
    held |= Q(crew__in=user.crews.values("pk"), state__in=CREW_HOLDS)
    rows = WorkOrder.objects.filter(held, disclosure.reports_hidden_q(user), state__in=OPEN_STATES)
    return {"desk_total": rows.count(),
            "desk_orders": list(rows.order_by("-accepted_at", "-pk")[:10])}


def order_for(*, user, number):
    """The order `number` if `user` may open it (orders.disclosure), else None (the view answers 404).
    One query."""
    return (
        WorkOrder.objects.filter(disclosure.orders_readable_q(user), number=number)
        .select_related("org", "handling_org", "customer", "category", "owner", "assignee", "crew",
                        "parent", "ruleset_version")
        .first()
    )


def order_page(*, order, user, now=None, person=None):
    """Everything the order page shows, in a fixed number of queries. `person`: the unmasked
    person after an audited "show" (services.person_reveal); otherwise as the user may see it."""
    from griddesk.audit.selectors import events_of

    now = now or timezone.now()
    clocks = list(SlaClock.objects.filter(order=order).order_by("started_at", "pk"))
    for clock in clocks:
        clock.status = _clock_status(clock, now)
    person = person or disclosure.person_of(order, user)
    sealed = person.access == disclosure.Access.SEALED
    accusable = order.order_type in ACCUSABLE_TYPES
    return {
        "order": order,
        "clocks": clocks,
        "events": _timeline(order, list(events_of(order)[:TIMELINE_SHOWN]), person.access),
        "actions": available_transitions(order, user, clocks),
        "reminders": _reminders_shown(order, person.access),
        "evidence": list(order.evidence.select_related("uploaded_by").order_by("uploaded_at")),
        "children": list(order.children.order_by("accepted_at")),
        "quote_lines": list(order.quote_lines.all()) if order.order_type == OrderType.REPAIR else [],
        "person": person,
        "is_report": order.order_type == OrderType.REPORT,
        "zone_label": dict(Zone.choices).get(order.zone, order.zone),
        "identity_sealed": sealed and SealedIdentity.objects.filter(order=order).exists(),
        "may_open_identity": sealed and may_open_identity(order, user),
        "accused": list(Org.objects.filter(pk__in=disclosure.accused_ids(order)).order_by("path"))
        if accusable else [],
        "may_accuse": accusable and user.has_role(*ACCUSE_ROLES),
        "may_supervise": user.has_role("supervisor", "manager", "shift_leader"),
    }


def sealed_identity_of(order):
    """The sealed identity, for a page whose user opened it moments ago (console.showing: the
    opening was audited then and the caller checked `may_open_identity` again)."""
    return SealedIdentity.objects.filter(order=order).first()


def accuse_targets():
    """Units a complaint or report can be about (rule K-9): any unit of the province."""
    return Org.objects.order_by("path")


def forward_targets(user):
    """Units an order can be forwarded to (rule K-3): departments and supply units in scope.

    Not sliced: the form validates the choice against this queryset (a province has
    hundreds of units, not thousands).
    """
    return Org.objects.filter(
        orgs_visible_q(user), kind__in=[OrgKind.DEPARTMENT, OrgKind.STATION, OrgKind.COUNTY, OrgKind.CITY]
    ).order_by("path")


def _clock_status(clock, now):
    if clock.stopped_at:
        return "met" if clock.met else "late"
    if clock.paused_since:
        return "paused"
    return "breached" if clock.breached_at or clock.due_at <= now else "running"


ACTION_LABELS = {
    "order.created": _("受理"), "order.repeat_contact": _("重复来电（A-4）"), "order.remind": _("催办"),
    "order.supervise": _("督办"), "order.evidence": _("上传附件"),
    "identity.opened": _("查看举报人身份（K-7）"), "identity.refused": _("拒绝查看举报人身份（K-7）"),
    "order.dispatch_pending": _("待派工：没有负责该台区的抢修班组"),
    "order.accused": _("记录被投诉/举报单位（K-9）"), "person.shown": _("显示当事人完整信息（已审计）"),
    "order.version_baseline": _("升级时记录的版本基线（K-8）"),
    "order.outage_attached": _("并入停电事件（C-9）"), "order.outage_detached": _("移出停电事件"),
    "order.restoration_notified": _("短信通知客户已恢复供电（C-12）"),
    "order.restoration_time_changed": _("短信通知客户预计恢复时间调整"),
    "order.evidence_downloaded": _("下载附件"), "audit.exported": _("导出审计历史"),
    "order.visit_invited": _("短信发送服务评价链接（C-12）"),
}
# Which payload entries the timeline shows, and under what name (the rest stays in the audit log).
PAYLOAD_LABELS = {
    "title": _("标题"), "channel": _("渠道"), "agent_no": _("工号"), "customer": _("客户户号"),
    "parent": _("主单"), "child": _("子单"), "call_count": _("来电次数"), "crew": _("班组"),
    "department": _("处理部门"), "note": _("说明"), "reason": _("原因"), "purpose": _("查看事由"),
    "findings": _("调查结果"), "cause": _("责任原因"), "responsibility": _("责任认定"), "reply": _("答复"),
    "answer": _("答复"), "guidance": _("指导内容"), "satisfaction": _("满意度"), "phone": _("回电号码"),
    "invoice_no": _("发票号"), "consent_by": _("确认人"), "method": _("确认方式"), "total": _("合计"),
    "delay_reason": _("延期原因"), "file": _("文件"), "sha256": "SHA-256", "due_at": _("期限"),
    "org": _("单位"), "accused": _("被投诉/举报单位"), "outage": _("停电事件"),
    "reasons": _("不满意原因"), "visit_channel": _("评价方式"),
}

# Payload entries stored as choice codes: the timeline shows their labels, never `hotline` or `satisfied`.
PAYLOAD_CHOICES = {"channel": Channel, "cause": ComplaintCause, "satisfaction": Satisfaction, "method": PayMethod,
                   "reasons": VisitReason}
VISIT_CHANNELS = {"link": _("客户通过短信链接评价")}


ORG_KEYS, CREW_KEYS = {"org", "department", "accused"}, {"crew"}


def _payload_shown(key, value, names):
    """What the timeline shows for a payload entry: a choice's label, a unit's or crew's name
    (the payload keeps their codes), a time in local time; never a code or an ISO timestamp."""
    choices = PAYLOAD_CHOICES.get(key)
    if choices is not None and isinstance(value, str) and value in choices.values:
        return choices(value).label
    if choices is not None and isinstance(value, list):
        return _("、").join(str(choices(v).label) if v in choices.values else str(v) for v in value)
    if key == "visit_channel":
        return VISIT_CHANNELS.get(value, value)
    if key in ORG_KEYS | CREW_KEYS:
        values = value if isinstance(value, list) else [value]
        return _("、").join(names.get((key in CREW_KEYS, v), str(v)) for v in values)
    if key == "due_at" and isinstance(value, str):
        moment = parse_datetime(value)
        return date_format(timezone.localtime(moment), "m-d H:i") if moment else value
    return value


# An audit event keeps its actor as `staff.record_label` was then (K-8: never rewritten): 张三（A1001）.
ACTOR_LABEL = re.compile(r"^(?P<name>.+)（(?P<agent_no>[^（）]+)）$")


def _actor_shown(label):
    """The stored actor label in the reader's language (Staff.__str__'s format)."""
    match = ACTOR_LABEL.match(label or "")
    return _("%(name)s（%(agent_no)s）") % match.groupdict() if match else label


def _payload_names(payloads):
    """(is crew, code) -> name for the units and crews the payloads name: two queries at most."""
    wanted = {True: set(), False: set()}
    for payload in payloads:
        for key, value in payload.items():
            if key in ORG_KEYS | CREW_KEYS and value:
                wanted[key in CREW_KEYS].update(value if isinstance(value, list) else [value])
    names = {}
    if wanted[False]:
        names.update(((False, code), name) for code, name in
                     Org.objects.filter(code__in=wanted[False]).values_list("code", "name"))
    if wanted[True]:
        names.update(((True, code), name) for code, name in
                     Crew.objects.filter(code__in=wanted[True]).values_list("code", "name"))
    return names


def _timeline(order, events, access):
    labels = {f"order.{t.action}": str(t.label) for t in transitions_of(order.order_type)}
    labels.update(ACTION_LABELS)
    rows = []
    payloads = [disclosure.payload_for(event.payload, access) for event in events]  # K-7, K-9: no person shown
    names = _payload_names(payloads)
    for event, payload in zip(events, payloads, strict=True):
        details = [(PAYLOAD_LABELS[key], _free_text_shown(order, access, _payload_shown(key, value, names)))
                   for key, value in payload.items()
                   if key in PAYLOAD_LABELS and value not in (None, "", [], {})]
        rows.append({"at": event.at, "actor": _actor_shown(event.actor_label), "action": event.action,
                     "label": labels.get(event.action, event.action), "details": details,
                     "to": payload.get("to")})
    return rows


def _free_text_shown(order, access, value):
    """Staff-typed text in the timeline: the order's customer or caller named in it is masked for whoever
    sees them masked, and blanked (****) where nothing of them may show (rules K-7, K-9)."""
    if access == disclosure.Access.FULL or not isinstance(value, str):
        return value
    return disclosure.persons_masked_in(order, value, redact=access in (disclosure.Access.SEALED,
                                                                        disclosure.Access.WITHHELD))


def _reminders_shown(order, access):
    """The order's reminders, each reason as the user may see it (display copies, `_free_text_shown`)."""
    from griddesk.orders.sweeper import breach_reason

    rows = list(order.reminders.select_related("from_user", "to_user", "to_org", "to_crew").order_by("-created_at"))
    # the sweeper's reasons (a clock missed) in the reader's language; staff-typed ones as typed
    clocks = {c.key: c for c in order.clocks.all()} if any(r.clock_key for r in rows) else {}
    for reminder in rows:
        clock = clocks.get(reminder.clock_key)
        reminder.reason = breach_reason(clock).shown() if clock else _free_text_shown(order, access, reminder.reason)
    return rows
