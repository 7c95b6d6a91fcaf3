"""The dispatcher's outage board (停电研判看板, issue 10): predicted, confirmed and active outages in
the user's scope, and each outage's page with its place in the network and the decisions.

Thin views: the reads are `outages.selectors` (board_outages, outage_page), the tree is laid out by
`console.netdraw`, every decision is one `outages.services` function (confirm, reject, move, split,
merge, dispatch, restore, partial restore), whose errors become messages on the page. The list
polls itself with htmx every GRIDDESK_BOARD_POLL_SECONDS, keeping its filters.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.console import pickers
from griddesk.console.netdraw import tree_layout
from griddesk.console.views import SERVICE_ERRORS, error_text
from griddesk.orgs.models import Crew, Org, RoleCode
from griddesk.orgs.selectors import org_in_scope, orgs_visible_q
from griddesk.outages import services as outage_services
from griddesk.outages.models import OutageEvent, OutageState
from griddesk.outages.selectors import BOARD_STATES, board_outage, board_outages, outage_page, outage_targets

BOARD_ROLES = (RoleCode.DISPATCHER, RoleCode.SHIFT_LEADER, RoleCode.SUPERVISOR, RoleCode.MANAGER)
DECIDING_ROLES = (RoleCode.DISPATCHER, RoleCode.SHIFT_LEADER, RoleCode.MANAGER)
HTMX_STOP_POLLING = 286

# Which decisions the page offers in which state (the services have the last word).
ACTIONS_BY_STATE = {
    OutageState.PREDICTED: ("confirm", "reject", "move", "split", "merge", "dispatch"),
    OutageState.CONFIRMED: ("move", "split", "merge", "dispatch", "restore", "restore_part", "reject"),
    OutageState.ACTIVE: ("dispatch", "restore", "restore_part"),
}


def _require_board(user):
    if not user.has_role(*BOARD_ROLES):
        raise PermissionDenied(_("只有调度、值长、督办和管理人员可以查看停电研判看板。"))


def _filters(request, user):
    """The board's filters from the query string; an unknown value is dropped with a message."""
    state = request.GET.get("state", "").strip()
    code = request.GET.get("org", "").strip()
    errors = []
    if state and state not in BOARD_STATES:
        errors.append(_("未知的停电状态：%s") % state)
        state = ""
    org = None
    if code:
        org = Org.objects.filter(orgs_visible_q(user), code=code).first()
        if org is None:
            errors.append(_("找不到单位 %s，或它不在您的管辖范围内。") % code)
            code = ""
    return {"state": state, "org": code}, org, errors


def board(request):
    """The list of outages; an htmx request (the poll, or the filter form) gets only the table. A poll
    after the session ended, or by someone without a board role, gets 286: htmx stops polling (it
    would otherwise swap the login page into the table)."""
    if not request.user.is_authenticated or not request.user.has_role(*BOARD_ROLES):
        if request.htmx:
            return HttpResponse(status=HTMX_STOP_POLLING)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        _require_board(request.user)
    filters, org, errors = _filters(request, request.user)
    found = board_outages(user=request.user, state=filters["state"], org=org)
    query = urlencode({key: value for key, value in filters.items() if value})
    context = {"rows": found.rows, "total": found.total, "filters": filters, "errors": errors,
               "query": query, "poll_seconds": settings.GRIDDESK_BOARD_POLL_SECONDS,
               "states": [(s.value, s.label) for s in (OutageState.PREDICTED, OutageState.CONFIRMED,
                                                       OutageState.ACTIVE)]}
    if request.htmx:
        return render(request, "console/outages/board.html#table", context)
    context["orgs"] = pickers.org_choices(request.user)
    return render(request, "console/outages/board.html", context)


def _outage(user, code):
    outage = board_outage(user=user, code=code)
    if outage is None:
        raise Http404(_("找不到停电事件 %s，或它不在您的管辖范围内。") % code)
    return outage


@login_required
def outage_detail(request, code):
    _require_board(request.user)
    outage = _outage(request.user, code)
    page = outage_page(outage=outage, user=request.user)
    tree = tree_layout(devices=page.devices, outage_device=outage.device,
                       calls_by_transformer=page.calls_by_transformer)
    may_decide = request.user.has_role(*DECIDING_ROLES)
    return render(request, "console/outages/outage.html", {
        "outage": outage, "page": page, "tree": tree,
        "crew_choices": pickers.crew_choices(page.crews, request.user),
        "actions": set(ACTIONS_BY_STATE.get(outage.state, ())) if may_decide else set(),
    })


@login_required
@require_POST
def outage_act(request, code):
    """One decision on the outage, by the `action` field; back to the outage's page (or, once it is
    merged away, to the outage it went into)."""
    _require_board(request.user)
    outage = _outage(request.user, code)
    action = request.POST.get("action", "")
    try:
        done, target = _decide(request, outage, action)
    except SERVICE_ERRORS as error:
        messages.error(request, error_text(error))
        target = outage
    else:
        messages.success(request, done)
    return redirect("console:outages:outage", code=target.code)


def _device(outage, raw, options, what):
    """The device `raw` (a device id) among `options`; ValidationError naming it otherwise."""
    device = next((d for d in options if d.device_id == raw), None)
    if device is None:
        raise ValidationError({"device": _("请选择%(what)s：%(raw)s 不在可选设备中。") % {
            "what": what, "raw": raw or "—"}})
    return device


def _decide(request, outage, action):
    user, post = request.user, request.POST
    if action == "confirm":
        outage_services.outage_confirm(outage=outage, actor=user)
        return _("已确认停电 %s。") % outage.code, outage
    if action == "reject":
        outage_services.outage_reject(outage=outage, actor=user)
        return _("已否定研判 %s：研判引擎不会再次生成它。") % outage.code, outage
    if action in ("move", "split", "restore_part"):
        parent, below = outage_targets(outage=outage)
        if action == "move":
            moves = ([parent] if parent else []) + [d for d in below if d.parent_id == outage.device_id]
            device = _device(outage, post.get("device", ""), moves, _("移动到的设备"))
            outage_services.outage_move(outage=outage, device=device, actor=user)
            return _("已将停电 %(code)s 移到 %(device)s。") % {"code": outage.code, "device": device.name}, outage
        if action == "split":
            chosen = post.getlist("devices")
            devices = [_device(outage, raw, below, _("拆分出的设备")) for raw in chosen]
            if not devices:
                raise ValidationError({"devices": _("请至少选择一个下游设备进行拆分。")})
            parts = outage_services.outage_split(outage=outage, devices=devices, actor=user)
            return _("已按 %(devices)s 拆分为 %(codes)s。") % {
                "devices": "、".join(d.name for d in devices), "codes": "、".join(p.code for p in parts)}, parts[0]
        device = _device(outage, post.get("device", ""), below, _("已恢复送电的设备"))
        restored, rest = outage_services.outage_restore_part(outage=outage, device=device, actor=user)
        done = _("%(device)s 以下已恢复送电（%(code)s），已通知报修客户；仍在停电：%(rest)s。") % {
            "device": device.name, "code": restored.code, "rest": "、".join(p.code for p in rest) or "—"}
        return done, rest[0] if rest else restored
    if action == "merge":
        codes = post.getlist("outages")
        others = list(OutageEvent.objects.filter(orgs_visible_q(user, "org__path"), code__in=codes,
                                                 state__in=BOARD_STATES).exclude(pk=outage.pk))
        missing = sorted(set(codes) - {o.code for o in others})
        if missing or not others:
            raise ValidationError({"outages": _("请选择要并入的停电（在您管辖范围内且未结束）：%s")
                                   % ("、".join(missing) or "—")})
        outage_services.outage_merge(outages=others, into=outage, actor=user)
        return _("已将 %(codes)s 并入 %(code)s。") % {"codes": "、".join(o.code for o in others),
                                                      "code": outage.code}, outage
    if action == "dispatch":
        crew = Crew.objects.filter(code=post.get("crew", ""), active=True).select_related("org").first()
        if crew is None or not org_in_scope(user, crew.org):
            raise ValidationError({"crew": _("请选择您管辖范围内在岗的抢修班组。")})
        outage_services.outage_dispatch(outage=outage, crew=crew, actor=user)
        done = _("已派 %(crew)s 处理停电 %(code)s，其来电工单随之转派。") % {"crew": crew.name, "code": outage.code}
        return done, outage
    if action == "restore":
        outage_services.outage_restore(outage=outage, actor=user)
        return _("停电 %s 已恢复送电：已通知报修客户。") % outage.code, outage
    raise ValidationError({"action": _("未知的操作：%s") % (action or "—")})
