"""State changes of work orders. Every function: keyword-only, one transaction, audited.

Views, the API and imports call these; nothing else writes an order.
"""

import hashlib
import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append, stream_of
from griddesk.orders import clocks
from griddesk.orders.intake import IntakeDraft, intake_write, order_numbers_take
from griddesk.orders.models import (
    ApplicationKind,
    Channel,
    ComplaintCause,
    Evidence,
    FaultSide,
    OrderState,
    OrderType,
    PaidService,
    QuoteLine,
    Reminder,
    ReminderKind,
    Satisfaction,
    SealedIdentity,
    WorkOrder,
)
from griddesk.orders.selectors import crew_covering, open_matter_of
from griddesk.orders.workflows import TransitionRefused, transition_for
from griddesk.orgs.models import Role, RoleCode
from griddesk.orgs.selectors import order_visible


class ConcurrentUpdate(Exception):
    """Someone else changed the order since it was read (optimistic concurrency; HTTP 409)."""


def order_number_next(*, day):
    """The next order number of `day` (see intake.order_numbers_take)."""
    return order_numbers_take(day=day)[0]


def _validate_create(*, order_type, channel, category, received_at, now, fault_side, customer):
    from griddesk.orders.received import received_at_problem

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
    if errors:
        raise ValidationError(errors)


def order_create(**kwargs):
    """Accept a work order (受理): `order_draft` then `order_draft_commit`; returns the order."""
    return order_draft_commit(order_draft(**kwargs))


def order_draft(
    *, order_type, channel, org=None, actor=None, customer=None, category=None, received_at=None,
    title="", description="", caller_name="", caller_phone="", fault_side="",
    application_kind="", anonymous=False, identity=None, detect_repeat=True, extra=None,
):
    """Everything accepting an order needs to read and decide, with nothing written (受理草稿).

    - The actor becomes its owner of record (H-4); their agent number is kept (C-4).
    - A repeat of an open matter becomes its child (子单), raises the parent's call
      count and reminds its owner (A-4), instead of a second dispatch.
    - A repair on the utility side, or where the side is unknown, is dispatched at once
      to the crew covering the customer's transformer (C-8, R-1).
    - A report's reporter identity is sealed apart from the order (K-7).
    - The deadlines of the rule set in force now start (issue 3); the order keeps that version.

    This is the national-peak hot path: three reads (open matter, crew, storms), each a
    prepared statement; the writes follow in `intake.intake_write`, alone or batched.
    """
    now = timezone.now()
    received_at = received_at or now
    _validate_create(order_type=order_type, channel=channel, category=category,
                     received_at=received_at, now=now, fault_side=fault_side, customer=customer)
    org = org or (customer.org if customer else None) or (actor.org if actor else None)
    if org is None:
        raise ValidationError({"org": _("无法确定责任单位：请指定客户或单位。")})
    fault_side = fault_side or (FaultSide.UNKNOWN if order_type == OrderType.REPAIR else "")
    parent = open_matter_of(customer=customer, order_type=order_type, category=category,
                            now=now) if detect_repeat else None
    order = WorkOrder(
        order_type=order_type, channel=channel, received_at=received_at, accepted_at=now,
        category=category, customer=customer, org=org, owner=actor,
        agent_no=getattr(actor, "agent_no", "") or "", title=title, description=description,
        caller_name=caller_name, caller_phone=caller_phone, parent=parent, fault_side=fault_side,
        zone=customer.zone if customer else "", supply_voltage=customer.supply_voltage if customer else "",
        application_kind=application_kind or _application_kind(order_type, customer), anonymous=anonymous,
        created_at=now, updated_at=now,
    )
    draft = IntakeDraft(order=order, actor=actor, identity=identity or None, parent=parent, extra=extra)
    order.planned_clocks = []  # the clocks the write will start, for an answer rendered before it
    if parent:  # rule A-4: archived under its parent at once, no clocks, no dispatch
        order.state, order.closed_at = OrderState.ARCHIVED, now
        return draft
    draft.plan = clocks.accept_plan(order=order, at=now)
    order.planned_clocks = [clock for clock, _pauses in draft.plan.clocks]
    order.ruleset_version = draft.plan.version
    if order_type == OrderType.REPAIR and fault_side != FaultSide.CUSTOMER_INTERNAL:
        order.crew = crew_covering(customer)  # rule C-8: dispatched at once, in the same insert
    order.state = OrderState.DISPATCHED if order.crew else OrderState.ACCEPTED
    return draft


def order_draft_commit(draft):
    """Write a draft of `order_draft` in one transaction; a repeat contact also updates its parent."""
    if draft.parent is None:
        return intake_write([draft])[0]
    with transaction.atomic():
        intake_write([draft])
        _record_repeat(parent=draft.parent, child=draft.order, actor=draft.actor, now=draft.order.accepted_at)
    return draft.order


def _application_kind(order_type, customer):
    if order_type != OrderType.APPLICATION or customer is None:
        return ""
    voltage = customer.supply_voltage
    if voltage == "220V":
        return ApplicationKind.RESIDENT
    if voltage == "380V":
        return ApplicationKind.LV_NONRESIDENT
    return ApplicationKind.HV_SINGLE


def _record_repeat(*, parent, child, actor, now):
    """A repeat contact: the child is archived under its parent, the owner is reminded (A-4)."""
    WorkOrder.objects.filter(pk=parent.pk).update(call_count=F("call_count") + 1, updated_at=now)
    parent.call_count += 1
    audit_append(stream=stream_of(parent), action="order.repeat_contact", actor=actor, at=now,
                 payload={"child": child.number, "call_count": parent.call_count})
    reminder_send(order=parent, kind=ReminderKind.REMIND, actor=actor, to_user=parent.owner,
                  reason=_("客户再次来电催促（第 %d 次来电），子单 %s") % (parent.call_count, child.number))


# ---------------------------------------------------------------- transitions


def _check_actor(order, transition, actor):
    if actor is None:
        return  # system actions (sweeper, imports) are attributed to no person
    if not actor.has_role(*transition.roles):
        raise PermissionDenied(_("您的角色不能执行“%s”。") % transition.label)
    if not order_visible(order, actor):
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
    with transaction.atomic():
        updated = WorkOrder.objects.filter(pk=order.pk, version=version).update(
            version=F("version") + 1, updated_at=at, **fields
        )
        if not updated:
            raise ConcurrentUpdate(
                _("工单 %s 已被他人修改，请刷新后重试。") % order.number
            )
        for name, value in fields.items():
            setattr(order, name, value)
        order.version = version + 1
        order.updated_at = at
        # An order created in this transaction passes its first event along: no head look-up.
        order.audit_head = audit_append(
            stream=stream_of(order), action=f"order.{action}", actor=actor, at=at,
            payload={"from": before, "to": order.state, "version": order.version, **(payload or {})},
            after=getattr(order, "audit_head", None),
        )
        clocks.clocks_on_transition(order=order, action=action, at=at)
    return order


def order_dispatch(*, order, actor, crew=None, expected_version=None):
    """Dispatch a repair to the crew covering the customer's transformer (派工), rules C-8, R-1."""
    crew = crew or crew_covering(order.customer)
    if crew is None:
        raise ValidationError({"crew": _("找不到负责该台区的抢修班组，请在管理后台配置。")})
    return _advance(order=order, action="dispatch", actor=actor, expected_version=expected_version,
                    fields={"crew": crew}, payload={"crew": crew.code})


def order_guide(*, order, actor, guidance, expected_version=None):
    """Customer-internal fault: troubleshooting guided by phone (rule C-8)."""
    _require_text(guidance, "guidance", _("指导内容"))
    if order.fault_side != FaultSide.CUSTOMER_INTERNAL:
        raise TransitionRefused(_("只有客户内部故障可以电话指导结案（规则 C-8）。"))
    return _advance(order=order, action="guide", actor=actor, expected_version=expected_version,
                    payload={"guidance": guidance})


def order_quote(*, order, actor, lines, expected_version=None):
    """Quote a paid repair, line by line (rules P-1..P-3): item, material, quantity, unit price."""
    if order.fault_side != FaultSide.CUSTOMER_INTERNAL:
        raise TransitionRefused(_("只有客户产权设施的维修属于有偿服务（规则 P-1）。"))
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


def order_invoice(*, order, actor, invoice_no, expected_version=None):
    """Formal invoice after payment (rule P-3)."""
    _require_text(invoice_no, "invoice_no", _("发票号"))
    if not PaidService.objects.filter(order=order, consent_at__isnull=False).exists():
        raise TransitionRefused(_("该工单不是已确认的有偿服务，不能开票。"))
    with transaction.atomic():
        order = _advance(order=order, action="invoice", actor=actor, expected_version=expected_version,
                         payload={"invoice_no": invoice_no})
        PaidService.objects.filter(order=order).update(invoice_no=invoice_no, paid_at=order.updated_at)
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
    return _advance(order=order, action=step, actor=actor, expected_version=expected_version,
                    at=at, payload={"note": note})


def order_forward(*, order, actor, department, note="", expected_version=None):
    """Forward a complaint or report to the department that must handle it (rule K-3)."""
    if order.handling_org_id == department.pk:
        raise ValidationError({"department": _("工单已在该部门处理。")})
    return _advance(order=order, action="forward", actor=actor, expected_version=expected_version,
                    fields={"handling_org": department,
                            "transfer_count": order.transfer_count + 1},
                    payload={"department": department.code, "note": note})


def order_bounce(*, order, actor, reason, expected_version=None):
    """The department sends it back (退单): counted (rule K-5), the owner must re-route it."""
    _require_text(reason, "reason", _("退单原因"))
    return _advance(order=order, action="bounce", actor=actor, expected_version=expected_version,
                    fields={"handling_org": None, "bounce_count": order.bounce_count + 1},
                    payload={"reason": reason})


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
                            sha256=digest.hexdigest(), uploaded_by=actor)
        evidence.file.save(name, file, save=False)
        evidence.save()
        audit_append(stream=stream_of(order), action="order.evidence", actor=actor,
                     payload={"file": name, "sha256": evidence.sha256, "bytes": file.size,
                              "stage": evidence.stage, "note": evidence.note})
    return evidence


def order_reply(*, order, actor, reply, expected_version=None):
    """The reply to the customer, which stops the K-3 clock."""
    _require_text(reply, "reply", _("答复内容"))
    return _advance(order=order, action="reply", actor=actor, expected_version=expected_version,
                    payload={"reply": reply})


def order_visit(*, order, actor, satisfaction, note="", expected_version=None):
    """Return visit with satisfaction (rule C-12)."""
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意度。")})
    return _advance(order=order, action="visit", actor=actor, expected_version=expected_version,
                    fields={"satisfaction": satisfaction},
                    payload={"satisfaction": satisfaction, "note": note})


def order_answer(*, order, actor, answer, expected_version=None):
    _require_text(answer, "answer", _("答复内容"))
    return _advance(order=order, action="answer", actor=actor, expected_version=expected_version,
                    payload={"answer": answer})


def order_owe_callback(*, order, actor, phone, note="", expected_version=None):
    """Cannot answer at once: apologise, take a number, call back (rule C-6)."""
    _require_text(phone, "phone", _("回电号码"))
    return _advance(order=order, action="owe_callback", actor=actor, expected_version=expected_version,
                    payload={"phone": phone, "note": note})


APPLICATION_STAGES = ("reply_plan", "review_design", "inspect", "sign_contract", "energise")


def order_application_stage(*, order, actor, stage, note="", delay_reason="", expected_version=None):
    """Move a business application to its next stage (rules T-1..T-3).

    A stage finished after its deadline needs a delay reason (rule T-1: explain any delay).
    """
    if stage not in APPLICATION_STAGES:
        raise TransitionRefused(_("未知的业务环节：%s") % stage)
    late = clocks.late_clocks_stopped_by(order=order, action=stage, at=timezone.now())
    if late and not delay_reason.strip():
        raise ValidationError({"delay_reason": _("已超过时限 %s，请填写延期原因（规则 T-1）。")
                               % ", ".join(c.label for c in late)})
    with transaction.atomic():
        order = _advance(order=order, action=stage, actor=actor, expected_version=expected_version,
                         payload={"note": note, "delay_reason": delay_reason})
        if late:
            clocks.clocks_record_delay_reason(clocks=late, reason=delay_reason)
    return order


def order_archive(*, order, actor, expected_version=None):
    """Archive (归档). A complaint's workflow already demands reply and visit (C-12); a repair
    needs its return visit first when it was paid (P-4) or its rule set asks for one (C-12)."""
    if order.state != OrderState.VISITED and clocks.repair_visit_required(order):
        raise TransitionRefused(_("工单 %s 需先回访客户才能归档（规则 C-12、P-4）。") % order.number)
    return _advance(order=order, action="archive", actor=actor, expected_version=expected_version)


def order_transfer_to_leader(*, order, actor, note="", expected_version=None):
    """Hand a hard caller over to the shift leader (rule C-11): recorded, a reminder to the leaders."""
    with transaction.atomic():
        order = _advance(order=order, action="transfer_to_leader", actor=actor, payload={"note": note},
                         expected_version=expected_version)
        reminder_send(order=order, kind=ReminderKind.REMIND, actor=actor, to_org=order.org,
                      reason=_("坐席转值长：%s") % (note or _("客户情绪激动")))
    return order


def reminder_send(*, order, kind, actor, reason, to_user=None, to_org=None, due_at=None, clock_key=""):
    """A reminder (催办) or supervision item (督办) with its own deadline (rule K-6)."""
    if kind == ReminderKind.SUPERVISE and actor is not None and not actor.has_role(
        RoleCode.SUPERVISOR, RoleCode.MANAGER, RoleCode.SHIFT_LEADER
    ):
        raise PermissionDenied(_("只有督办、管理人员或值长可以督办。"))
    now = timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.create(
            order=order, kind=kind, to_user=to_user, to_org=to_org, from_user=actor,
            reason=reason, due_at=due_at, clock_key=clock_key, created_at=now,
        )
        audit_append(stream=stream_of(order), action=f"order.{kind}", actor=actor, at=now,
                     payload={"reason": reason, "to_user": to_user.pk if to_user else None,
                              "to_org": to_org.code if to_org else None,
                              "due_at": due_at.isoformat() if due_at else None,
                              "clock": clock_key})
    return reminder


def reminder_done(*, reminder, actor, note=""):
    """Mark a reminder or supervision item handled (办结), by its recipient or a shift leader."""
    if reminder.done_at is not None:
        raise TransitionRefused(_("该催办/督办已办结。"))
    mine = reminder.to_user_id == actor.pk
    leader = actor.has_role(RoleCode.SHIFT_LEADER, RoleCode.SUPERVISOR, RoleCode.MANAGER)
    if not (mine or leader or actor.is_superuser):
        raise PermissionDenied(_("只有接收人或值长、督办可以办结。"))
    now = timezone.now()
    with transaction.atomic():
        updated = Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=now)
        if not updated:
            raise ConcurrentUpdate(_("该催办/督办已被他人办结。"))
        reminder.done_at = now
        audit_append(stream=stream_of(reminder.order), action=f"order.{reminder.kind}_done", actor=actor,
                     at=now, payload={"reminder": reminder.pk, "note": note})
    return reminder


def identity_open(*, order, actor, purpose):
    """Open a sealed reporter identity (rules K-7, K-9): named roles only, every opening audited.

    The department complained about never gets it, whatever its roles.
    """
    _require_text(purpose, "purpose", _("查看事由"))
    allowed = actor.is_superuser or Role.objects.filter(
        staff=actor, can_open_sealed_identity=True
    ).exists()
    accused = order.handling_org_id is not None and actor.org_id is not None and (
        actor.org.path.startswith(order.handling_org.path)
    )
    if not allowed or accused:
        audit_append(stream=stream_of(order), action="identity.refused", actor=actor,
                     payload={"purpose": purpose})
        raise PermissionDenied(_("您无权查看举报人身份（规则 K-7）。"))
    identity = SealedIdentity.objects.filter(order=order).first()
    audit_append(stream=stream_of(order), action="identity.opened", actor=actor,
                 payload={"purpose": purpose})
    return identity


def _require_text(value, field, label):
    if not (value or "").strip():
        raise ValidationError({field: _("请填写%s。") % label})


WAIT_REASON_MAX = 200  # ClockPause.reason, SlaClock.pause_reason


def _customer_wait_check(*, order, action, actor):
    """Waiting on the customer is for business applications (rules H-6, T-1..T-3); the workflow
    refuses an archived order, the roles and scope are those of the application stages."""
    if order.order_type != OrderType.APPLICATION:
        raise TransitionRefused(_("只有业务受理工单可以因客户原因暂停时限。"))
    _check_actor(order, transition_for(order, action), actor)


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
