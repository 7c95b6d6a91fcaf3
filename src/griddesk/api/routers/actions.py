"""POST /orders/{number}/actions/{action}: every workflow action, one body schema each.

Every body carries `expected_version` (the `version` read with the order): if the order
changed since, the answer is 409 `stale_version` and nothing is written, so two people
never silently overwrite each other. The workflow itself (orders/workflows.py) refuses
actions the order's state does not allow (409 `conflict`) or the user's role may not take (403).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router

from griddesk.api import render
from griddesk.api.schemas import (
    AnswerIn,
    ArchiveIn,
    BounceIn,
    ConsentIn,
    CrewStepIn,
    CustomerBackIn,
    DispatchIn,
    ErrorOut,
    FindingsIn,
    ForwardIn,
    GuideIn,
    InvoiceIn,
    NoteIn,
    OrderOut,
    OweCallbackIn,
    PayIn,
    QuoteIn,
    ReplyIn,
    RequestVisitIn,
    StageIn,
    TransferIn,
    VisitIn,
    WaitCustomerIn,
)
from griddesk.api.selectors import NotFound, order_for
from griddesk.orders import services
from griddesk.orders.services import ConcurrentUpdate
from griddesk.orgs.models import Crew, Org

router = Router(tags=["工单操作"])
E = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _crew(code):
    crew = Crew.objects.filter(code=code, active=True).first()
    if crew is None:
        raise ValidationError({"crew": _("找不到在岗的抢修班组：%s") % code})
    return crew


def _department(code):
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({"department": _("找不到处理部门：%s") % code})
    return org


def _dispatch(order, user, p):
    return services.order_dispatch(order=order, actor=user, crew=_crew(p.crew) if p.crew else None,
                                   expected_version=p.expected_version)


def _quote(order, user, p):
    lines = [{"item": line.item, "material": line.material, "quantity": str(line.quantity),
              "unit_price": str(line.unit_price)} for line in p.lines]
    return services.order_quote(order=order, actor=user, lines=lines, expected_version=p.expected_version)


def _pay(order, user, p):
    return services.order_pay(order=order, actor=user, method=str(p.method), reference=p.reference,
                              expected_version=p.expected_version)


def _crew_step(action):
    def call(order, user, p):
        return services.order_crew_step(order=order, actor=user, step=action, note=p.note, at=p.at,
                                        expected_version=p.expected_version)
    return call


def _stage(action):
    def call(order, user, p):
        return services.order_application_stage(order=order, actor=user, stage=action, note=p.note,
                                                delay_reason=p.delay_reason,
                                                expected_version=p.expected_version)
    return call


def _simple(service, **fields):
    """A service taking `fields` (service argument -> body field) plus expected_version."""
    def call(order, user, p):
        return service(order=order, actor=user, expected_version=p.expected_version,
                       **{arg: getattr(p, attr) for arg, attr in fields.items()})
    return call


def _transfer(order, user, p):
    # The service takes no expected_version; the version was checked against this read (below)
    # and the service's update is conditional on it, so a concurrent change is still refused.
    return services.order_transfer_to_leader(order=order, actor=user, note=p.note)


def _forward(order, user, p):
    return services.order_forward(order=order, actor=user, department=_department(p.department),
                                  note=p.note, expected_version=p.expected_version)


def _findings(order, user, p):
    return services.order_findings(order=order, actor=user, findings=p.findings, cause=str(p.cause),
                                   responsibility=p.responsibility, expected_version=p.expected_version)


def _visit(order, user, p):
    return services.order_visit(order=order, actor=user, satisfaction=str(p.satisfaction), note=p.note,
                                expected_version=p.expected_version)


@dataclass(frozen=True)
class Action:
    name: str
    schema: type
    call: object
    summary: str


ACTIONS = [
    Action("dispatch", DispatchIn, _dispatch, "派工（C-8、R-1）"),
    Action("guide", GuideIn, _simple(services.order_guide, guidance="guidance"), "电话指导排障（C-8）"),
    Action("quote", QuoteIn, _quote, "有偿服务报价（P-1..P-3）"),
    Action("consent", ConsentIn, _simple(services.order_consent, consent_by="consent_by", method="method"),
           "客户确认报价（P-3）"),
    Action("pay", PayIn, _pay, "登记收费（P-3）"),
    Action("invoice", InvoiceIn, _simple(services.order_invoice, invoice_no="invoice_no"), "开具发票（P-3）"),
    *[Action(step, CrewStepIn, _crew_step(step), summary) for step, summary in [
        ("crew_accept", "班组接单"), ("arrive", "到达现场（停止 R-2 时限）"), ("survey", "勘查汇报"),
        ("repair", "修复完成"), ("restore", "恢复送电（R-1）")]],
    Action("forward", ForwardIn, _forward, "转派处理部门（K-3）"),
    Action("bounce", BounceIn, _simple(services.order_bounce, reason="reason"), "退单（K-5）"),
    Action("contact", NoteIn, _simple(services.order_contact, note="note"), "联系客户"),
    Action("findings", FindingsIn, _findings, "调查处理结果与责任原因（K-4、A-2）"),
    Action("reply", ReplyIn, _simple(services.order_reply, reply="reply"), "答复客户（K-3）"),
    Action("visit", VisitIn, _visit, "回访与满意度（C-12）"),
    Action("answer", AnswerIn, _simple(services.order_answer, answer="answer"), "答复咨询（C-6）"),
    Action("owe_callback", OweCallbackIn, _simple(services.order_owe_callback, phone="phone", note="note"),
           "需回电答复（C-6）"),
    *[Action(stage, StageIn, _stage(stage), summary) for stage, summary in [
        ("reply_plan", "答复供电方案（T-1）"), ("submit_design", "客户报送设计文件（T-2 起算）"),
        ("review_design", "设计审查，note 为书面审查意见（T-2）"), ("inspect", "竣工检验合格"),
        ("inspect_fail", "竣工检验不合格，note 为书面整改意见（M-2）"), ("sign_contract", "签订合同"),
        ("energise", "装表接电（T-3）")]],
    Action("wait_customer", WaitCustomerIn, _simple(services.order_wait_customer, reason="reason"),
           "等待客户，暂停业务受理的时限（T-1..T-3）"),
    Action("customer_back", CustomerBackIn, _simple(services.order_customer_back, note="note"),
           "客户已补齐资料，恢复计时（T-1..T-3）"),
    Action("request_visit", RequestVisitIn, _simple(services.order_request_visit, reason="reason"),
           "要求回访（C-12）"),
    Action("archive", ArchiveIn, _simple(services.order_archive), "归档（C-12、K-8）"),
    Action("transfer_to_leader", TransferIn, _transfer, "转值长（C-11）"),
]
ACTION_NAMES = [a.name for a in ACTIONS]  # tests check that every workflow action is here


def _run(request, number, action, payload):
    user = request.auth
    order = order_for(user=user, number=number)
    if payload.expected_version != order.version:
        raise ConcurrentUpdate(
            _("工单 %(number)s 已被他人修改（当前版本 %(current)d，您提交的版本 %(expected)d），请刷新后重试。")
            % {"number": order.number, "current": order.version, "expected": payload.expected_version}
        )
    order = action.call(order, user, payload)
    return render.order_dict(order, user=user, clocks=render.order_clocks(order))


def _endpoint(action):
    def view(request, number: str, payload: action.schema):
        return _run(request, number, action, payload)

    view.__name__ = f"order_action_{action.name}"
    view.__doc__ = f"{action.summary}. Body: {action.schema.__name__}; 409 on a stale `expected_version`."
    return view


for _action in ACTIONS:
    router.post(f"/orders/{{number}}/actions/{_action.name}", response={200: OrderOut, **E},
                summary=_action.summary, operation_id=f"order_action_{_action.name}")(_endpoint(_action))


@router.post("/orders/{number}/actions/{action}", response={404: ErrorOut, 401: ErrorOut},
             summary="未知操作", include_in_schema=False)
def order_action_unknown(request, number: str, action: str):
    raise NotFound(_("没有“%(action)s”操作。可用操作：%(names)s") % {"action": action,
                                                             "names": "、".join(ACTION_NAMES)})

