"""Calls that end without an order (rule C-10): wrong numbers, harassment for the shift leaders."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from griddesk.api import render
from griddesk.api.schemas import CallOutcomeHandleIn, CallOutcomeIn, CallOutcomeOut, ErrorOut
from griddesk.api.selectors import call_outcome_for, harassment_queue
from griddesk.api.services import call_outcome_handle, call_outcome_record
from griddesk.orgs.models import RoleCode

router = Router(tags=["来电结果"])
E = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LEADER_ROLES = (RoleCode.SHIFT_LEADER, RoleCode.MANAGER)


@router.post("/calls/outcomes", response={201: CallOutcomeOut, **E}, summary="记录无工单来电结果（C-10）")
def outcome_record(request, payload: CallOutcomeIn):
    """Wrong number: recorded. Harassment: recorded and put in the shift leaders' queue."""
    if not request.auth.has_role(RoleCode.AGENT, RoleCode.SHIFT_LEADER):
        raise PermissionDenied(_("只有座席和值长可以记录来电结果。"))
    outcome = call_outcome_record(outcome=str(payload.outcome), caller_phone=payload.caller_phone,
                                  note=payload.note, actor=request.auth)
    return Status(201, render.call_outcome_dict(outcome))


class QueueParams(Schema):
    pending: bool = Field(True, description="只看未处理的")
    limit: int = Field(50, ge=1, le=200)


@router.get("/calls/outcomes", response={200: list[CallOutcomeOut], **E}, summary="值长的骚扰来电队列（C-10）")
def outcome_queue(request, params: Query[QueueParams]):
    if not request.auth.has_role(*LEADER_ROLES):
        raise PermissionDenied(_("只有值长可以查看骚扰来电队列（规则 C-10）。"))
    rows = harassment_queue(user=request.auth, pending=params.pending, limit=params.limit)
    return [render.call_outcome_dict(row) for row in rows]


@router.post("/calls/outcomes/{outcome_id}/handle", response={200: CallOutcomeOut, **E},
             summary="值长处理骚扰来电（C-10）")
def outcome_handle(request, outcome_id: int, payload: CallOutcomeHandleIn):
    outcome = call_outcome_for(user=request.auth, pk=outcome_id)
    outcome = call_outcome_handle(outcome=outcome, actor=request.auth, note=payload.note)
    return render.call_outcome_dict(outcome)
