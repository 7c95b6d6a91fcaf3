"""Orders: create (idempotent), read, queue, reminders (K-6) and sealed identity (K-7)."""

import json
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status

from griddesk.api import render
from griddesk.api.schemas import (
    AccuseIn,
    ErrorOut,
    IdentityOpenIn,
    IdentityOut,
    OrderCreateIn,
    OrderOut,
    OrderPageOut,
    PersonOut,
    ReminderIn,
    ReminderOut,
)
from griddesk.api.selectors import NotFound, order_for
from griddesk.api.services import idempotent_create, idempotent_replay, request_digest
from griddesk.customers.lookup import customer_for_caller
from griddesk.orders import disclosure, services
from griddesk.orders.batching import intake_commit
from griddesk.orders.models import Category
from griddesk.orders.queries import QueueFilters, order_queue
from griddesk.orgs.models import Org, RoleCode, Staff
from griddesk.orgs.selectors import orgs_visible_q

router = Router(tags=["工单"])

# Who takes orders in (受理): the hotline and every desk that receives customers' matters.
CREATE_ROLES = (RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.BACK_OFFICE, RoleCode.DISPATCHER,
                RoleCode.SUPERVISOR, RoleCode.MANAGER)
REMIND_ROLES = (*CREATE_ROLES, RoleCode.RETURN_VISIT)
E = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
REMINDER_HORIZON = timedelta(days=366)  # a supervision deadline (K-6) within a year; year 9999 overflowed


def _require_role(user, roles, what):
    if not user.has_role(*roles):
        raise PermissionDenied(_("您的角色不能%s。") % what)


def _jsonable(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# ---------------------------------------------------------------- create


def _create_arguments(user, payload):
    """Resolve the codes in the body to objects; ValidationError names each unknown one.

    Unknown and out-of-scope references get the same message, so the API reveals nothing
    outside the user's scope.
    """
    errors, kwargs = {}, {}
    if payload.customer:
        kwargs["customer"] = customer_for_caller(account_no=payload.customer, user=user)
        if kwargs["customer"] is None:
            errors["customer"] = _("找不到户号 %s，或该客户不在您的管辖范围内。") % payload.customer
    if payload.org:
        kwargs["org"] = Org.objects.filter(orgs_visible_q(user), code=payload.org).first()
        if kwargs["org"] is None:
            errors["org"] = _("找不到单位 %s，或它不在您的管辖范围内。") % payload.org
    if payload.category:
        kwargs["category"] = Category.objects.filter(code=payload.category, active=True).first()
        if kwargs["category"] is None:
            errors["category"] = _("找不到启用的分类：%s") % payload.category
    if payload.accused:
        kwargs["accused"] = list(Org.objects.filter(code__in=payload.accused))
        unknown = sorted(set(payload.accused) - {org.code for org in kwargs["accused"]})
        if unknown:
            errors["accused"] = _("找不到单位：%s") % "、".join(unknown)
    if errors:
        raise ValidationError(errors)
    # Rule K-7: the service seals who is behind a report or an anonymous matter, whatever the channel.
    return dict(
        kwargs, order_type=str(payload.order_type), channel=str(payload.channel),
        received_at=payload.received_at, title=payload.title, description=payload.description,
        caller_name=payload.caller_name, caller_phone=payload.caller_phone,
        fault_side=str(payload.fault_side) if payload.fault_side else "",
        application_kind=str(payload.application_kind) if payload.application_kind else "",
        dual_source=payload.dual_source,
        anonymous=payload.anonymous, identity=payload.identity.model_dump() if payload.identity else None,
    )


@router.post("/orders", response={200: OrderOut, 201: OrderOut, **E}, summary="受理工单（支持幂等键）")
def order_create(request, payload: OrderCreateIn,
                 idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100,
                                                      description="IVR 等重试时带同一个键，绝不重复建单")):
    """Create an order of any type (rule C-1). With an `Idempotency-Key`, a retry with the same
    key and body returns the original order (200, `Idempotent-Replay: true`); the same key with
    a different body is refused (422)."""
    user = request.auth
    _require_role(user, CREATE_ROLES, _("受理工单"))
    key = (idempotency_key or "").strip()
    digest = request_digest(payload.model_dump(mode="json")) if key else None
    if key:
        record = idempotent_replay(user=user, key=key, digest=digest)
        if record is not None:
            answer = _json_response(200, record.response)
            answer["Idempotent-Replay"] = "true"
            return answer
    arguments = _create_arguments(user, payload)

    def present(order):  # from the clocks the create planned (order_draft): no re-read
        return _jsonable(render.order_dict(order, user=user, clocks=order.planned_clocks))

    if not key:
        order = intake_commit(services.order_draft(actor=user, **arguments))
        return _json_response(201, present(order))
    record, replayed = idempotent_create(user=user, key=key, digest=digest, arguments=arguments, render=present)
    answer = _json_response(200 if replayed else record.status, record.response)
    if replayed:
        answer["Idempotent-Replay"] = "true"
    return answer


def _json_response(status, data):
    # Already plain JSON (rendered, or stored with the idempotency record): sent as it is,
    # not validated again against OrderOut, which it was made from (render.order_dict).
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json")


# ---------------------------------------------------------------- read and list


@router.get("/orders/{number}", response={200: OrderOut, **E}, summary="工单详情")
def order_read(request, number: str):
    """The order with its clocks, the actions this user may take now and its `version`.
    Outside the user's org scope it is 404, as if it did not exist."""
    order = order_for(user=request.auth, number=number)
    return render.order_dict(order, user=request.auth, clocks=render.order_clocks(order))


class QueueParams(Schema):
    scope: str | None = Field(None, max_length=16, description="org（默认）、mine、handling、crew")
    order_type: str | None = Field(None, max_length=16)
    state: str | None = Field(None, max_length=20, description="状态编码，或 open（未归档）")
    category: str | None = Field(None, max_length=32, description="分类编码（含下级分类）")
    org: str | None = Field(None, max_length=32, description="单位编码（含下级单位），须在管辖范围内")
    overdue: str | None = Field(None, max_length=5, description="1：已超时")
    due_within_hours: str | None = Field(None, max_length=5, description="N 小时内到期")
    sort: str | None = Field(None, max_length=16, description="accepted_at、-accepted_at、due_at")
    cursor: str | None = Field(None, max_length=500, description="上一页返回的 next_cursor")
    limit: int = Field(25, ge=1, le=200)


@router.get("/orders", response={200: OrderPageOut, **E}, summary="工单队列（筛选、排序、游标翻页）")
def order_list(request, params: Query[QueueParams]):
    """A page of the user's queue (keyset pagination: pass `next_cursor` back as `cursor`)."""
    raw = params.model_dump(exclude={"cursor", "limit"}, exclude_none=True)
    filters = QueueFilters.from_params(raw)
    page = order_queue(user=request.auth, filters=filters, cursor=params.cursor, limit=params.limit)
    now = timezone.now()
    disclosure.attach_accusations(page.rows)
    return {"rows": [render.order_row_dict(o, now, request.auth) for o in page.rows],
            "next_cursor": page.next_cursor}


# ---------------------------------------------------------------- reminders and identity


def _reminder_targets(order, payload):
    errors, to_user, to_org = {}, None, None
    if payload.to_user:
        to_user = Staff.objects.filter(username=payload.to_user, is_active=True).first()
        if to_user is None:
            errors["to_user"] = _("找不到在职的工作人员：%s") % payload.to_user
    if payload.to_org:
        to_org = Org.objects.filter(code=payload.to_org).first()
        if to_org is None:
            errors["to_org"] = _("找不到单位：%s") % payload.to_org
    if payload.due_at is not None and payload.due_at <= timezone.now():
        errors["due_at"] = _("办理期限必须晚于当前时间。")
    elif payload.due_at is not None and payload.due_at > timezone.now() + REMINDER_HORIZON:
        errors["due_at"] = _("办理期限不能晚于一年以后。")
    if errors:
        raise ValidationError(errors)
    return to_user, to_org  # none named: the service routes it (orders.reminders.reminder_route, K-6)


@router.post("/orders/{number}/reminders", response={201: ReminderOut, **E}, summary="催办 / 督办")
def order_remind(request, number: str, payload: ReminderIn):
    """A reminder (催办) or a supervision item (督办) with its own deadline (rule K-6). Without `to_user`
    or `to_org`, a 催办 goes to whoever holds the order now (its crew, assignee, department, else its
    owner of record) and a 督办 to the supervisor above that desk; the owner of record is copied.
    Without `due_at` it gets its kind's default deadline."""
    user = request.auth
    _require_role(user, REMIND_ROLES, _("催办工单"))
    order = order_for(user=user, number=number)
    if not payload.reason:
        raise ValidationError({"reason": _("请填写催办原因。")})
    to_user, to_org = _reminder_targets(order, payload)
    reminder = services.reminder_send(order=order, kind=str(payload.kind), actor=user, reason=payload.reason,
                                      to_user=to_user, to_org=to_org, due_at=payload.due_at)
    return Status(201, {
        "id": reminder.pk, "order": order.number, "kind": reminder.kind, "reason": reminder.reason,
        "to_user": reminder.to_user.username if reminder.to_user else None,
        "to_org": reminder.to_org.code if reminder.to_org else None,
        "to_crew": reminder.to_crew.code if reminder.to_crew else None,
        "due_at": timezone.localtime(reminder.due_at) if reminder.due_at else None,
        "created_at": timezone.localtime(reminder.created_at),
    })


@router.post("/orders/{number}/identity", response={200: IdentityOut, **E}, summary="查看封存身份")
def order_identity(request, number: str, payload: IdentityOpenIn):
    """Open the sealed identity of a reporter (rules K-7, K-9): named roles only, never the
    department complained about; every opening and every refusal is in the audit history."""
    order = order_for(user=request.auth, number=number)
    identity = services.identity_open(order=order, actor=request.auth, purpose=payload.purpose)
    if identity is None:
        raise NotFound(_("工单 %s 没有封存的身份信息。") % order.number)
    return {"order": order.number, "name": identity.name, "phone": identity.phone,
            "contact": identity.contact, "account_no": identity.account_no}


@router.post("/orders/{number}/accused", response={200: OrderOut, **E}, summary="记录被投诉/举报单位")
def order_accuse(request, number: str, payload: AccuseIn):
    """Record a unit the complaint or report is about (rule K-9): its staff then see nothing of
    who complained and cannot read a report about themselves. Kept for the order's life."""
    order = order_for(user=request.auth, number=number)
    org = Org.objects.filter(code=payload.org).first()
    if org is None:
        raise ValidationError({"org": _("找不到单位：%s") % payload.org})
    order = services.order_accuse(order=order, actor=request.auth, org=org, note=payload.note)
    return render.order_dict(order, user=request.auth, clocks=render.order_clocks(order))


@router.post("/orders/{number}/person", response={200: PersonOut, **E}, summary="显示当事人完整信息")
def order_person(request, number: str):
    """The unmasked name, account, phone and address behind an order, for a role that sees them
    masked: the showing is audited. Never a sealed identity (K-7) or a complainant to the accused (K-9)."""
    order = order_for(user=request.auth, number=number)
    person = services.person_reveal(order=order, actor=request.auth)
    return {"order": order.number, "customer_name": person.customer_name, "account_no": person.account_no,
            "phone": person.phone, "address": person.address, "caller_name": person.caller_name,
            "caller_phone": person.caller_phone}

