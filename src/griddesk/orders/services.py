"""State changes of work orders. Every function: keyword-only, one transaction, audited.

Views, the API and imports call these; nothing else writes an order.
"""

import hashlib
import mimetypes
import os
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from griddesk import sealing
from griddesk.audit.services import audit_append, audit_append_many, stream_of
from griddesk.notify.models import NotifyChannel
from griddesk.notify.services import message_send
from griddesk.orders import clocks, disclosure, handover, reminders, visits
from griddesk.orders.intake import IntakeDraft, intake_write, order_numbers_take
from griddesk.orders.models import (
    Accusation,
    ApplicationKind,
    Channel,
    ComplaintCause,
    Evidence,
    FaultSide,
    OrderState,
    OrderType,
    PaidService,
    PayMethod,
    QuoteLine,
    Reminder,
    ReminderClose,
    ReminderKind,
    Satisfaction,
    SealedIdentity,
    VisitReason,
    WorkOrder,
)
from griddesk.orders.received import received_at_problem
from griddesk.orders.selectors import crew_covering, open_matter_of
from griddesk.orders.workflows import TransitionRefused, transition_for
from griddesk.orgs.models import Role, RoleCode
from griddesk.orgs.selectors import default_owner, org_in_scope
from griddesk.outages.selectors import outage_covering


class ConcurrentUpdate(Exception):
    """Someone else changed the order since it was read (optimistic concurrency; HTTP 409)."""


def order_number_next(*, day):
    """The next order number of `day` (see intake.order_numbers_take)."""
    return order_numbers_take(day=day)[0]


# Who must be reachable: a crew goes to the customer, an application is the customer's own file.
ANONYMITY_REFUSED = frozenset({OrderType.REPAIR, OrderType.APPLICATION})
ACCUSABLE_TYPES = disclosure.ACCUSABLE


def _validate_create(*, order_type, channel, category, received_at, now, fault_side, customer, anonymous=False,
                     accused=()):
    errors = {}
    if order_type not in OrderType.values:
        errors["order_type"] = _("未知的工单类型：%s") % order_type
    if channel not in Channel.values:
        errors["channel"] = _("未知的受理渠道：%s") % channel
    if category is not None and order_type in OrderType.values and not category.applies_to(order_type):
        errors["category"] = _("分类“%s”不适用于该工单类型。") % category.name
    received_at_wrong = received_at_problem(received_at, now)  # K-2: at most 90 days back, not ahead
    if received_at_wrong:
        errors["received_at"] = received_at_wrong
    if fault_side and fault_side not in FaultSide.values:
        errors["fault_side"] = _("未知的故障产权：%s") % fault_side
    if order_type == OrderType.REPAIR and customer is None:
        errors["customer"] = _("故障报修必须关联客户（用于确定供电路径、区域和抢修班组）。")
    if anonymous and order_type in ANONYMITY_REFUSED:
        errors["anonymous"] = _("故障报修和业务受理需要联系客户，不能匿名（匿名适用于投诉、举报、意见等，规则 K-7）。")
    if accused and order_type not in ACCUSABLE_TYPES:
        errors["accused"] = _("只有投诉和举报可以记录被投诉/举报单位（规则 K-9）。")
    if errors:
        raise ValidationError(errors)


def order_create(**kwargs):
    """Accept a work order (受理): `order_draft` then `order_draft_commit`; returns the order."""
    return order_draft_commit(order_draft(**kwargs))


def order_draft(
    *, order_type, channel, org=None, actor=None, owner=None, customer=None, category=None, received_at=None,
    title="", description="", caller_name="", caller_phone="", fault_side="",
    application_kind="", dual_source=False, anonymous=False, identity=None, accused=(), detect_repeat=True,
    extra=None,
):
    """Everything accepting an order needs to read and decide, with nothing written (受理草稿).

    - The actor becomes its owner of record (H-4); their agent number is kept (C-4). An order entered
      without one (a letter keyed in by a service, an import) gets `owner`, or the nearest shift
      leader up its unit's tree: no order is without an owner (K-5).
    - A repeat of an open matter becomes its child (子单), raises the parent's call
      count and reminds its owner (A-4), instead of a second dispatch.
    - A repair on the utility side, or where the side is unknown, is dispatched at once
      to the crew covering the customer's transformer (C-8, R-1).
    - A report or an anonymous matter is sealed (K-7): the caller's name, phone and account go
      into the encrypted identity, and the order keeps only the place (org, zone), not the customer.
    - `accused`: the units the complaint or report is about (K-9), kept for the order's life.
    - The deadlines of the rule set in force now start (issue 3); the order keeps that version.

    This is the national-peak hot path: three reads (open matter, crew, storms), each a
    prepared statement; the writes follow in `intake.intake_write`, alone or batched.
    """
    now = timezone.now()
    received_at = received_at or now
    accused = list(dict.fromkeys(accused or ()))
    _validate_create(order_type=order_type, channel=channel, category=category,
                     received_at=received_at, now=now, fault_side=fault_side, customer=customer,
                     anonymous=anonymous, accused=accused)
    org = org or (customer.org if customer else None) or (actor.org if actor else None)
    if org is None:
        raise ValidationError({"org": _("无法确定责任单位：请指定客户或单位。")})
    owner = actor or owner or default_owner(org)
    if owner is None:
        raise ValidationError({"owner": _("%s 及其上级单位没有在岗的值长或座席，无法确定首问责任人（规则 K-5、H-4）。")
                               % org})
    fault_side = fault_side or (FaultSide.UNKNOWN if order_type == OrderType.REPAIR else "")
    place = customer
    if disclosure.sealed_kind(order_type, anonymous):
        identity = _sealed_identity(identity, caller_name, caller_phone, customer)
        customer, caller_name, caller_phone = None, "", ""
    else:
        identity = None
    parent = open_matter_of(customer=customer, order_type=order_type, category=category,
                            now=now) if detect_repeat else None
    order = WorkOrder(
        order_type=order_type, channel=channel, received_at=received_at, accepted_at=now,
        category=category, customer=customer, org=org, owner=owner,
        agent_no=getattr(actor, "agent_no", "") or "", title=title, description=description,
        caller_name=caller_name, caller_phone=caller_phone, parent=parent, fault_side=fault_side,
        zone=place.zone if place else "", supply_voltage=place.supply_voltage if place else "",
        application_kind=application_kind or _application_kind(order_type, place, dual_source),
        anonymous=anonymous,
        created_at=now, updated_at=now,
    )
    disclosure.accusations_set(order, accused)
    draft = IntakeDraft(order=order, actor=actor, identity=identity, parent=parent, extra=extra,
                        accused=accused)
    order.planned_clocks = []  # the clocks the write will start, for an answer rendered before it
    if parent:  # rule A-4: archived under its parent at once, no clocks, no dispatch
        order.state, order.closed_at = OrderState.ARCHIVED, now
        return draft
    draft.plan = clocks.accept_plan(order=order, at=now)
    order.planned_clocks = [clock for clock, _pauses in draft.plan.clocks]
    order.ruleset_version = draft.plan.version
    if order_type == OrderType.REPAIR and fault_side != FaultSide.CUSTOMER_INTERNAL:
        # rule C-9: a call below a known or predicted outage joins it, with its crew (no new dispatch);
        # otherwise rule C-8: dispatched at once to the covering crew, in the same insert
        order.outage = outage_covering(transformer=customer.transformer, at=now)
        if order.outage is not None:
            order.crew_id = order.outage.crew_id
        else:
            order.crew = crew_covering(customer)
    order.state = OrderState.DISPATCHED if order.crew_id else OrderState.ACCEPTED
    return draft


def _sealed_identity(identity, caller_name, caller_phone, customer):
    """Rule K-7: who is behind a sealed matter, whatever channel brought it; None if nobody is known."""
    identity = {key: str((identity or {}).get(key) or "").strip() for key in ("name", "phone", "contact")}
    identity["name"] = identity["name"] or caller_name or (customer.name if customer else "")
    identity["phone"] = identity["phone"] or caller_phone
    identity["account_no"] = customer.account_no if customer else ""
    return identity if any(identity.values()) else None


def order_draft_commit(draft):
    """Write a draft of `order_draft` in one transaction; a repeat contact also updates its parent."""
    if draft.parent is None:
        return intake_write([draft])[0]
    with transaction.atomic():
        intake_write([draft])
        _record_repeat(parent=draft.parent, child=draft.order, actor=draft.actor, now=draft.order.accepted_at)
    return draft.order


def _application_kind(order_type, customer, dual_source=False):
    """Rule T-1's supply class, from the application: the customer's supply voltage and whether a
    high-voltage customer applies for two sources (双电源)."""
    if order_type != OrderType.APPLICATION or customer is None:
        return ""
    voltage = customer.supply_voltage
    if voltage == "220V":
        return ApplicationKind.RESIDENT
    if voltage == "380V":
        return ApplicationKind.LV_NONRESIDENT
    return ApplicationKind.HV_DUAL if dual_source else ApplicationKind.HV_SINGLE


def _record_repeat(*, parent, child, actor, now):
    """A repeat contact: the child is archived under its parent, the owner is reminded (A-4)."""
    WorkOrder.objects.filter(pk=parent.pk).update(call_count=F("call_count") + 1, updated_at=now)
    parent.call_count += 1
    audit_append(stream=stream_of(parent), action="order.repeat_contact", actor=actor, at=now,
                 payload={"child": child.number, "call_count": parent.call_count})
    reminder_send(order=parent, kind=ReminderKind.REMIND, actor=actor,  # to whoever holds it (K-6)
                  reason=_("客户再次来电催促（第 %d 次来电），子单 %s") % (parent.call_count, child.number))


# ---------------------------------------------------------------- transitions


def _check_actor(order, transition, actor):
    if actor is None:
        return  # system actions (sweeper, imports) are attributed to no person
    if not actor.has_role(*transition.roles):
        raise PermissionDenied(_("您的角色不能执行“%s”。") % transition.label)
    if not disclosure.order_readable(order, actor):
        raise PermissionDenied(_("工单 %s 不在您的管辖范围内。") % order.number)


def _advance(*, order, action, actor, expected_version=None, fields=None, payload=None, at=None):
    """Apply one workflow transition with optimistic concurrency; return the order updated.

    The order's update, its audit event and its clocks commit together or not at all (rule K-8):
    each event carries the version it made, so `audit verify` can reconcile orders with history.
    """
    transition = transition_for(order, action)
    _check_actor(order, transition, actor)
    at = at or timezone.now()
    fields = dict(fields or {})
    before = order.state
    if transition.target:
        fields["state"] = transition.target
    if fields.get("state") == OrderState.ARCHIVED:
        fields["closed_at"] = at
    version = order.version if expected_version is None else expected_version
    with transaction.atomic(savepoint=False):  # inside a caller's transaction, theirs is all-or-nothing
        updated = WorkOrder.objects.filter(pk=order.pk, version=version).update(
            version=F("version") + 1, updated_at=at, **fields
        )
        if updated:
            _advanced(order, action, actor, fields, before, version, payload, at)
    if not updated:  # nothing written: refused outside the block, so a caller's transaction stays usable
        raise ConcurrentUpdate(_("工单 %s 已被他人修改，请刷新后重试。") % order.number)
    return order


def _advanced(order, action, actor, fields, before, version, payload, at):
    """`_advance`'s writes after the order's conditional update: its event and its clocks."""
    for name, value in fields.items():
        setattr(order, name, value)
    order.version = version + 1
    order.updated_at = at
    audit_append(stream=stream_of(order), action=f"order.{action}", actor=actor, at=at,
                 payload={"from": before, "to": order.state, "version": order.version, **(payload or {})})
    order.started_clocks = clocks.clocks_on_transition(order=order, action=action, at=at)
    if visits.invite_due(order, before, action):  # rule C-12: the customer gets the satisfaction link
        visits.visit_invite(order, at=at)
    # rule K-6: the reminders this change settles close with it (the state moved on, or their desk
    # no longer holds the work)
    reminders.reminders_close_moved(order=order, actor=actor, at=at, before=before)


def order_outage_attach(*, order, outage, crew_id, at=None, actor=None):
    """A repair call joins the outage that explains it (rule C-9; the trouble-call analysis): it goes
    with the outage's one crew instead of its own ("the first call's dispatch moves to the outage"),
    version moved on and audited like any change of the order (rule K-8).

    The analyser reads orders while crews work them: the update is conditional on the version it
    read, and on a concurrent change the order is read again, so no event names a stale version."""
    at = at or timezone.now()
    for _attempt in range(5):
        with transaction.atomic(savepoint=False):
            if _outage_attach_once(order, outage, crew_id, at, actor):
                return order
        order.refresh_from_db(fields=["version", "state", "crew", "outage"])
        if order.outage_id == outage.pk:
            return order
    raise ConcurrentUpdate(_("工单 %s 已被他人修改，请刷新后重试。") % order.number)


def orders_outage_attach(*, orders, outage, crew_id, at=None, actor=None):
    """Many calls join one outage at once: `order_outage_attach` for the analyser's batches, with
    the audit events of all of them in a constant number of queries (one version-checked update per
    order, rule K-8). An order changed meanwhile, or with an open reminder to settle (K-6), goes
    through `order_outage_attach` on its own."""
    at = at or timezone.now()
    single, done = [], []
    with transaction.atomic(savepoint=False):
        chased = set(Reminder.objects.filter(order__in=[o.pk for o in orders], done_at__isnull=True)
                     .values_list("order_id", flat=True))
        for order in orders:
            if order.pk in chased:
                single.append(order)
                continue
            crew_from, version = order.crew_id, order.version
            fields = _outage_attach_fields(order, outage, crew_id, at)
            if WorkOrder.objects.filter(pk=order.pk, version=version).update(**fields):
                done.append((order, crew_from, fields))
            else:
                single.append(order)
        audit_append_many([
            {"stream": stream_of(order), "action": "order.outage_attached", "actor": actor,
             "payload": {"outage": outage.code, "crew_from": crew_from, "crew": crew_id, "version": fields["version"]}}
            for order, crew_from, fields in done], at=at)
    for order, _crew_from, fields in done:
        order.outage, order.version = outage, fields["version"]
        order.crew_id, order.state = fields.get("crew_id", order.crew_id), fields.get("state", order.state)
    for order in single:
        order_outage_attach(order=order, outage=outage, crew_id=crew_id, at=at, actor=actor)
    return orders


def _outage_attach_fields(order, outage, crew_id, at):
    fields = {"outage": outage, "version": order.version + 1, "updated_at": at}
    if crew_id is not None and order.crew_id != crew_id:
        fields["crew_id"] = crew_id
        if order.state == OrderState.ACCEPTED:
            fields["state"] = OrderState.DISPATCHED
    return fields


def _outage_attach_once(order, outage, crew_id, at, actor):
    before, crew_from, version = order.state, order.crew_id, order.version
    fields = _outage_attach_fields(order, outage, crew_id, at)
    if not WorkOrder.objects.filter(pk=order.pk, version=version).update(**fields):
        return False
    audit_append(stream=stream_of(order), action="order.outage_attached", actor=actor, at=at,
                 payload={"outage": outage.code, "crew_from": crew_from, "crew": crew_id,
                          "version": version + 1})
    order.outage, order.version = outage, version + 1
    order.crew_id, order.state = fields.get("crew_id", order.crew_id), fields.get("state", order.state)
    # rule K-6: reminders chasing the crew it had are settled; its new crew is already on the outage
    reminders.reminders_close_moved(order=order, actor=actor, at=at, before=before)
    return True


def order_outage_detach(*, order, actor=None, at=None, reason=""):
    """A call leaves the outage it had joined (a dispatcher rejected the outage, or moved or split it
    away from the caller's supply path): it keeps its crew; version moved on and audited (rule K-8)."""
    at = at or timezone.now()
    for _attempt in range(5):
        with transaction.atomic(savepoint=False):
            version, outage_id = order.version, order.outage_id
            if outage_id is None:
                return order
            if WorkOrder.objects.filter(pk=order.pk, version=version).update(
                    outage=None, version=version + 1, updated_at=at):
                audit_append(stream=stream_of(order), action="order.outage_detached", actor=actor, at=at,
                             payload={"outage": order.outage.code if order.outage else outage_id,
                                      "reason": reason, "version": version + 1})
                order.outage, order.version = None, version + 1
                return order
        order.refresh_from_db(fields=["version", "state", "crew", "outage"])
    raise ConcurrentUpdate(_("工单 %s 已被他人修改，请刷新后重试。") % order.number)


def order_outage_restore(*, order, actor, at=None):
    """The outage this call joined is restored (rule C-12): the order is resolved with it (step
    `outage_restore`: its arrival and restoration clocks stop, a repair visit is drawn as for a crew's
    own restoration), audited and versioned like every step."""
    fields, payload = {}, {"outage": order.outage.code if order.outage_id else None}
    if not order.visit_wanted and repair_visit_sampled(order):
        fields["visit_wanted"] = payload["visit_sampled"] = True  # rule C-12
    with transaction.atomic():
        for _attempt in range(5):
            try:
                return _advance(order=order, action="outage_restore", actor=actor, at=at, fields=fields,
                                payload=payload)
            except ConcurrentUpdate:  # a crew stepped it meanwhile: read it again and retry
                order.refresh_from_db()
                if order.state in (OrderState.RESOLVED, OrderState.VISITED, OrderState.ARCHIVED):
                    return order
        raise ConcurrentUpdate(_("工单 %s 已被他人修改，请刷新后重试。") % order.number)


def order_customer_tell(*, order, subject, body, action, actor=None, at=None, payload=None, dedupe_key=None):
    """Tell the customer of an order something by SMS through the outbox, recorded on the order (an
    event its timeline shows). Nothing is sent without a phone; returns the message or None."""
    phone = order.customer.phone if order.customer_id else order.caller_phone
    if not phone:
        return None
    at = at or timezone.now()
    message = message_send(channel=NotifyChannel.SMS, address=phone, order=order, subject=subject, body=body,
                           dedupe_key=dedupe_key, at=at)
    audit_append(stream=stream_of(order), action=action, actor=actor, at=at,
                 payload={"note": body, **(payload or {})})
    return message


def order_dispatch(*, order, actor, crew=None, expected_version=None):
    """Dispatch a repair to the crew covering the customer's transformer (派工), rules C-8, R-1.
    A crew named by the actor must be one of their scope's (issue 8: targets of every write)."""
    if crew is not None:
        _target_in_scope(actor, crew.org, "crew", _("抢修班组 %s 不在您的管辖范围内。") % crew)
    crew = crew or crew_covering(order.customer)
    if crew is None:
        raise ValidationError({"crew": _("找不到负责该台区的抢修班组，请在管理后台配置。")})
    with transaction.atomic():
        order = _advance(order=order, action="dispatch", actor=actor, expected_version=expected_version,
                         fields={"crew": crew}, payload={"crew": crew.code})
        handover.dispatched(order, crew, at=order.updated_at)  # the crew is paged: SMS and console
    return order


def _target_in_scope(actor, org, field, message):
    """Every target a user writes to (department, crew, recipient) lies in their scope; system
    actions (no actor: the sweeper, imports) are not limited."""
    if actor is not None and not org_in_scope(actor, org):
        raise ValidationError({field: message})


def order_guide(*, order, actor, guidance, expected_version=None):
    """Customer-internal fault: troubleshooting guided by phone (rule C-8)."""
    _require_text(guidance, "guidance", _("指导内容"))
    return _advance(order=order, action="guide", actor=actor, expected_version=expected_version,
                    payload={"guidance": guidance})


def order_quote(*, order, actor, lines, expected_version=None):
    """Quote a paid repair, line by line (rules P-1..P-3): item, material, quantity, unit price."""
    transition_for(order, "quote")  # a utility-side repair is never quoted (P-1): refused before parsing
    parsed = _parse_quote_lines(lines)
    total = sum((q * p for _i, _m, q, p in parsed), Decimal("0"))
    with transaction.atomic():
        order = _advance(order=order, action="quote", actor=actor, expected_version=expected_version,
                         payload={"lines": [[i, m, str(q), str(p)] for i, m, q, p in parsed],
                                  "total": str(total)})
        QuoteLine.objects.filter(order=order).delete()
        QuoteLine.objects.bulk_create(
            QuoteLine(order=order, item=i, material=m, quantity=q, unit_price=p) for i, m, q, p in parsed
        )
        PaidService.objects.update_or_create(order=order, defaults={"total": total, "consent_at": None})
    return order


def _parse_quote_lines(lines):
    if not lines:
        raise ValidationError({"lines": _("报价至少需要一项。")})
    parsed = []
    for number, line in enumerate(lines, start=1):
        item = str(line.get("item", "")).strip()
        if not item:
            raise ValidationError({"lines": _("第 %d 行缺少项目名称。") % number})
        try:
            quantity = Decimal(str(line.get("quantity", "")))
            unit_price = Decimal(str(line.get("unit_price", "")))
        except InvalidOperation:
            raise ValidationError({"lines": _("第 %d 行的数量或单价不是数字。") % number}) from None
        if quantity <= 0 or unit_price < 0:
            raise ValidationError({"lines": _("第 %d 行的数量必须大于0，单价不能为负。") % number})
        parsed.append((item, str(line.get("material", "")).strip(), quantity, unit_price))
    return parsed


def order_consent(*, order, actor, consent_by, method, expected_version=None):
    """The customer's recorded consent to the quoted lines (rule P-3); only then may work start."""
    _require_text(consent_by, "consent_by", _("确认人"))
    _require_text(method, "method", _("确认方式"))
    with transaction.atomic():
        order = _advance(order=order, action="consent", actor=actor, expected_version=expected_version,
                         payload={"consent_by": consent_by, "method": method})
        PaidService.objects.filter(order=order).update(
            consent_at=order.updated_at, consent_by=consent_by, consent_method=method
        )
    return order


def order_pay(*, order, actor, method, reference="", expected_version=None):
    """The customer's payment of a consented paid service (收费登记), rule P-3: its own step, with
    the way it was paid; the invoice follows it."""
    if method not in PayMethod.values:
        raise ValidationError({"method": _("请选择收费方式：%s") % "、".join(str(label) for label in PayMethod.labels)})
    with transaction.atomic():
        order = _advance(order=order, action="pay", actor=actor, expected_version=expected_version,
                         payload={"method": method, "reference": reference})
        PaidService.objects.filter(order=order).update(paid_at=order.updated_at, pay_method=method,
                                                       pay_reference=(reference or "")[:60])
    return order


def order_invoice(*, order, actor, invoice_no, expected_version=None):
    """The formal invoice after payment (rule P-3), once."""
    _require_text(invoice_no, "invoice_no", _("发票号"))
    with transaction.atomic():
        order = _advance(order=order, action="invoice", actor=actor, expected_version=expected_version,
                         payload={"invoice_no": invoice_no})
        PaidService.objects.filter(order=order).update(invoice_no=invoice_no)
    return order


def order_crew_step(*, order, actor, step, note="", at=None, expected_version=None):
    """A crew's step on site: crew_accept, arrive (stops R-2), survey, repair, restore."""
    if step not in {"crew_accept", "arrive", "survey", "repair", "restore"}:
        raise TransitionRefused(_("未知的抢修环节：%s") % step)
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=1):
        raise ValidationError({"at": _("时间不能晚于当前时间。")})
    if at < order.accepted_at - timedelta(minutes=1):
        raise ValidationError({"at": _("时间不能早于受理时间。")})
    if step == "survey":
        _require_text(note, "note", _("勘查情况"))
    fields, payload = {}, {"note": note}
    if step == "restore" and not order.visit_wanted and repair_visit_sampled(order):
        fields["visit_wanted"] = payload["visit_sampled"] = True  # rule C-12
    return _advance(order=order, action=step, actor=actor, expected_version=expected_version,
                    at=at, fields=fields, payload=payload)


def repair_visit_sampled(order):
    """Rule C-12: whether a restored repair is drawn for a return visit, at the configured share
    (settings.GRIDDESK_REPAIR_VISIT_SHARE); drawn from the order number, so a replay draws the same."""
    share = settings.GRIDDESK_REPAIR_VISIT_SHARE
    draw = int(hashlib.sha256(order.number.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return draw < share


def order_request_visit(*, order, actor, reason, expected_version=None):
    """Ask for a repair's return visit (要求回访), rule C-12: it cannot be archived without one."""
    _require_text(reason, "reason", _("回访原因"))
    return _advance(order=order, action="request_visit", actor=actor, expected_version=expected_version,
                    fields={"visit_wanted": True}, payload={"reason": reason})


def order_forward(*, order, actor, department, note="", expected_version=None):
    """Forward a complaint or report to the department that must handle it (rule K-3): one in
    the actor's scope, and never a report to the unit it is about (rule K-9)."""
    if order.handling_org_id == department.pk:
        raise ValidationError({"department": _("工单已在该部门处理。")})
    _target_in_scope(actor, department, "department", _("处理部门 %s 不在您的管辖范围内。") % department)
    if order.order_type == OrderType.REPORT and disclosure.org_accused(department, order):
        raise ValidationError({"department": _("举报不能转派给被举报单位 %s（规则 K-9）。") % department})
    with transaction.atomic():
        order = _advance(order=order, action="forward", actor=actor, expected_version=expected_version,
                         fields={"handling_org": department,
                                 "transfer_count": order.transfer_count + 1},
                         payload={"department": department.code, "note": note})
        handover.forwarded(order, department, actor, at=order.updated_at)  # the department's desk is told
    return order


def order_bounce(*, order, actor, reason, expected_version=None):
    """The department sends it back (退单): counted (rule K-5), the owner must re-route it."""
    _require_text(reason, "reason", _("退单原因"))
    with transaction.atomic():
        order = _advance(order=order, action="bounce", actor=actor, expected_version=expected_version,
                         fields={"handling_org": None, "bounce_count": order.bounce_count + 1},
                         payload={"reason": reason})
        handover.bounced(order, actor, reason, at=order.updated_at)  # back to the owner, who routes it again
    return order


def order_contact(*, order, actor, note, expected_version=None):
    _require_text(note, "note", _("联系情况"))
    return _advance(order=order, action="contact", actor=actor, expected_version=expected_version,
                    payload={"note": note})


def order_findings(*, order, actor, findings, cause, responsibility="", evidence=None, expected_version=None):
    """Findings on facts and law (K-4) with the responsibility cause (A-2) and, optionally,
    an evidence file: all or nothing."""
    _require_text(findings, "findings", _("调查结果"))
    if cause not in ComplaintCause.values:
        raise ValidationError({"cause": _("请选择责任原因（规则 A-2）。")})
    with transaction.atomic():
        order = _advance(order=order, action="findings", actor=actor, expected_version=expected_version,
                         fields={"cause": cause},
                         payload={"findings": findings, "cause": cause, "responsibility": responsibility})
        if evidence is not None:
            evidence_attach(order=order, actor=actor, file=evidence, stage="findings")
    return order


MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def evidence_attach(*, order, actor, file, note="", stage=""):
    """Attach a file to an order (上传附件, rule K-4): stored with its SHA-256, so a file swapped
    on disk later is detected, and the upload is an audit event of the order (rule K-8)."""
    if file is None or not file.size:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    if file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": _("文件不能超过 %d MB。") % (MAX_EVIDENCE_BYTES // 1024 // 1024)})
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    name = os.path.basename(file.name)[:100]
    with transaction.atomic():
        evidence = Evidence(order=order, stage=stage or order.state, note=(note or "")[:200],
                            sha256=digest.hexdigest(), uploaded_by=actor,
                            content_type=evidence_content_type(getattr(file, "content_type", None), name))
        evidence.file.save(name, file, save=False)
        evidence.save()
        audit_append(stream=stream_of(order), action="order.evidence", actor=actor,
                     payload={"file": name, "sha256": evidence.sha256, "bytes": file.size,
                              "stage": evidence.stage, "note": evidence.note})
    return evidence


CONTENT_TYPE_FORM = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
OCTET_STREAM = "application/octet-stream"


def evidence_content_type(declared, name):
    """The type an upload is stored and served as: the one the browser declared when it is a plain
    `type/subtype` (parameters dropped, lower case), else the one the file name suggests, else
    application/octet-stream. Never anything that could split a header."""
    declared = (declared or "").split(";")[0].strip().lower()
    if CONTENT_TYPE_FORM.match(declared):
        return declared
    guessed, _encoding = mimetypes.guess_type(name or "")
    return guessed if guessed and CONTENT_TYPE_FORM.match(guessed) else OCTET_STREAM


def evidence_download(*, order, evidence_id, actor):
    """An order's evidence file for `actor` to download, the download audited on the order (who,
    which file; rule K-8). The caller checked that `actor` may read the order
    (`disclosure.order_readable`); the evidence must belong to that very order. Returns
    (evidence, open file); raises Evidence.DoesNotExist when there is no such file of this order,
    or its stored file is missing or lies outside the media directory (never served)."""
    evidence = Evidence.objects.filter(order=order, pk=evidence_id).first()
    if evidence is None or not evidence.file.name:
        raise Evidence.DoesNotExist
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (OSError, SuspiciousFileOperation):
        raise Evidence.DoesNotExist from None
    audit_append(stream=stream_of(order), action="order.evidence_downloaded", actor=actor,
                 payload={"evidence": evidence.pk, "file": evidence_filename(evidence), "sha256": evidence.sha256})
    return evidence, handle


def evidence_filename(evidence):
    """The name a download is offered under: the stored file's own name, without any directory."""
    return os.path.basename(evidence.file.name or "") or f"evidence-{evidence.pk}"


def order_reply(*, order, actor, reply, expected_version=None):
    """The reply to the customer, which stops the K-3 clock."""
    _require_text(reply, "reply", _("答复内容"))
    return _advance(order=order, action="reply", actor=actor, expected_version=expected_version,
                    payload={"reply": reply})


def order_visit(*, order, actor, satisfaction, note="", reasons=(), channel="", expected_version=None):
    """Return visit with satisfaction (rule C-12). `reasons`: why not fully satisfied (VisitReason codes,
    kept in the event); `channel` "link" when the customer answered the SMS link (orders.visits)."""
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意度。")})
    reasons = list(dict.fromkeys(reasons or ()))
    if any(reason not in VisitReason.values for reason in reasons):
        raise ValidationError({"reasons": _("未知的不满意原因。")})
    payload = {"satisfaction": satisfaction, "note": note}
    if reasons:
        payload["reasons"] = reasons
    if channel:
        payload["visit_channel"] = channel
    return _advance(order=order, action="visit", actor=actor, expected_version=expected_version,
                    fields={"satisfaction": satisfaction}, payload=payload)


def order_answer(*, order, actor, answer, expected_version=None):
    _require_text(answer, "answer", _("答复内容"))
    return _advance(order=order, action="answer", actor=actor, expected_version=expected_version,
                    payload={"answer": answer})


def order_owe_callback(*, order, actor, phone, note="", expected_version=None):
    """Cannot answer at once: apologise, take a number, call back (rule C-6)."""
    _require_text(phone, "phone", _("回电号码"))
    return _advance(order=order, action="owe_callback", actor=actor, expected_version=expected_version,
                    payload={"phone": phone, "note": note})


APPLICATION_STAGES = ("reply_plan", "submit_design", "review_design", "inspect", "inspect_fail",
                      "sign_contract", "energise")
# Stages whose note is a written opinion the customer receives: the design review (T-2) and a failed
# inspection's rectification opinion (M-2).
WRITTEN_OPINION = {"review_design": _lazy("书面审查意见"), "inspect_fail": _lazy("书面整改意见")}


def order_application_stage(*, order, actor, stage, note="", delay_reason="", expected_version=None):
    """Move a business application to its next stage (rules T-1..T-3).

    A stage finished after its deadline needs a delay reason (rule T-1: explain any delay).
    """
    if stage not in APPLICATION_STAGES:
        raise TransitionRefused(_("未知的业务环节：%s") % stage)
    if stage in WRITTEN_OPINION:
        _require_text(note, "note", WRITTEN_OPINION[stage])
    late = clocks.late_clocks_stopped_by(order=order, action=stage, at=timezone.now())
    if late and not delay_reason.strip():
        raise ValidationError({"delay_reason": _("已超过时限 %s，请填写延期原因（规则 T-1）。")
                               % ", ".join(c.label for c in late)})
    with transaction.atomic():
        order = _advance(order=order, action=stage, actor=actor, expected_version=expected_version,
                         payload={"note": note, "delay_reason": delay_reason})
        if late:
            clocks.clocks_record_delay_reason(clocks=late, reason=delay_reason)
            _tell_customer_of_delay(order, late, delay_reason)
    return order


def _tell_customer_of_delay(order, late, reason):
    """Rule T-1: explain any delay: the customer gets the reason through the outbox (SMS)."""
    phone = order.customer.phone if order.customer_id else order.caller_phone
    if not phone:
        return
    message_send(
        channel=NotifyChannel.SMS, address=phone, order=order, subject=_("业务办理延期说明"),
        body=_("您的业务申请（工单 %(number)s）“%(stages)s”超过了承诺时限，原因：%(reason)s。给您带来不便，敬请谅解。")
        % {"number": order.number, "stages": "、".join(c.label for c in late), "reason": reason},
    )


def order_archive(*, order, actor, expected_version=None):
    """Archive (归档). A complaint's workflow already demands reply and visit (C-12); a repair
    needs its return visit first when it was paid (P-4) or its rule set asks for one (C-12)."""
    if order.state != OrderState.VISITED and clocks.repair_visit_required(order):
        raise TransitionRefused(_("工单 %s 需先回访客户才能归档（规则 C-12、P-4）。") % order.number)
    paid = PaidService.objects.filter(order=order, consent_at__isnull=False).first()
    if paid is not None and not (paid.paid_at and paid.invoice_no):
        raise TransitionRefused(_("有偿服务 %s 须登记收费并开具发票后才能归档（规则 P-3）。") % order.number)
    return _advance(order=order, action="archive", actor=actor, expected_version=expected_version)


def order_transfer_to_leader(*, order, actor, note="", expected_version=None):
    """Hand a hard caller over to the shift leader (rule C-11): recorded, a reminder to the post of the
    nearest shift leaders up the agent's tree (each of them told), else to the order's unit."""
    with transaction.atomic():
        order = _advance(order=order, action="transfer_to_leader", actor=actor, payload={"note": note},
                         expected_version=expected_version)
        leaders = handover.shift_leaders_unit(actor, order)  # chosen here: no scope check of a named target
        _reminder_write(order=order, kind=ReminderKind.REMIND, actor=actor, to_org=leaders or order.org,
                        to_role=RoleCode.SHIFT_LEADER if leaders else "",
                        reason=(_("坐席转值长：%s") % (note or _("客户情绪激动")))[:REMINDER_REASON_MAX])
    return order


def reminder_send(*, order, kind, actor, reason, to_user=None, to_org=None, to_crew=None, to_role="",
                  due_at=None, clock_key=""):
    """A reminder (催办) or supervision item (督办), rule K-6, with its own deadline (`due_at`, else the
    default of its kind: `reminders.reminder_due`).

    Without a named recipient it goes where `reminders.reminder_route` says: a 催办 to whoever holds
    the work now (crew, assignee, department, owner), a 督办 to the supervisor above that desk. A named
    recipient must be one of the order's parties or lie in the sender's scope. The recipient is told
    and the owner of record copied (H-4), in the same transaction (`handover.reminded`)."""
    if kind not in ReminderKind.values:
        raise ValidationError({"kind": _("未知的催办类型：%s") % kind})
    if kind == ReminderKind.SUPERVISE and actor is not None and not actor.has_role(
        RoleCode.SUPERVISOR, RoleCode.MANAGER, RoleCode.SHIFT_LEADER
    ):
        raise PermissionDenied(_("只有督办、管理人员或值长可以督办。"))
    _reminder_check(reason, due_at)
    if order.state == OrderState.ARCHIVED:
        raise TransitionRefused(_("工单 %s 已归档，无需催办。") % order.number)
    if to_user is None and to_org is None and to_crew is None:
        route = reminders.reminder_route(order, kind)
        to_user, to_org, to_crew = route.to_user, route.to_org, route.to_crew
    else:
        # The order's own parties (its owner, handler, units, crew) can always be reminded; anyone else
        # only inside the sender's scope (issue 8: a reminder addressed to another city).
        if to_org is not None and to_org.pk not in (order.org_id, order.handling_org_id):
            _target_in_scope(actor, to_org, "to_org", _("接收单位 %s 不在您的管辖范围内。") % to_org)
        if to_user is not None and to_user.pk not in (order.owner_id, order.assignee_id):
            _target_in_scope(actor, to_user.org, "to_user", _("接收人 %s 不在您的管辖范围内。") % to_user)
        if to_crew is not None and to_crew.pk != order.crew_id:
            _target_in_scope(actor, to_crew.org, "to_crew", _("抢修班组 %s 不在您的管辖范围内。") % to_crew)
    return _reminder_write(order=order, kind=kind, actor=actor, reason=reason, to_user=to_user, to_org=to_org,
                           to_crew=to_crew, to_role=to_role, due_at=due_at, clock_key=clock_key)


def _reminder_write(*, order, kind, actor, reason, to_user=None, to_org=None, to_crew=None, to_role="",
                    due_at=None, clock_key=""):
    """`reminder_send`'s writes, for a recipient already decided: the reminder with its own deadline,
    its audit event and its notifications, in one transaction."""
    now = timezone.now()
    due_at = due_at or reminders.reminder_due(order, kind, now)
    with transaction.atomic():
        reminder = Reminder.objects.create(
            order=order, kind=kind, to_user=to_user, to_org=to_org, to_crew=to_crew, to_role=to_role,
            from_user=actor, reason=reason, due_at=due_at, clock_key=clock_key, created_at=now,
        )
        audit_append(stream=stream_of(order), action=f"order.{kind}", actor=actor, at=now,
                     payload={"reason": reason, "to_user": to_user.pk if to_user else None,
                              "to_org": to_org.code if to_org else None,
                              "to_crew": to_crew.code if to_crew else None, "to_role": to_role or None,
                              "due_at": due_at.isoformat(), "clock": clock_key})
        handover.reminded(reminder, at=now)
    return reminder


REMINDER_REASON_MAX = 200  # Reminder.reason
REMINDER_DUE_MAX = timedelta(days=366)


def _reminder_check(reason, due_at):
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写催办原因。")})
    if len(reason) > REMINDER_REASON_MAX:
        raise ValidationError({"reason": _("原因不能超过 %d 个字。") % REMINDER_REASON_MAX})
    now = timezone.now()
    if due_at is not None and not now < due_at <= now + REMINDER_DUE_MAX:
        raise ValidationError({"due_at": _("办理期限必须晚于当前时间，且在一年之内。")})


def reminder_done(*, reminder, actor, note=""):
    """Mark a reminder or supervision item handled (办结), by its recipient or a shift leader."""
    if reminder.done_at is not None:
        raise TransitionRefused(_("该催办/督办已办结。"))
    mine = reminders.addressed_to(reminder, actor)
    leader = actor.has_role(RoleCode.SHIFT_LEADER, RoleCode.SUPERVISOR, RoleCode.MANAGER)
    if not (mine or leader or actor.is_superuser):
        raise PermissionDenied(_("只有接收人或值长、督办可以办结。"))
    now = timezone.now()
    with transaction.atomic():
        updated = Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(
            done_at=now, close_reason=ReminderClose.DONE)
        if not updated:
            raise ConcurrentUpdate(_("该催办/督办已被他人办结。"))
        reminder.done_at = now
        audit_append(stream=stream_of(reminder.order), action=f"order.{reminder.kind}_done", actor=actor,
                     at=now, payload={"reminder": reminder.pk, "note": note})
    return reminder


def may_open_identity(order, user):
    """Rules K-7, K-9: a role named for it (administrators are not, by being administrators), and
    never anyone of a unit the matter is about."""
    named = Role.objects.filter(staff=user, can_open_sealed_identity=True).exists()
    return named and disclosure.order_readable(order, user) and not disclosure.is_accused(user, order)


def identity_open(*, order, actor, purpose):
    """Open a sealed identity (rules K-7, K-9): named roles only, every opening and refusal audited."""
    _require_text(purpose, "purpose", _("查看事由"))
    if not may_open_identity(order, actor):
        audit_append(stream=stream_of(order), action="identity.refused", actor=actor,
                     payload={"purpose": purpose})
        raise PermissionDenied(_("您无权查看举报人身份（规则 K-7）。"))
    identity = SealedIdentity.objects.filter(order=order).first()
    audit_append(stream=stream_of(order), action="identity.opened", actor=actor,
                 payload={"purpose": purpose})
    return identity


def sealed_identities_reencrypt(*, write=True, batch=500):
    """Re-encrypt every sealed identity under the seal ring's first key (after `keys rotate seal`),
    plain legacy values included; rows no key opens are counted and left as they are.
    Returns (readable, unreadable)."""
    fields = ("name", "phone", "contact", "account_no")
    readable = unreadable = 0
    for identity in SealedIdentity.objects.order_by("pk").iterator(chunk_size=batch):
        if any(isinstance(getattr(identity, name), sealing.Unreadable) for name in fields):
            unreadable += 1
            continue
        readable += 1
        if write:  # get_prep_value seals again under the newest key
            SealedIdentity.objects.filter(pk=identity.pk).update(**{name: getattr(identity, name) for name in fields})
    return readable, unreadable


def person_reveal(*, order, actor):
    """"Show" the masked personal data behind an order (显示完整信息): audited, never a sealed
    identity (K-7) nor a complainant to the accused (K-9). Returns the unmasked `Person`."""
    if not disclosure.order_readable(order, actor):
        raise PermissionDenied(_("工单 %s 不在您的管辖范围内。") % order.number)
    access = disclosure.person_access(order, actor)
    if access in (disclosure.Access.SEALED, disclosure.Access.WITHHELD):
        raise PermissionDenied(str(disclosure.NOTICES[access]))
    audit_append(stream=stream_of(order), action="person.shown", actor=actor, payload={"access": str(access)})
    return disclosure.person_of(order, actor, reveal=True)


def customer_reveal(*, customer, actor):
    """"Show" a customer's masked personal data (caller page, card): audited on the customer."""
    access = disclosure.personal_data_access(actor)
    audit_append(stream=stream_of(customer), action="customer.shown", actor=actor, payload={"access": str(access)})
    return disclosure.customer_view(customer, actor, reveal=True)


def order_accuse(*, order, actor, org, note=""):
    """Record a unit the complaint or report is about (被投诉/举报单位, rule K-9): from now on its staff
    see nothing of who complained, and a report is hidden from them. Never removed."""
    if order.order_type not in ACCUSABLE_TYPES:
        raise ValidationError({"org": _("只有投诉和举报可以记录被投诉/举报单位（规则 K-9）。")})
    if actor is not None and not actor.has_role(*ACCUSE_ROLES):
        raise PermissionDenied(_("您的角色不能记录被投诉/举报单位。"))
    if actor is not None and not disclosure.order_readable(order, actor):
        raise PermissionDenied(_("工单 %s 不在您的管辖范围内。") % order.number)
    if org.pk in disclosure.accused_ids(order):
        raise ValidationError({"org": _("已记录 %s 为被投诉/举报单位。") % org})
    now = timezone.now()
    with transaction.atomic():
        Accusation.objects.create(order=order, org=org, recorded_by=actor, recorded_at=now, note=(note or "")[:200])
        audit_append(stream=stream_of(order), action="order.accused", actor=actor, at=now,
                     payload={"org": org.code, "note": note})
    disclosure.accusations_forget(order)
    return order


ACCUSE_ROLES = (RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.BACK_OFFICE, RoleCode.SUPERVISOR,
                RoleCode.MANAGER)


def _require_text(value, field, label):
    if not (value or "").strip():
        raise ValidationError({field: _("请填写%s。") % label})


WAIT_REASON_MAX = 200  # ClockPause.reason, SlaClock.pause_reason


def _customer_wait_check(*, order, action, actor):
    """Waiting on the customer is for business applications (rules H-6, T-1..T-3); the workflow
    refuses an archived order, the roles and scope are those of the application stages."""
    if order.order_type != OrderType.APPLICATION:
        raise TransitionRefused(_("只有业务受理工单可以因客户原因暂停时限。"))
    _check_actor(order, transition_for(order, action, conditions=False), actor)


def order_wait_customer(*, order, actor, reason, expected_version=None):
    """Waiting on the customer (资料不全、客户原因): the application's running clocks pause (issue 3)
    until `order_customer_back`. The state stays; the order's version moves on (optimistic concurrency)."""
    _require_text(reason, "reason", _("等待原因"))
    reason = reason.strip()
    if len(reason) > WAIT_REASON_MAX:
        raise ValidationError({"reason": _("等待原因不能超过 %d 个字。") % WAIT_REASON_MAX})
    _customer_wait_check(order=order, action="wait_customer", actor=actor)
    with transaction.atomic():
        running = list(order.clocks.filter(stopped_at__isnull=True))
        if any(clock.paused_since is not None for clock in running):
            raise TransitionRefused(_("工单 %s 已在等待客户，请先办理“客户已补齐资料”。") % order.number)
        if not running:
            raise TransitionRefused(_("该工单没有正在计时的时限。"))
        # two waits read at the same version: the second one's conditional update finds it moved and
        # raises ConcurrentUpdate, so it pauses nothing
        order = _advance(order=order, action="wait_customer", actor=actor, expected_version=expected_version,
                         payload={"reason": reason, "clocks": [c.key for c in running]})
        for clock in running:
            clocks.clock_pause(clock=clock, reason=reason, at=order.updated_at)
    return order


def order_customer_back(*, order, actor, note="", expected_version=None):
    """The customer has supplied what was missing: paused clocks run again, due times move later."""
    _customer_wait_check(order=order, action="customer_back", actor=actor)
    with transaction.atomic():
        paused = list(order.clocks.filter(stopped_at__isnull=True, paused_since__isnull=False))
        if not paused:
            raise TransitionRefused(_("工单 %s 没有在等待客户（没有暂停中的时限）。") % order.number)
        order = _advance(order=order, action="customer_back", actor=actor, expected_version=expected_version,
                         payload={"note": (note or "").strip(), "clocks": [c.key for c in paused]})
        for clock in paused:
            clocks.clock_resume(clock=clock, at=order.updated_at)
    return order
