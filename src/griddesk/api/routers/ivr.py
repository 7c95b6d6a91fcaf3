"""IVR pre-routing (自助语音): the outage announcement for a caller and registering the call under it.

A caller whose supply is inside a known outage (predicted, confirmed, announced or active, rule C-9)
hears its cause, expected restoration and the apology, and the call is registered as a repair order
of channel `ivr` under the outage, numbered and audited like every order, with no agent involved.
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status

from griddesk.api import render
from griddesk.api.schemas import CustomerOut, ErrorOut, OutageOut
from griddesk.api.selectors import NotFound
from griddesk.api.services import idempotent_create, idempotent_replay, request_digest
from griddesk.orders import services
from griddesk.orders.batching import intake_commit
from griddesk.orders.models import Channel, FaultSide, OrderType
from griddesk.orders.workflows import TransitionRefused
from griddesk.orgs.models import RoleCode
from griddesk.outages.ivr import announcement_for, announcement_text
from griddesk.outages.selectors import open_outage_order

router = Router(tags=["IVR 自助语音"])
E = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
REGISTER_ROLES = (RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.BACK_OFFICE, RoleCode.DISPATCHER,
                  RoleCode.SUPERVISOR, RoleCode.MANAGER)  # who takes orders in (api/routers/orders.py)


class AnnouncementOut(Schema):
    phone: str
    customer: CustomerOut | None = Field(description="在停电范围内的客户（无停电时为该号码的第一个客户）")
    outage: OutageOut | None = Field(description="客户供电路径上的已知停电；没有时为 null")
    text: str | None = Field(description="IVR 播报的中文语音文本（原因、预计恢复、致歉，C-9）；无停电时为 null")


class RegisterIn(Schema):
    customer: str | None = Field(None, max_length=20, description="户号：一个号码对应多个客户时指定其一")


class RegisterOut(Schema):
    number: str = Field(description="工单编号（子单，渠道 ivr）")
    outage: str = Field(description="所属停电编号")
    customer: str = Field(description="户号")
    callback_phone: str = Field(description="恢复送电后短信通知的号码（客户档案电话，无则为来电号码）")
    already_registered: bool = Field(description="该客户在此次停电下已有在办工单：不再重复建单")
    text: str = Field(description="IVR 播报的确认语音文本")


def _announcement(user, phone, account_no=None):
    found = announcement_for(phone=phone, user=user, account_no=account_no)
    if found is None:
        raise NotFound(_("来电号码 %s 不是有效的电话号码。") % phone)
    if not found.customers and account_no is not None:
        raise NotFound(_("来电号码 %(phone)s 没有户号为 %(account)s 的客户。") % {
            "phone": phone, "account": account_no})
    if not found.customers:
        raise NotFound(_("找不到来电号码 %s 对应的客户，或该客户不在您的管辖范围内。") % phone)
    return found


@router.get("/callers/{phone}/announcement", response={200: AnnouncementOut, **E}, summary="IVR 停电播报")
def announcement(request, phone: str):
    """For a caller whose supply is inside a known outage (predicted, confirmed, announced or active):
    the outage and the text to play, in Chinese (cause, expected restoration, apology; rule C-9).
    A known phone with no outage on its customers' supply paths: 200 with `outage` and `text` null
    (route the call to an agent). An invalid or unknown phone, or one outside the token's scope: 404."""
    found = _announcement(request.auth, phone)
    return {"phone": phone, "customer": render.customer_dict(found.customer, request.auth),
            "outage": render.outage_dict(found.outage) if found.outage else None,
            "text": announcement_text(found.outage) if found.outage else None}


@router.post("/callers/{phone}/outage-call", response={200: RegisterOut, 201: RegisterOut, **E},
             summary="IVR 登记停电来电（子单，支持幂等键）")
def outage_call(request, phone: str, payload: RegisterIn,
                idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100,
                                                     description="重试时带同一个键，绝不重复建单")):
    """Register the call as a repair order (channel `ivr`) under the caller's outage, owing the caller
    the restoration message (rule C-12): through the order intake, so it is numbered and audited, and
    joins the outage with its crew (rule C-9). A customer who already has an open order under this
    outage gets it back (200, `already_registered`). With an `Idempotency-Key`, a retry returns the
    first answer (`Idempotent-Replay: true`). No outage on the caller's supply path: 409."""
    user = request.auth
    if not user.has_role(*REGISTER_ROLES):
        raise PermissionDenied(_("您的角色不能%s。") % _("受理工单"))
    key = (idempotency_key or "").strip()
    digest = request_digest({"phone": phone, **payload.model_dump(mode="json")}) if key else None
    if key:
        record = idempotent_replay(user=user, key=key, digest=digest)
        if record is not None:
            return _replayed(record.response)
    found = _announcement(user, phone, payload.customer or None)
    customer, outage = found.customer, found.outage
    if outage is None:
        raise TransitionRefused(_("来电号码 %s 的客户供电线路上没有已知停电：请转人工受理。") % phone)
    existing = open_outage_order(outage=outage, customer=customer)
    if existing is not None:
        return Status(200, _answer(existing.number, outage, customer, phone, already=True))
    arguments = {
        "order_type": OrderType.REPAIR, "channel": Channel.IVR, "customer": customer,
        "title": _("停电来电（IVR 自助登记）"), "fault_side": FaultSide.UTILITY, "caller_phone": phone,
        "description": _("IVR 已播报停电 %(code)s 的原因和预计恢复时间并致歉（规则 C-9）；"
                         "恢复送电后须通知客户（规则 C-12）。") % {"code": outage.code},
        "detect_repeat": False,  # the outage is the matter: each caller is owed the restoration message
    }

    def present(order):
        return _answer(order.number, outage, customer, phone, already=False)

    if not key:
        order = intake_commit(services.order_draft(actor=user, **arguments))
        return Status(201, present(order))
    record, replayed = idempotent_create(user=user, key=key, digest=digest, arguments=arguments, render=present)
    return _replayed(record.response) if replayed else Status(record.status, record.response)


def _answer(number, outage, customer, phone, *, already):
    # the restoration SMS goes where orders.services.order_customer_tell sends it: the customer's phone,
    # else the number the call came from
    return {"number": number, "outage": outage.code, "customer": customer.account_no,
            "callback_phone": customer.phone or phone,
            "already_registered": already,
            "text": announcement_text(outage)}


def _replayed(data):
    answer = HttpResponse(json.dumps(data, ensure_ascii=False), status=200, content_type="application/json")
    answer["Idempotent-Replay"] = "true"
    return answer
