"""Reads of the auditor screen (console/auditor.py): an order's or a staff member's audit history as
the auditor may see it, with its chains' verification status, and the same rows for export.

Every payload goes through the confidentiality rules (orders.disclosure, rules K-7 and K-9): a sealed
or withheld person is dropped, a person the auditor sees masked is masked, in free text too; events
of an order the auditor may not read (a report about their own unit, an order out of scope) are not
shown, only counted. Codes are shown by their labels (actions, states, channels, choices).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import ORDER_STREAM_PREFIX, streams_check
from griddesk.console.selectors import ACTION_LABELS, PAYLOAD_LABELS
from griddesk.orders import disclosure
from griddesk.orders.models import (
    Channel,
    ComplaintCause,
    FaultSide,
    OrderState,
    OrderType,
    ReminderKind,
    Satisfaction,
    WorkOrder,
)
from griddesk.orders.workflows import COMMON, WORKFLOWS, transitions_of
from griddesk.orgs.models import Staff
from griddesk.orgs.selectors import orgs_visible_q

ORDER_TRAIL_LIMIT = 2000  # an order's whole history, up to this many events
USER_TRAIL_LIMIT = 500  # a staff member's newest events
FREE_TEXT_KEYS = frozenset({"title", "description", "note", "reason", "findings", "reply", "answer", "guidance",
                            "purpose", "delay_reason", "body", "subject", "first", "error"})

AUDITOR_ACTION_LABELS = {
    "audit.verify_started": _lazy("发起审计完整校验"), "audit.verify_finished": _lazy("审计完整校验结束"),
    "kb.reply_saved": _lazy("修改标准话术"),
    "customer.shown": _lazy("显示客户完整信息（已审计）"), "order.outage_attached": _lazy("并入停电事件（C-9）"),
    "order.dispatch": _lazy("派工"),
}
AUDITOR_PAYLOAD_LABELS = {
    "from": _lazy("原状态"), "to": _lazy("新状态"), "version": _lazy("版本"), "number": _lazy("工单编号"),
    "type": _lazy("工单类型"), "received_at": _lazy("客户提交时间"), "category": _lazy("分类"),
    "description": _lazy("详细内容"), "fault_side": _lazy("故障产权"), "anonymous": _lazy("要求匿名"),
    "outage": _lazy("停电事件"), "stage": _lazy("环节"), "bytes": _lazy("字节数"), "evidence": _lazy("附件编号"),
    "kind": _lazy("类型"), "access": _lazy("可见程度"), "subject": _lazy("对象"), "format": _lazy("格式"),
    "events": _lazy("事件数"), "status": _lazy("结果"), "streams": _lazy("链数"), "problems": _lazy("问题数"),
    "first": _lazy("第一个问题"), "error": _lazy("错误"), "seconds": _lazy("用时（秒）"),
    "crew_from": _lazy("原班组"), "to_user": _lazy("接收人"), "to_org": _lazy("接收单位"),
    "to_crew": _lazy("接收班组"), "handling_org": _lazy("处理部门"), "owner": _lazy("首问责任人"),
    "body": _lazy("内容"), "clocks": _lazy("时限"), "hours": _lazy("小时"), "customer_name": _lazy("客户姓名"),
    "caller_name": _lazy("来电人"), "caller_phone": _lazy("来电号码"), "address": _lazy("地址"),
    "account_no": _lazy("户号"), "name": _lazy("姓名"), "contact": _lazy("联系方式"),
}
_ACCESS = {"full": _lazy("完整"), "masked": _lazy("部分隐藏"), "withheld": _lazy("对被投诉单位保密"),
           "sealed": _lazy("已封存")}
# What each failed chain check means, for the screen (the detail stays as `audit verify` words it).
CHAIN_PROBLEMS = {
    "gap": _lazy("序号不连续（事件被删除）"), "link": _lazy("与上一事件的链接不符（上一事件被修改或删除）"),
    "key": _lazy("签名密钥不在密钥环中"), "hash": _lazy("内容与其哈希不符（事件被修改）"),
    "head": _lazy("链头与链尾不符（最新事件被删除或替换）"), "headless": _lazy("有事件但没有链头（链头被删除）"),
}
_RUN_STATUS = {"ok": _lazy("完整"), "broken": _lazy("发现问题"), "failed": _lazy("未能完成")}
# Payload entries that hold a code, and the labels of their codes.
VALUE_LABELS = {
    "from": dict(OrderState.choices), "to": dict(OrderState.choices), "stage": dict(OrderState.choices),
    "type": dict(OrderType.choices), "channel": dict(Channel.choices), "satisfaction": dict(Satisfaction.choices),
    "cause": dict(ComplaintCause.choices), "fault_side": dict(FaultSide.choices), "kind": dict(ReminderKind.choices),
    "access": _ACCESS, "status": _RUN_STATUS,
}


def _action_labels():
    labels = {f"order.{t.action}": str(t.label) for flow in [*WORKFLOWS.values(), COMMON] for t in flow}
    labels.update({key: str(value) for key, value in ACTION_LABELS.items()})
    labels.update({key: str(value) for key, value in AUDITOR_ACTION_LABELS.items()})
    return labels


def _key_label(key):
    label = PAYLOAD_LABELS.get(key) or AUDITOR_PAYLOAD_LABELS.get(key)
    return str(label) if label is not None else key


DATETIME_KEYS = frozenset({"received_at", "due_at", "due", "at", "updated_at"})


def _when_text(value):
    """An ISO 8601 time from a payload, in local time; the text as it was if it is not one."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(when):
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S")


def _value_text(key, value):
    if isinstance(value, str) and key in DATETIME_KEYS:
        return _when_text(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and key in VALUE_LABELS:
        return str(VALUE_LABELS[key].get(value, value))
    if isinstance(value, list):
        return "、".join(_value_text(key, item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


@dataclass
class TrailRow:
    """One event as the auditor sees it."""

    stream: str
    seq: int
    at: object
    actor: str
    action: str
    label: str
    details: list  # [(label, text)]
    hash: str
    order_number: str = ""
    chain_ok: bool = True


@dataclass
class Trail:
    """An audit history on the auditor screen: rows, the chains' status, what was left out."""

    subject: str
    rows: list
    checks: dict  # stream -> audit.services.StreamCheck
    hidden: int = 0  # events of orders the auditor may not read
    truncated: bool = False
    order: object = None
    staff: object = None
    version_problem: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self):
        return all(check.ok for check in self.checks.values()) and not self.version_problem

    @property
    def broken(self):
        """The failed chains, each with `label`: what failed, in words."""
        failed = [check for check in self.checks.values() if not check.ok]
        for check in failed:
            check.label = str(CHAIN_PROBLEMS.get(check.kind, check.kind))
        return failed


def _free_text_masked(order, access, key, text):
    if order is None or access == disclosure.Access.FULL or key not in FREE_TEXT_KEYS:
        return text
    return disclosure.persons_masked_in(order, text, redact=access in (disclosure.Access.SEALED,
                                                                       disclosure.Access.WITHHELD))


def _row(event, labels, order, access, number=""):
    payload = disclosure.payload_for(event.payload if isinstance(event.payload, dict) else {}, access)
    details = []
    for key, value in payload.items():
        if value in (None, "", [], {}):
            continue
        text = _free_text_masked(order, access, key, _value_text(key, value))
        details.append((_key_label(key), text))
    return TrailRow(stream=event.stream, seq=event.seq, at=event.at, actor=event.actor_label or _("系统"),
                    action=event.action, label=labels.get(event.action, event.action), details=details,
                    hash=event.hash, order_number=number)


def order_for_audit(*, user, number):
    """The order `number` if the auditor may read it (the disclosure rules' `order_readable`), else None."""
    return (WorkOrder.objects.filter(disclosure.orders_readable_q(user), number=number)
            .select_related("org", "handling_org", "customer").first())


def order_trail(*, order, user):
    """An order's whole history in chain order, its chain checked, and the order's version against
    the version its history recorded (as `audit verify` reconciles it). Four queries."""
    stream = f"{ORDER_STREAM_PREFIX}{order.pk}"
    events = list(AuditEvent.objects.filter(stream=stream).order_by("seq")[:ORDER_TRAIL_LIMIT + 1])
    truncated = len(events) > ORDER_TRAIL_LIMIT
    events = events[:ORDER_TRAIL_LIMIT]
    access = disclosure.person_access(order, user)
    labels = _action_labels()
    labels.update({f"order.{t.action}": str(t.label) for t in transitions_of(order.order_type)})
    rows = [_row(event, labels, order, access, order.number) for event in events]
    checks = streams_check([stream])
    for row in rows:
        row.chain_ok = _intact(checks.get(row.stream), row.seq)
    recorded = max([e.payload.get("version") for e in events
                    if isinstance(e.payload, dict) and isinstance(e.payload.get("version"), int)] or [1])
    version_problem = ""
    if checks[stream].ok and not truncated and recorded != order.version:
        version_problem = _("工单当前版本为 %(now)s，审计历史记录的版本为 %(recorded)s"
                            "（有未记入历史的修改，或最新事件被删除）。") % {"now": order.version, "recorded": recorded}
    return Trail(subject=order.number, rows=rows, checks=checks, truncated=truncated, order=order,
                 version_problem=version_problem)


def _intact(check, seq):
    return check is None or check.ok or seq < (check.seq or 0)


def staff_for_audit(*, user, query, exact_username=False):
    """A staff member in the auditor's scope by user name, or (unless `exact_username`) agent number
    (工号), the user name first; else None."""
    query = (query or "").strip()[:150]
    if not query:
        return None
    scope = Q() if user.is_superuser else orgs_visible_q(user, "org__path")
    wanted = Q(username=query) if exact_username else Q(username=query) | Q(agent_no=query)
    found = list(Staff.objects.filter(scope).filter(wanted).select_related("org").order_by("pk")[:5])
    return next((s for s in found if s.username == query), found[0] if found else None)


def user_trail(*, staff, user, limit=USER_TRAIL_LIMIT):
    """What `staff` did: their newest `limit` events (oldest first), each stream's chain checked.
    Orders the auditor may not read are left out and counted. Seven queries or fewer."""
    events = list(AuditEvent.objects.filter(actor_id=staff.pk).order_by("-at", "-pk")[:limit + 1])
    truncated = len(events) > limit
    events = sorted(events[:limit], key=lambda e: (e.at, e.pk))
    order_ids = {int(e.stream[len(ORDER_STREAM_PREFIX):]) for e in events
                 if e.stream.startswith(ORDER_STREAM_PREFIX) and e.stream[len(ORDER_STREAM_PREFIX):].isdigit()}
    orders = {}
    if order_ids:
        found = list(WorkOrder.objects.filter(pk__in=order_ids).select_related("org", "handling_org", "customer"))
        disclosure.attach_accusations(found)
        orders = {order.pk: order for order in found}
    labels, rows, hidden = _action_labels(), [], 0
    readable_cache = {}
    for event in events:
        order = None
        if event.stream.startswith(ORDER_STREAM_PREFIX):
            order = orders.get(_order_id(event.stream))
            if order is None or not _readable(order, user, readable_cache):
                hidden += 1  # rules K-7, K-9 and scope: not the auditor's to read
                continue
            access = disclosure.person_access(order, user)
        else:
            access = disclosure.personal_data_access(user)
        rows.append(_row(event, labels, order, access, order.number if order is not None else ""))
    checks = streams_check({row.stream for row in rows})
    for row in rows:
        row.chain_ok = _intact(checks.get(row.stream), row.seq)
    return Trail(subject=staff.username, rows=rows, checks=checks, hidden=hidden, truncated=truncated, staff=staff)


def _order_id(stream):
    tail = stream[len(ORDER_STREAM_PREFIX):]
    return int(tail) if tail.isdigit() else None


def _readable(order, user, cache):
    if order.pk not in cache:
        cache[order.pk] = disclosure.order_readable(order, user)
    return cache[order.pk]


# ---------------------------------------------------------------- export

EXPORT_COLUMNS = (_lazy("对象"), _lazy("序号"), _lazy("工单编号"), _lazy("时间"), _lazy("操作人"), _lazy("动作"),
                  _lazy("动作代码"), _lazy("内容"), _lazy("链校验"), _lazy("哈希"))


def _details_text(details):
    return "；".join(f"{label}: {text}" for label, text in details)


def _chain_text(ok):
    return _("完整") if ok else _("断裂")


def trail_csv_rows(trail):
    """The header and one row per event shown, for CSV."""
    yield [str(column) for column in EXPORT_COLUMNS]
    for row in trail.rows:
        yield [row.stream, row.seq, row.order_number, timezone.localtime(row.at).isoformat(), row.actor, row.label,
               row.action, _details_text(row.details), _chain_text(row.chain_ok), row.hash]


def trail_json(trail, *, exported_by):
    """The same rows as a JSON document, with the chains' status."""
    return {
        "format": "griddesk.audit.trail/1",
        "subject": trail.subject,
        "exported_at": timezone.now().isoformat(),
        "exported_by": str(exported_by),
        "chains_ok": trail.ok,
        "chain_problems": [{"stream": c.stream, "seq": c.seq, "what": c.label, "problem": c.problem}
                           for c in trail.broken],
        "version_problem": trail.version_problem,
        "hidden_events": trail.hidden,
        "truncated": trail.truncated,
        "events": [{
            "stream": row.stream, "seq": row.seq, "order": row.order_number, "at": row.at.isoformat(),
            "actor": row.actor, "action": row.action, "action_label": row.label,
            "details": [{"label": label, "value": text} for label, text in row.details],
            "chain_ok": row.chain_ok, "hash": row.hash,
        } for row in trail.rows],
    }
