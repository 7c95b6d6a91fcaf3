"""The state machine of each work-order type (工单流程).

Each workflow is data: for every action, the states it may start from, the
state it leads to, and the roles allowed to take it. `transition_for` refuses
anything else with a message naming the order's state and what is allowed,
so a wrong click never silently changes an order.
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.orders.models import FaultSide, SlaClock
from griddesk.orders.models import OrderState as S
from griddesk.orders.models import OrderType as T
from griddesk.orgs.models import RoleCode as R


class TransitionRefused(Exception):
    """An action that the order's workflow does not allow now (400/409 in the API)."""


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    roles: frozenset
    # Offered and allowed only when this holds of the order and its `Facts` (`transition_for`,
    # `available_transitions`); `refusal` says why not.
    when: object = None
    refusal: str = ""
    # False: a step a service takes on the order's behalf (the outage's restoration, rule C-12), never
    # offered as a button or an API action of its own
    offered: bool = True

    def allows(self, state):
        return state in self.sources


def _t(action, label, sources, target, roles, when=None, refusal="", offered=True):
    return Transition(action, label, frozenset(sources), target, frozenset(roles), when, refusal, offered)


class Facts:
    """What a transition's condition may ask beyond the order's own fields, read lazily (a query
    each, only when a condition asks): the running clocks' pauses and the paid-service record."""

    def __init__(self, order, clocks=None):
        self.order, self._clocks = order, clocks

    @cached_property
    def pauses(self):
        return running_clock_pauses(self.order, self._clocks)

    @cached_property
    def paid(self):
        from griddesk.orders.models import PaidService

        return PaidService.objects.filter(order_id=self.order.pk).first()


def customer_waited_on(order, facts):
    """Waiting on the customer: a running clock is paused with no end (only `order_wait_customer`
    pauses open-ended; a storm's pause has its end, rule R-3)."""
    return any(paused_since is not None for paused_since in facts.pauses)


def may_wait_on_customer(order, facts):
    """Some clock is running and none waits on the customer yet."""
    return bool(facts.pauses) and not customer_waited_on(order, facts)


def customer_internal(order, facts):
    return order.fault_side == FaultSide.CUSTOMER_INTERNAL


def on_outage(order, facts):
    """A call that joined an outage (rule C-9), not about the customer's own installation."""
    return order.outage_id is not None and order.fault_side != FaultSide.CUSTOMER_INTERNAL


def dispatchable(order, facts):
    """Rules C-8, P-3: the utility's side (or unknown) at once; a customer's own installation only
    once the customer has consented to the quote (free work there is refused)."""
    return not customer_internal(order, facts) or order.state == S.CONSENTED


def visit_not_wanted(order, facts):
    return not order.visit_wanted


def payable(order, facts):
    """Rule P-3: a consented paid service not paid yet."""
    return facts.paid is not None and facts.paid.consent_at is not None and facts.paid.paid_at is None


def invoiceable(order, facts):
    """Rule P-3: the formal invoice after payment, once."""
    return facts.paid is not None and facts.paid.paid_at is not None and not facts.paid.invoice_no


def repair_archivable(order, facts):
    """Rules C-12, P-4: a repair that needs its return visit is archived only once visited; rule P-3: a
    consented paid service only once paid and invoiced. The same test `services.order_archive` makes,
    so the order page never offers an archive the service refuses (issue 9, desk item 7)."""
    from griddesk.orders.clocks import repair_visit_required

    if order.state != S.VISITED and repair_visit_required(order):
        return False
    paid = facts.paid
    return paid is None or paid.consent_at is None or bool(paid.paid_at and paid.invoice_no)


OFFICE = {R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE, R.SUPERVISOR, R.MANAGER}
CREW = {R.REPAIR_CREW, R.DISPATCHER}

# Rules C-8, R-1, R-2, P-1..P-4, C-12. A customer's own installation (P-1): guidance by phone, or a
# quote, the customer's consent, then the crew; payment and the invoice are steps of their own.
REPAIR = [
    _t("dispatch", gettext_lazy("派工"), {S.ACCEPTED, S.CONSENTED}, S.DISPATCHED,
       {R.AGENT, R.DISPATCHER, R.SHIFT_LEADER}, when=dispatchable,
       refusal=gettext_lazy("客户内部故障须先报价并经客户确认，才能派工（规则 C-8、P-3）。")),
    _t("guide", gettext_lazy("电话指导排障"), {S.ACCEPTED, S.QUOTED}, S.RESOLVED, {R.AGENT, R.SHIFT_LEADER},
       when=customer_internal, refusal=gettext_lazy("只有客户内部故障可以电话指导结案（规则 C-8）。")),
    _t("quote", gettext_lazy("报价（有偿服务）"), {S.ACCEPTED, S.QUOTED}, S.QUOTED,
       {R.AGENT, R.DISPATCHER, R.REPAIR_CREW}, when=customer_internal,
       refusal=gettext_lazy("只有客户产权设施的维修属于有偿服务（规则 P-1）。")),
    _t("consent", gettext_lazy("客户确认报价"), {S.QUOTED}, S.CONSENTED,
       {R.AGENT, R.DISPATCHER, R.REPAIR_CREW}),
    _t("crew_accept", gettext_lazy("班组接单"), {S.DISPATCHED}, S.CREW_ACCEPTED, CREW),
    _t("arrive", gettext_lazy("到达现场"), {S.DISPATCHED, S.CREW_ACCEPTED}, S.ON_SITE, CREW),
    _t("survey", gettext_lazy("勘查汇报"), {S.ON_SITE}, S.SURVEYED, CREW),
    _t("repair", gettext_lazy("修复完成"), {S.ON_SITE, S.SURVEYED}, S.REPAIRED, CREW),
    _t("restore", gettext_lazy("恢复送电"), {S.REPAIRED}, S.RESOLVED, CREW),
    # Rule C-12: the outage a call joined is restored (outages.services.outage_restore): the call is
    # resolved with it, wherever the crew's steps on it had got to.
    _t("outage_restore", gettext_lazy("停电恢复送电"), {S.ACCEPTED, S.DISPATCHED, S.CREW_ACCEPTED, S.ON_SITE,
                                                      S.SURVEYED, S.REPAIRED}, S.RESOLVED,
       CREW | {R.SHIFT_LEADER, R.MANAGER}, when=on_outage, offered=False,
       refusal=gettext_lazy("只有随停电事件受理的报修可随停电恢复送电（规则 C-12）。")),
    _t("pay", gettext_lazy("登记收费"), {S.RESOLVED, S.VISITED}, None,
       {R.REPAIR_CREW, R.BACK_OFFICE, R.AGENT}, when=payable,
       refusal=gettext_lazy("该工单不是待收费的有偿服务（规则 P-3）。")),
    _t("invoice", gettext_lazy("开具发票"), {S.RESOLVED, S.VISITED}, None, {R.REPAIR_CREW, R.BACK_OFFICE},
       when=invoiceable, refusal=gettext_lazy("有偿服务须先登记收费才能开具发票，且只开一次（规则 P-3）。")),
    _t("request_visit", gettext_lazy("要求回访"), {S.DISPATCHED, S.CREW_ACCEPTED, S.ON_SITE, S.SURVEYED,
                                                   S.REPAIRED, S.RESOLVED}, None,
       {R.AGENT, R.SHIFT_LEADER, R.SUPERVISOR, R.MANAGER, R.RETURN_VISIT}, when=visit_not_wanted,
       refusal=gettext_lazy("该工单已列入回访（规则 C-12）。")),
    _t("visit", gettext_lazy("回访"), {S.RESOLVED}, S.VISITED, {R.RETURN_VISIT, R.AGENT}),
    _t("archive", gettext_lazy("归档"), {S.RESOLVED, S.VISITED}, S.ARCHIVED, OFFICE | {R.RETURN_VISIT},
       when=repair_archivable,
       refusal=gettext_lazy("须先回访客户（规则 C-12、P-4）；有偿服务须先登记收费并开具发票（规则 P-3），才能归档。")),
]

# Rules K-3..K-9, A-2, C-12: forward, contact, findings, reply, mandatory visit, then archive.
COMPLAINT = [
    _t("forward", gettext_lazy("转派处理部门"), {S.ACCEPTED, S.FORWARDED, S.CONTACTED}, S.FORWARDED,
       {R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE, R.SUPERVISOR}),
    _t("bounce", gettext_lazy("退单"), {S.FORWARDED, S.CONTACTED}, S.ACCEPTED, {R.BACK_OFFICE}),
    _t("contact", gettext_lazy("联系客户"), {S.FORWARDED}, S.CONTACTED, {R.BACK_OFFICE}),
    _t("findings", gettext_lazy("调查处理结果"), {S.FORWARDED, S.CONTACTED}, S.INVESTIGATED, {R.BACK_OFFICE}),
    _t("reply", gettext_lazy("答复客户"), {S.INVESTIGATED}, S.REPLIED,
       {R.BACK_OFFICE, R.AGENT, R.SHIFT_LEADER}),
    _t("visit", gettext_lazy("回访"), {S.REPLIED}, S.VISITED, {R.RETURN_VISIT}),
    _t("archive", gettext_lazy("归档"), {S.VISITED}, S.ARCHIVED,
       {R.RETURN_VISIT, R.SHIFT_LEADER, R.SUPERVISOR}),
]

# Rule C-6: answered at once, or a callback owed with its clock.
CONSULTATION = [
    _t("answer", gettext_lazy("答复"), {S.ACCEPTED, S.CALLBACK_OWED}, S.ANSWERED,
       {R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE}),
    _t("owe_callback", gettext_lazy("需回电答复"), {S.ACCEPTED}, S.CALLBACK_OWED, {R.AGENT, R.SHIFT_LEADER}),
    _t("archive", gettext_lazy("归档"), {S.ANSWERED}, S.ARCHIVED, OFFICE),
]

# Rules H-6, T-1..T-3: stages with their clocks and documents.
APPLICATION_STAGES_OPEN = {S.ACCEPTED, S.PLAN_REPLIED, S.DESIGN_SUBMITTED, S.DESIGN_REVIEWED, S.RECTIFYING,
                           S.INSPECTED, S.CONTRACT_SIGNED}
INSPECTABLE = {S.PLAN_REPLIED, S.DESIGN_REVIEWED, S.RECTIFYING}
APPLICATION = [
    _t("reply_plan", gettext_lazy("答复供电方案"), {S.ACCEPTED}, S.PLAN_REPLIED, {R.BACK_OFFICE}),
    # Rule T-2: the review clock runs from the customer's submission of the design, not from the plan.
    _t("submit_design", gettext_lazy("客户报送设计文件"), {S.PLAN_REPLIED}, S.DESIGN_SUBMITTED, {R.BACK_OFFICE}),
    _t("review_design", gettext_lazy("设计审查（书面意见）"), {S.DESIGN_SUBMITTED}, S.DESIGN_REVIEWED,
       {R.BACK_OFFICE}),
    # Rule M-2: a failed inspection gives a written rectification opinion; re-inspected until it passes.
    _t("inspect", gettext_lazy("竣工检验合格"), INSPECTABLE, S.INSPECTED, {R.BACK_OFFICE}),
    _t("inspect_fail", gettext_lazy("竣工检验不合格"), INSPECTABLE, S.RECTIFYING, {R.BACK_OFFICE}),
    _t("sign_contract", gettext_lazy("签订合同"), {S.INSPECTED}, S.CONTRACT_SIGNED, {R.BACK_OFFICE}),
    _t("energise", gettext_lazy("装表接电"), {S.ACCEPTED, S.CONTRACT_SIGNED}, S.ENERGISED, {R.BACK_OFFICE}),
    _t("archive", gettext_lazy("归档"), {S.ENERGISED}, S.ARCHIVED, OFFICE),
    # Issue 3: waiting on the customer (documents missing, the customer's own reason) pauses the running
    # clocks; the customer back runs them again. Neither changes the state; whoever runs the stages may.
    _t("wait_customer", gettext_lazy("等待客户（暂停时限）"), APPLICATION_STAGES_OPEN, None,
       {R.BACK_OFFICE}, when=may_wait_on_customer),
    _t("customer_back", gettext_lazy("客户已补齐资料（恢复计时）"),
       APPLICATION_STAGES_OPEN | {S.ENERGISED}, None,
       {R.BACK_OFFICE}, when=customer_waited_on),
]

# Opinion, suggestion, praise: recorded, routed, answered.
FEEDBACK = [
    _t("forward", gettext_lazy("转派处理部门"), {S.ACCEPTED}, S.FORWARDED,
       {R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE}),
    _t("answer", gettext_lazy("答复"), {S.ACCEPTED, S.FORWARDED}, S.ANSWERED,
       {R.AGENT, R.SHIFT_LEADER, R.BACK_OFFICE}),
    _t("archive", gettext_lazy("归档"), {S.ANSWERED}, S.ARCHIVED, OFFICE),
]

# Actions open to any order type.
COMMON = [
    _t("transfer_to_leader", gettext_lazy("转值长"), set(S.values) - {S.ARCHIVED}, None,
       {R.AGENT}),  # rule C-11; state unchanged
]

WORKFLOWS = {
    T.REPAIR: REPAIR,
    T.COMPLAINT: COMPLAINT,
    T.REPORT: COMPLAINT,
    T.CONSULTATION: CONSULTATION,
    T.QUERY: CONSULTATION,
    T.APPLICATION: APPLICATION,
    T.OPINION: FEEDBACK,
    T.SUGGESTION: FEEDBACK,
    T.PRAISE: FEEDBACK,
}


# Every action's label, for messages about an action the order's own workflow lacks.
ACTION_LABELS = {t.action: t.label for transitions in [*WORKFLOWS.values(), COMMON] for t in transitions}


def transitions_of(order_type):
    return WORKFLOWS[order_type] + COMMON


def transition_for(order, action, facts=None, conditions=True):
    """The transition `action` from the order's current state, or TransitionRefused. `conditions`
    False skips the `when` checks, for a service that checks them first with its own messages."""
    for transition in transitions_of(order.order_type):
        if transition.action != action:
            continue
        if not transition.allows(order.state):
            allowed = _("、").join(str(t.label) for t in available_transitions(order)) or "—"
            raise TransitionRefused(
                _("工单 %(number)s 当前状态为“%(state)s”，不能执行“%(action)s”。可执行：%(allowed)s")
                % {"number": order.number, "state": order.get_state_display(),
                   "action": transition.label, "allowed": allowed}
            )
        if conditions and transition.when is not None and not transition.when(order, facts or Facts(order)):
            raise TransitionRefused(str(transition.refusal) or _("工单 %(number)s 现在不能执行“%(action)s”。")
                                    % {"number": order.number, "action": transition.label})
        return transition
    raise TransitionRefused(
        _("“%(type)s”工单没有“%(action)s”操作。")
        % {"type": order.get_order_type_display(), "action": ACTION_LABELS.get(action, action)}
    )


def available_transitions(order, user=None, clocks=None):
    """Transitions open now (to `user`, when given). A transition with a `when` condition may read
    the order's running clocks (`clocks` when the caller has them, else one query) or its paid
    service (one query), only when it passes the state and role checks."""
    available, facts = [], Facts(order, clocks)
    for t in transitions_of(order.order_type):
        if not t.offered:
            continue
        if not t.allows(order.state) or (user is not None and not user.has_role(*t.roles)):
            continue
        if t.when is not None and not t.when(order, facts):
            continue
        available.append(t)
    return available


def running_clock_pauses(order, clocks=None):
    """`paused_since` of each running clock of the order (None where the clock runs)."""
    if clocks is not None:
        return [c.paused_since for c in clocks if c.stopped_at is None]
    return list(SlaClock.objects.filter(order_id=order.pk, stopped_at__isnull=True)
                .values_list("paused_since", flat=True))
