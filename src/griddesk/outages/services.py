"""State changes of outages and storm mode (docs/outages.md, "Lifecycle").

Every function: keyword-only, one transaction, every change audited on the outage's stream
(`outages.outageevent:<pk>`) and, for the calls that joined it, on each order's stream. A
dispatcher's decision (confirm, reject, move, split, merge, dispatch, restoration time) sets
`human=True`: the live analysis (outages.analyzer) takes it over and never undoes it.
"""

import contextlib
import statistics
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.audit.services import audit_append, stream_of
from griddesk.customers.models import SupplyVoltage
from griddesk.grid.models import Device
from griddesk.grid.selectors import customer_count_below, customers_below
from griddesk.notify.models import NotifyChannel
from griddesk.notify.phrases import Phrase
from griddesk.notify.services import messages_send
from griddesk.orders import services as order_services
from griddesk.orders.clocks import clock_pause, clock_recompute
from griddesk.orders.models import ClockPause, FaultSide, OrderState, OrderType, SlaClock, WorkOrder
from griddesk.orgs.models import RoleCode
from griddesk.orgs.selectors import org_in_scope
from griddesk.outages.models import (
    OPEN_OUTAGE_STATES,
    OutageEvent,
    OutageKind,
    OutageSource,
    OutageState,
    StormDeclaration,
    TroubleCall,
)
from griddesk.paths import path_ids, subtree_q
from griddesk.rules.selectors import DeadlineNotFound, RulesLookupError, compute_due, deadline_for, ruleset_in_force


def storm_declare(*, org, starts_at, ends_at, reason, actor):
    """Declare severe-weather mode for an area and span (rule R-3).

    Every running repair-arrival clock (R-2) in the area is paused for the part of
    the span after it started; clocks started inside the span get the pause when
    they start (orders.clocks). Agents see the reason on the caller page.
    """
    if not actor.has_role(RoleCode.DISPATCHER, RoleCode.SHIFT_LEADER, RoleCode.MANAGER):
        raise PermissionDenied(_("只有调度、值长或管理人员可以宣布恶劣天气模式。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写原因（规则 R-3）。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间必须晚于开始时间。")})
    with transaction.atomic():
        storm = StormDeclaration.objects.create(
            org=org, starts_at=starts_at, ends_at=ends_at, reason=reason, declared_by=actor
        )
        affected = SlaClock.objects.filter(
            subtree_q(org.path, "org__path"), key__startswith="R-2/", stopped_at__isnull=True,
            started_at__lt=ends_at,
        )
        paused = 0
        for clock in affected.select_related("ruleset_version"):
            clock_pause(clock=clock, reason=reason, at=max(starts_at, clock.started_at),
                        until=ends_at, storm=storm)
            paused += 1
        audit_append(stream=stream_of(storm), action="storm.declared", actor=actor, new_stream=True,
                     payload={"org": org.code, "starts_at": starts_at.isoformat(),
                              "ends_at": ends_at.isoformat(), "reason": reason, "clocks": paused})
    return storm


def storm_lift(*, storm, actor, at=None):
    """End storm mode early: the pauses it set end now, and their clocks' due times move back."""
    at = at or timezone.now()
    with transaction.atomic():
        StormDeclaration.objects.filter(pk=storm.pk).update(lifted_at=at, ends_at=min(at, storm.ends_at))
        pauses = ClockPause.objects.filter(storm=storm, ended_at__gt=at)
        clock_ids = list(pauses.values_list("clock_id", flat=True))
        pauses.update(ended_at=at)
        for clock in SlaClock.objects.filter(pk__in=clock_ids, stopped_at__isnull=True):
            clock_recompute(clock)
        audit_append(stream=stream_of(storm), action="storm.lifted", actor=actor,
                     payload={"at": at.isoformat(), "clocks": len(clock_ids)})
    return storm


# ====================================================================== outage lifecycle

DECIDERS = (RoleCode.DISPATCHER, RoleCode.SHIFT_LEADER, RoleCode.MANAGER)
# Repair calls still being worked (the repair workflow's states before "resolved").
CALL_OPEN_STATES = (OrderState.ACCEPTED, OrderState.DISPATCHED, OrderState.CREW_ACCEPTED, OrderState.ON_SITE,
                    OrderState.SURVEYED, OrderState.REPAIRED)
DECIDABLE = (OutageState.PREDICTED, OutageState.CONFIRMED)  # what the analysis or a dispatcher believes
# Rule Q-2: planned-maintenance outages a customer may have in a calendar year, by supply voltage.
Q2_LIMITS = {SupplyVoltage.KV35: 1, SupplyVoltage.KV110: 1, SupplyVoltage.KV10: 3}
# Expected restoration of a fault (restoration_default): restored faults on devices of the kind read
# (the newest), and how many there must be before their median is trusted over the rule set's amount.
HISTORY_SAMPLE = 500
HISTORY_MIN = 5


def _may_decide(actor, outage):
    """Dispatchers, shift leaders and managers decide about outages of their scope (system: no actor)."""
    if actor is None:
        return
    if not actor.has_role(*DECIDERS):
        raise PermissionDenied(_("只有调度、值长或管理人员可以处理停电事件。"))
    if outage.org_id is not None and not org_in_scope(actor, outage.org):
        raise PermissionDenied(_("停电事件 %s 不在您的管辖范围内。") % outage.code)


def _locked(outage, states, action):
    """The outage read again under a row lock, refused unless it is in one of `states`."""
    fresh = OutageEvent.objects.select_for_update().get(pk=outage.pk)
    fresh.device = Device.objects.get(pk=fresh.device_id)
    if fresh.state not in states:
        raise ValidationError({"state": _("停电事件 %(code)s 当前为“%(state)s”，不能%(action)s。") % {
            "code": fresh.code, "state": fresh.get_state_display(), "action": action}})
    return fresh


def _write(outage, *, action, actor, at, payload=None, human=True, **fields):
    """Change the outage and append the event: `updated_at` moves on (the analyser reads decisions
    taken since its last step by it), a dispatcher's decision is `human`."""
    if human:
        fields["human"] = True
    for name, value in fields.items():
        setattr(outage, name, value)
    outage.save(update_fields=[*fields, "updated_at"])
    audit_append(stream=stream_of(outage), action=f"outage.{action}", actor=actor, at=at, payload=payload or {})
    return outage


def _iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _hhmm(moment):
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def _below(device, field="path"):
    return subtree_q(device.path, field)


def _is_below(device, top):
    """`device` lies in the subtree of `top` (itself included)."""
    return device.path.startswith(top.path)


def _calls(outage, *, open_only=False):
    """The repair calls that joined the outage, in arrival order, with what their steps read."""
    orders = (WorkOrder.objects.filter(outage=outage, order_type=OrderType.REPAIR)
              .select_related("org", "handling_org", "customer", "customer__transformer", "outage", "crew",
                              "ruleset_version__ruleset")
              .order_by("accepted_at", "pk"))
    return orders.filter(state__in=CALL_OPEN_STATES) if open_only else orders


def _recount(outage):
    """Calls and customers as they stand after a decision moved calls or the device."""
    outage.calls = TroubleCall.objects.filter(outage=outage).count()
    outage.customers_affected = customer_count_below(device=outage.device)
    OutageEvent.objects.filter(pk=outage.pk).update(calls=outage.calls, customers_affected=outage.customers_affected)


def _code_free(code):
    """`code`, or `code` with the first free numbered suffix (codes are unique)."""
    taken = set(OutageEvent.objects.filter(code__startswith=code).values_list("code", flat=True))
    if code not in taken:
        return code
    n = 2
    while f"{code}-{n}" in taken:
        n += 1
    return f"{code}-{n}"


# ---------------------------------------------------------------------- planning


def notice_due(*, kind, starts_at, at=None):
    """Rule Q-3: the latest publication of a planned (Q-3/planned) or temporary (Q-3/temporary)
    outage, counted back from its start by the rule set in force; None for faults."""
    if kind not in (OutageKind.PLANNED, OutageKind.TEMPORARY):
        return None
    version = ruleset_in_force(at=at or timezone.now())
    return compute_due(f"Q-3/{kind}", start=starts_at, ruleset_version=version).due


def planned_limit_warning(*, device, starts_at, exclude=None):
    """Rule Q-2: customers below `device` for whom one more planned outage in the calendar year of
    `starts_at` exceeds the limit (35 kV and above: 1 a year, 10 kV: 3). Planned outages on any device
    of a customer's supply path count, cancelled ones do not. Two queries and one per supply path."""
    customers = list(customers_below(device=device).filter(supply_voltage__in=list(Q2_LIMITS))
                     .select_related("transformer").order_by("account_no"))
    if not customers:
        return []
    local = timezone.localtime(starts_at)
    year_start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    year_end = year_start.replace(year=year_start.year + 1)
    paths = {c.transformer_id: set(path_ids(c.transformer.path)) for c in customers}
    devices = set().union(*paths.values())
    planned = (OutageEvent.objects.filter(kind=OutageKind.PLANNED, device_id__in=devices, starts_at__gte=year_start,
                                          starts_at__lt=year_end)
               .exclude(state=OutageState.CANCELLED))
    if exclude is not None:
        planned = planned.exclude(pk=exclude.pk)
    outage_devices = list(planned.values_list("device_id", flat=True))
    warning = []
    for customer in customers:
        before = sum(1 for d in outage_devices if d in paths[customer.transformer_id])
        limit = Q2_LIMITS[customer.supply_voltage]
        if before + 1 > limit:
            warning.append({"account_no": customer.account_no, "name": customer.name,
                            "supply_voltage": customer.supply_voltage, "count": before + 1, "limit": limit,
                            "year": year_start.year})
    return warning


def _plan_code(kind, device, starts_at):
    prefix = "JH" if kind == OutageKind.PLANNED else "LS"
    return _code_free(f"{prefix}{timezone.localtime(starts_at):%Y%m%d%H%M}{device.pk:06d}")


def outage_plan(*, kind, device, starts_at, cause, actor, ends_at=None, expected_restoration_at=None, area="",
                org=None, now=None):
    """A planned or temporary maintenance outage (计划/临时停电), not yet published.

    Rule Q-3: `notice_due_at` is when it must be published at the latest (Q-3/planned 7 days,
    Q-3/temporary 24 hours before the start, from the rule set in force). Rule Q-2: a planned outage
    that would give a customer below the device supplied at 35 kV and above a second, or at 10 kV a
    fourth, planned outage in the calendar year is not refused: `limit_warning` names those customers.
    """
    now = now or timezone.now()
    ends_at = ends_at or expected_restoration_at
    org = org or device.org
    if actor is not None:
        if not actor.has_role(*DECIDERS):
            raise PermissionDenied(_("只有调度、值长或管理人员可以安排停电计划。"))
        if org is not None and not org_in_scope(actor, org):
            raise ValidationError({"device": _("设备 %s 不在您的管辖范围内。") % device})
    if kind not in (OutageKind.PLANNED, OutageKind.TEMPORARY):
        raise ValidationError({"kind": _("停电计划的类型只能是计划停电或临时停电。")})
    if not (cause or "").strip():
        raise ValidationError({"cause": _("请填写停电原因。")})
    if starts_at <= now:
        raise ValidationError({"starts_at": _("停电开始时间必须晚于现在。")})
    if ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("预计恢复时间必须晚于停电开始时间。")})
    due = notice_due(kind=kind, starts_at=starts_at, at=now)
    warning = planned_limit_warning(device=device, starts_at=starts_at) if kind == OutageKind.PLANNED else []
    with transaction.atomic():
        outage = OutageEvent.objects.create(
            code=_plan_code(kind, device, starts_at), kind=kind, device=device, org=org, cause=cause.strip(),
            area=(area or "").strip(), starts_at=starts_at, expected_restoration_at=ends_at,
            state=OutageState.CONFIRMED, source=OutageSource.PLAN, notice_due_at=due, limit_warning=warning,
            customers_affected=customer_count_below(device=device),
        )
        audit_append(stream=stream_of(outage), action="outage.planned", actor=actor, at=now, new_stream=True,
                     payload={"kind": kind, "device": device.device_id, "starts_at": _iso(starts_at),
                              "expected_restoration_at": _iso(ends_at), "notice_due_at": _iso(due),
                              "limit_warning": [w["account_no"] for w in warning]})
    return outage


def outage_publish(*, outage, actor, at=None, late_reason=""):
    """Publish (发布) an outage: announced, with its publication time.

    Rule Q-3: published after `notice_due_at` it needs a `late_reason` (kept on the outage), else it
    is refused and nothing changes; every important customer below the device gets a notice through
    the outbox (SMS), listed in the event.
    """
    at = at or timezone.now()
    _may_decide(actor, outage)
    late_reason = (late_reason or "").strip()
    with transaction.atomic():
        outage = _locked(outage, (OutageState.PREDICTED, OutageState.CONFIRMED), _("发布"))
        late = outage.notice_due_at is not None and at > outage.notice_due_at
        if late and not late_reason:
            raise ValidationError({"late_reason": _(
                "已超过规则 Q-3 的最迟发布时间 %(due)s（%(kind)s须提前公告），请填写延迟发布原因。") % {
                "due": _hhmm(outage.notice_due_at), "kind": outage.get_kind_display()}})
        important = list(customers_below(device=outage.device).filter(important=True).exclude(phone="")
                         .order_by("account_no"))
        subject = _("停电通知")
        body = _("尊敬的客户：因%(cause)s，%(device)s将于 %(start)s 至 %(end)s 停电%(area)s，"
                 "停电编号 %(code)s。给您带来不便，敬请谅解。") % {
            "cause": outage.cause, "device": outage.device.name, "start": _hhmm(outage.starts_at),
            "end": _hhmm(outage.expected_restoration_at) if outage.expected_restoration_at else _("另行通知"),
            "area": (_("（范围：%s）") % outage.area) if outage.area else "", "code": outage.code}
        messages_send([{"channel": NotifyChannel.SMS, "subject": subject, "body": body, "address": c.phone,
                        "dedupe_key": f"outage-notice:{outage.pk}:{c.pk}"} for c in important], at=at)
        _write(outage, action="published", actor=actor, at=at, human=outage.source != OutageSource.PLAN,
               state=OutageState.ANNOUNCED, announced_at=at, late_reason=late_reason if late else "",
               payload={"late": late, "late_reason": late_reason if late else "",
                        "notice_due_at": _iso(outage.notice_due_at),
                        "important_customers": [c.account_no for c in important]})
    return outage


def outage_start(*, outage, actor, at=None):
    """The outage begins (停电开始): active from `at` (its planned start unless given)."""
    _may_decide(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, (OutageState.CONFIRMED, OutageState.ANNOUNCED), _("开始停电"))
        starts_at = at or outage.starts_at
        _write(outage, action="started", actor=actor, at=at or timezone.now(),
               human=outage.source != OutageSource.PLAN, state=OutageState.ACTIVE, starts_at=starts_at,
               payload={"starts_at": _iso(starts_at)})
    return outage


def outage_cancel(*, outage, actor, reason, at=None):
    """Cancel an outage not yet begun (取消停电), with the reason; the important customers told of a
    published one are told it is off."""
    at = at or timezone.now()
    _may_decide(actor, outage)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    with transaction.atomic():
        outage = _locked(outage, (OutageState.PREDICTED, OutageState.CONFIRMED, OutageState.ANNOUNCED), _("取消"))
        told = []
        if outage.state == OutageState.ANNOUNCED:
            told = list(customers_below(device=outage.device).filter(important=True).exclude(phone="")
                        .order_by("account_no"))
            body = _("尊敬的客户：原定 %(start)s 的停电（停电编号 %(code)s）已取消。") % {
                "start": _hhmm(outage.starts_at), "code": outage.code}
            messages_send([{"channel": NotifyChannel.SMS, "subject": _("停电取消通知"), "body": body,
                            "address": c.phone, "dedupe_key": f"outage-cancel:{outage.pk}:{c.pk}"} for c in told],
                          at=at)
        _write(outage, action="cancelled", actor=actor, at=at, human=outage.source != OutageSource.PLAN,
               state=OutageState.CANCELLED, merged_into=None,
               payload={"reason": reason, "important_customers": [c.account_no for c in told]})
    return outage


# ---------------------------------------------------------------------- expected restoration


def restoration_default(*, outage, now=None):
    """The expected restoration of a fault confirmed without one (rule Q-4: callers are told when).

    The median duration (start to restoration) of the newest restored faults on devices of the same
    kind, once there are HISTORY_MIN of them; otherwise the restoration limit of the rule set in force
    for the device's zone (R-1/restore-<zone>), or of another rule set in force that has it (the
    service-code set has none). Counted from the outage's start, or from now when that has passed.
    None for planned outages or when neither is known.
    """
    now = now or timezone.now()
    if outage.kind != OutageKind.FAULT:
        return None
    device = outage.device
    rows = list(OutageEvent.objects.filter(kind=OutageKind.FAULT, state=OutageState.RESTORED,
                                           device__kind=device.kind, restored_at__isnull=False)
                .exclude(pk=outage.pk).order_by("-restored_at").values_list("starts_at", "restored_at")
                [:HISTORY_SAMPLE])
    durations = [restored - started for started, restored in rows if restored > started]
    if len(durations) >= HISTORY_MIN:
        duration = timedelta(seconds=statistics.median(d.total_seconds() for d in durations))
        expected = outage.starts_at + duration
        return expected if expected > now else now + duration
    key = f"R-1/restore-{device.zone or 'urban'}"
    for version in _versions_in_force(now):
        try:
            deadline_for(key, version=version)
        except DeadlineNotFound:
            continue
        expected = compute_due(key, start=outage.starts_at, ruleset_version=version).due
        return expected if expected > now else compute_due(key, start=now, ruleset_version=version).due
    return None


def _versions_in_force(now):
    """The default rule set's version in force, then the other sets' (by name)."""
    from griddesk.rules.models import RuleSet

    versions = []
    with contextlib.suppress(RulesLookupError):
        versions.append(ruleset_in_force(at=now))
    for name in RuleSet.objects.exclude(pk__in=[v.ruleset_id for v in versions]).order_by("name") \
            .values_list("name", flat=True):
        try:
            versions.append(ruleset_in_force(name, at=now))
        except RulesLookupError:
            continue
    return versions


def outage_set_restoration(*, outage, at, actor, reason="", now=None):
    """Announce a new expected restoration time (预计恢复时间): audited, and the customer of every call
    still open on the outage is told through the outbox (an event on their order)."""
    now = now or timezone.now()
    _may_decide(actor, outage)
    if at is None:
        raise ValidationError({"at": _("请填写预计恢复时间。")})
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("修改预计恢复时间"))
        if at <= outage.starts_at:
            raise ValidationError({"at": _("预计恢复时间必须晚于停电开始时间 %s。") % _hhmm(outage.starts_at)})
        before = outage.expected_restoration_at
        told = 0
        for order in _calls(outage, open_only=True):
            body = _("尊敬的客户：您反映的停电（工单 %(number)s）预计恢复供电时间调整为 %(at)s。%(reason)s"
                     "给您带来不便，敬请谅解。") % {
                "number": order.number, "at": _hhmm(at),
                "reason": (_("原因：%s。") % reason) if reason else ""}
            if order_services.order_customer_tell(
                    order=order, subject=_("预计恢复时间调整"), body=body, action="order.restoration_time_changed",
                    actor=actor, at=now, payload={"outage": outage.code},
                    dedupe_key=f"outage-eta:{outage.pk}:{order.pk}:{int(at.timestamp())}"):
                told += 1
        _write(outage, action="restoration_set", actor=actor, at=now, expected_restoration_at=at,
               payload={"from": _iso(before), "to": _iso(at), "reason": reason, "customers_told": told})
    return outage


# ---------------------------------------------------------------------- dispatchers' decisions


def outage_confirm(*, outage, actor, expected_restoration_at=None, at=None):
    """A dispatcher confirms a predicted outage (确认停电). Without an expected restoration the
    default (restoration_default) is set."""
    at = at or timezone.now()
    _may_decide(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, (OutageState.PREDICTED,), _("确认"))
        expected = expected_restoration_at or outage.expected_restoration_at
        defaulted = expected is None
        if defaulted:
            expected = restoration_default(outage=outage, now=at)
        if expected is not None and expected <= outage.starts_at:
            raise ValidationError({"expected_restoration_at": _("预计恢复时间必须晚于停电开始时间。")})
        _write(outage, action="confirmed", actor=actor, at=at, state=OutageState.CONFIRMED,
               expected_restoration_at=expected,
               payload={"expected_restoration_at": _iso(expected), "default": defaulted})
    return outage


def outage_reject(*, outage, actor, reason="", at=None):
    """A dispatcher rejects a prediction (否决研判): cancelled, never predicted again there by the
    analysis; its calls leave it (each keeps its crew, audited on the order)."""
    at = at or timezone.now()
    _may_decide(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, DECIDABLE, _("否决"))
        calls = list(_calls(outage))
        for order in calls:
            order_services.order_outage_detach(order=order, actor=actor, at=at, reason=_("停电研判被否决"))
        _write(outage, action="rejected", actor=actor, at=at, state=OutageState.CANCELLED, merged_into=None,
               payload={"reason": reason, "orders": [o.number for o in calls]})
    return outage


def _follow(outage, targets, *, actor, at):
    """The calls of `outage` go to the target outage whose device supplies their customer (the first
    that does), the others leave: orders audited on their streams, trouble calls follow."""
    moved, left = {t.code: 0 for t in targets}, []
    for order in _calls(outage):
        path = order.customer.transformer.path if order.customer_id else ""
        target = next((t for t in targets if path.startswith(t.device.path)), None)
        if target is None:
            order_services.order_outage_detach(order=order, actor=actor, at=at,
                                               reason=_("不在停电设备 %s 的供电范围内") % outage.device.device_id)
            left.append(order.number)
        elif target.pk != order.outage_id:
            order_services.order_outage_attach(order=order, outage=target, crew_id=target.crew_id, at=at,
                                               actor=actor)
            moved[target.code] += 1
    for call in TroubleCall.objects.filter(outage=outage).select_related("transformer"):
        target = next((t for t in targets if call.transformer.path.startswith(t.device.path)), None)
        if target is None or target.pk != outage.pk:
            TroubleCall.objects.filter(pk=call.pk).update(outage=target)
    return moved, left


def outage_move(*, outage, device, actor, at=None):
    """A dispatcher moves an outage up or down its supply path (移动停电设备): the calls of customers
    no longer supplied through it leave it."""
    at = at or timezone.now()
    _may_decide(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("移动"))
        before = outage.device
        if device.pk == before.pk:
            raise ValidationError({"device": _("停电事件 %(code)s 已在设备 %(device)s 上。") % {
                "code": outage.code, "device": device.device_id}})
        if not (_is_below(device, before) or _is_below(before, device)):
            raise ValidationError({"device": _("设备 %(device)s 不在停电设备 %(before)s 的上下游（同一供电路径）上。")
                                   % {"device": device.device_id, "before": before.device_id}})
        outage.device = device
        _moved, left = _follow(outage, [outage], actor=actor, at=at)
        _write(outage, action="moved", actor=actor, at=at, device=device, org=device.org or outage.org,
               payload={"from": before.device_id, "to": device.device_id, "orders_left": left})
        _recount(outage)
    return outage


def _check_below(outage, devices, field="devices"):
    devices = list(devices)
    if not devices:
        raise ValidationError({field: _("请至少选择一个设备。")})
    if len({d.pk for d in devices}) != len(devices):
        raise ValidationError({field: _("设备重复。")})
    for device in devices:
        if device.pk == outage.device_id or not _is_below(device, outage.device):
            raise ValidationError({field: _("设备 %(device)s 不在停电设备 %(top)s 的下游。") % {
                "device": device.device_id, "top": outage.device.device_id}})
    for a in devices:
        for b in devices:
            if a.pk != b.pk and _is_below(a, b):
                raise ValidationError({field: _("设备 %(a)s 在设备 %(b)s 的下游，不能同时拆分。") % {
                    "a": a.device_id, "b": b.device_id}})
    return devices


def outage_split(*, outage, devices, actor, at=None):
    """A dispatcher splits an outage (拆分停电): one outage per named device below its device, each
    taking the calls of the customers it supplies (the others leave); the original is cancelled.
    Returns the new outages in the order of `devices`."""
    at = at or timezone.now()
    _may_decide(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("拆分"))
        devices = _check_below(outage, devices)
        state = outage.state
        _write(outage, action="split", actor=actor, at=at, state=OutageState.CANCELLED, merged_into=None,
               payload={"into_devices": [d.device_id for d in devices]})
        parts = _parts(outage, devices, state=state, actor=actor, at=at)
        moved, left = _follow(outage, parts, actor=actor, at=at)
        for part in parts:
            _recount(part)
        audit_append(stream=stream_of(outage), action="outage.split_calls", actor=actor, at=at,
                     payload={"into": [p.code for p in parts], "orders_moved": moved, "orders_left": left})
    return parts


def _parts(outage, devices, *, state, actor, at):
    """The outages an outage is split into: one per device, as it was (`state`), each human."""
    parts = []
    for n, device in enumerate(devices, start=1):
        part = OutageEvent.objects.create(
            code=_code_free(f"{outage.code[:34]}-{n}"), kind=outage.kind, device=device, org=device.org or outage.org,
            cause=outage.cause, area="", starts_at=outage.starts_at,
            expected_restoration_at=outage.expected_restoration_at, announced_at=outage.announced_at,
            state=state,
            source=outage.source, first_call_at=outage.first_call_at, crew=outage.crew, human=True,
            notice_due_at=outage.notice_due_at, late_reason=outage.late_reason,
        )
        part.device = device
        audit_append(stream=stream_of(part), action="outage.split_from", actor=actor, at=at, new_stream=True,
                     payload={"from": outage.code, "device": device.device_id})
        parts.append(part)
    return parts


def outage_merge(*, outages, into, actor, at=None):
    """A dispatcher merges outages into one (合并停电): each is cancelled with `merged_into`, its calls
    join `into` with its crew. `into`'s device must supply theirs (move it up first otherwise)."""
    at = at or timezone.now()
    _may_decide(actor, into)
    with transaction.atomic():
        into = _locked(into, OPEN_OUTAGE_STATES, _("合并"))
        others = [o for o in outages if o.pk != into.pk]
        if not others:
            raise ValidationError({"outages": _("请选择要并入 %s 的其他停电事件。") % into.code})
        merged = []
        for other in others:
            _may_decide(actor, other)
            other = _locked(other, OPEN_OUTAGE_STATES, _("合并"))
            if not _is_below(other.device, into.device):
                raise ValidationError({"outages": _(
                    "停电事件 %(other)s 的设备 %(device)s 不在 %(into)s 的停电设备 %(top)s 下游，"
                    "请先上移 %(into)s。") % {
                    "other": other.code, "device": other.device.device_id, "into": into.code,
                    "top": into.device.device_id}})
            _write(other, action="merged", actor=actor, at=at, state=OutageState.CANCELLED, merged_into=into,
                   payload={"into": into.code})
            _follow(other, [into], actor=actor, at=at)
            merged.append(other)
        firsts = [o.first_call_at for o in [into, *merged] if o.first_call_at]
        _write(into, action="merged_in", actor=actor, at=at, first_call_at=min(firsts) if firsts else None,
               payload={"from": [o.code for o in merged]})
        _recount(into)
    return into


def outage_dispatch(*, outage, crew, actor, at=None):
    """A dispatcher sends the outage's one crew (停电派工): every call still open on it goes with that
    crew (order_outage_attach, audited on each order); the crew is paged once for the outage."""
    at = at or timezone.now()
    _may_decide(actor, outage)
    if actor is not None and not org_in_scope(actor, crew.org):
        raise ValidationError({"crew": _("抢修班组 %s 不在您的管辖范围内。") % crew})
    if not crew.active:
        raise ValidationError({"crew": _("抢修班组 %s 不在岗。") % crew})
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("派工"))
        before = outage.crew_id
        moved = []
        for order in _calls(outage, open_only=True):
            if order.crew_id != crew.pk:
                order_services.order_outage_attach(order=order, outage=outage, crew_id=crew.pk, at=at, actor=actor)
                moved.append(order.number)
        body = Phrase(gettext_noop("停电抢修：%(device)s（%(code)s），%(cause)s，报修 %(calls)d 户。"),
                      device=outage.device.name, code=outage.code, cause=outage.cause, calls=outage.calls)
        subject = Phrase(gettext_noop("停电抢修派工"))
        pages = [{"channel": NotifyChannel.CONSOLE, "subject": subject, "body": body, "recipient": m,
                  "dedupe_key": f"outage-dispatch:{outage.pk}:{crew.pk}:{m.pk}"}
                 for m in crew.members.filter(is_active=True).order_by("pk")]
        if crew.phone:
            pages.append({"channel": NotifyChannel.SMS, "subject": subject, "body": body,
                          "address": crew.phone, "dedupe_key": f"outage-dispatch:{outage.pk}:{crew.pk}"})
        messages_send(pages, at=at)
        _write(outage, action="dispatched", actor=actor, at=at, crew=crew,
               payload={"crew": crew.code, "crew_from": before, "orders": moved})
    return outage


def outage_crew_confirm(*, outage, actor, at=None):
    """The outage's crew confirms from the phone (班组接单): every call of the outage dispatched to
    it is accepted by the crew (order_crew_step, audited on each order)."""
    at = at or timezone.now()
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("接单"))
        if outage.crew_id is None:
            raise ValidationError({"crew": _("停电事件 %s 尚未派工。") % outage.code})
        if not (actor.is_superuser or outage.crew.members.filter(pk=actor.pk).exists()):
            raise PermissionDenied(_("只有 %s 的成员可以接单。") % outage.crew)
        accepted = []
        for order in _calls(outage, open_only=True).filter(state=OrderState.DISPATCHED, crew_id=outage.crew_id):
            order_services.order_crew_step(order=order, actor=actor, step="crew_accept", at=at)
            accepted.append(order.number)
        _write(outage, action="crew_confirmed", actor=actor, at=at,
               payload={"crew": outage.crew.code, "orders": accepted})
    return outage


# ---------------------------------------------------------------------- restoration (C-12)


def _may_restore(actor, outage):
    if actor is None or (actor.has_role(*DECIDERS) and (outage.org_id is None or org_in_scope(actor, outage.org))):
        return
    if outage.crew_id and actor.crews.filter(pk=outage.crew_id).exists():
        return
    raise PermissionDenied(_("只有调度、值长、管理人员或停电事件的抢修班组可以恢复送电。"))


def _restore(outage, *, actor, at, now):
    """Restore one locked outage: its calls resolved, their customers told (rule C-12)."""
    resolved, told = [], 0
    for order in _calls(outage):
        if order.state in CALL_OPEN_STATES and order.fault_side != FaultSide.CUSTOMER_INTERNAL:
            order_services.order_outage_restore(order=order, actor=actor, at=at)
            resolved.append(order.number)
        body = _("尊敬的客户：您反映的停电（工单 %(number)s）已于 %(at)s 恢复供电。如仍无电，请致电95598。") % {
            "number": order.number, "at": _hhmm(at)}
        if order_services.order_customer_tell(order=order, subject=_("恢复供电通知"), body=body,
                                              action="order.restoration_notified", actor=actor, at=now,
                                              payload={"outage": outage.code},
                                              dedupe_key=f"outage-restored:{outage.pk}:{order.pk}"):
            told += 1
    _write(outage, action="restored", actor=actor, at=now, state=OutageState.RESTORED, restored_at=at,
           payload={"restored_at": _iso(at), "orders_resolved": resolved, "customers_told": told})
    return outage


def _restore_time(outage, at, now):
    at = at or now
    if at > now + timedelta(minutes=1):
        raise ValidationError({"at": _("恢复时间不能晚于当前时间。")})
    if at < outage.starts_at:
        raise ValidationError({"at": _("恢复时间不能早于停电开始时间 %s。") % _hhmm(outage.starts_at)})
    return at


def outage_restore(*, outage, actor, at=None):
    """Rule C-12: one action restores the outage (恢复送电). It is restored at `at`; every call still
    open on it is resolved with it (step `outage_restore`: arrival and restoration clocks stop), and
    every customer who reported it (each call with a phone) gets a restoration SMS through the outbox,
    an event on their order."""
    now = timezone.now()
    _may_restore(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("恢复送电"))
        at = _restore_time(outage, at, now)
        _restore(outage, actor=actor, at=at, now=now)
    return outage


def remainder_devices(outage, device):
    """The parts still out when the part below `device` is back: at every level from `device` up to
    the outage's device, the branches beside the way up that supply customers (the device's siblings,
    its parent's, ...)."""
    way = path_ids(device.path)
    top = way.index(outage.device_id)
    devices = []
    for level in range(top, len(way) - 1):
        parent, keep = way[level], way[level + 1]
        for sibling in Device.objects.filter(parent_id=parent).exclude(pk=keep).order_by("path"):
            if customers_below(device=sibling).exists():
                devices.append(sibling)
    return devices


def outage_restore_part(*, outage, device, actor, at=None):
    """Partial restoration (部分恢复): the part below `device` is back. The outage is split into the
    restored part (restored as outage_restore: its calls resolved, their customers told) and the parts
    still out (remainder_devices). Returns (restored part, [parts still out])."""
    now = timezone.now()
    _may_restore(actor, outage)
    with transaction.atomic():
        outage = _locked(outage, OPEN_OUTAGE_STATES, _("部分恢复送电"))
        at = _restore_time(outage, at, now)
        _check_below(outage, [device], field="device")
        remainder = remainder_devices(outage, device)
        if not remainder:  # nothing else supplies anyone: the whole outage is back
            return _restore(outage, actor=actor, at=at, now=now), []
        state = outage.state
        _write(outage, action="split", actor=actor, at=now, state=OutageState.CANCELLED, merged_into=None,
               payload={"into_devices": [d.device_id for d in [device, *remainder]], "restored_part": device.device_id})
        parts = _parts(outage, [device, *remainder], state=state, actor=actor, at=now)
        _follow(outage, parts, actor=actor, at=now)
        for part in parts:
            _recount(part)
        restored = _locked(parts[0], OPEN_OUTAGE_STATES, _("恢复送电"))
        _restore(restored, actor=actor, at=at, now=now)
    return restored, parts[1:]
