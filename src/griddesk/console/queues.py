"""Queue pages (工单队列): each role's queue, filters, SLA countdowns, bulk assign and remind.

Thin views: parse the GET form into `QueueFilters`, call `orders.queries.order_queue`,
render. An htmx request gets only the table, so filtering and paging swap it in place.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from griddesk.console import pickers
from griddesk.orders import disclosure
from griddesk.orders.bulk import (
    ASSIGNING_ROLES,
    REMINDING_ROLES,
    orders_assign_bulk,
    orders_for_bulk,
    orders_remind_bulk,
)
from griddesk.orders.disclosure import order_readable
from griddesk.orders.models import OrderType, Reminder, ReminderKind
from griddesk.orders.queries import OPEN, QueueFilters, order_queue
from griddesk.orgs.models import Org, RoleCode, Staff
from griddesk.orgs.selectors import orgs_visible_q

# Which queue a role opens on (the first matching role wins), with its default filters.
ROLE_QUEUES = [
    (RoleCode.SHIFT_LEADER, gettext_lazy("值长队列"), {"scope": "org", "state": OPEN, "sort": "due_at"}),
    (RoleCode.SUPERVISOR, gettext_lazy("全单位工单（督办）"),
     {"scope": "org", "state": OPEN, "overdue": True, "sort": "due_at"}),
    (RoleCode.MANAGER, gettext_lazy("全单位工单"),
     {"scope": "org", "state": OPEN, "overdue": True, "sort": "due_at"}),
    (RoleCode.DISPATCHER, gettext_lazy("抢修工单"),
     {"scope": "org", "order_type": OrderType.REPAIR, "state": OPEN, "sort": "due_at"}),
    (RoleCode.BACK_OFFICE, gettext_lazy("待处理"), {"scope": "handling", "state": OPEN, "sort": "due_at"}),
    (RoleCode.AGENT, gettext_lazy("我的工单"), {"scope": "mine", "state": OPEN, "sort": "-accepted_at"}),
]
FALLBACK_QUEUE = (None, gettext_lazy("本单位工单"), {"scope": "org", "state": OPEN, "sort": "accepted_at"})
SCOPE_LABELS = {
    "org": gettext_lazy("本单位及下级"), "handling": gettext_lazy("转派本部门"),
    "mine": gettext_lazy("我的（首问或处理人）"), "crew": gettext_lazy("本班组"),
}
SORT_LABELS = {
    "accepted_at": gettext_lazy("受理时间↑"), "-accepted_at": gettext_lazy("受理时间↓"),
    "due_at": gettext_lazy("时限到期↑"),
}


def queue_for(user):
    """(role, title, default filters) of the user's queue (rules H-4, K-6: who watches what)."""
    for role, title, defaults in ROLE_QUEUES:
        if user.has_role(role):
            return role, title, defaults
    return FALLBACK_QUEUE


def _listed_person(order, user):
    """Lists never spell out a name (张*伟); a sealed or K-9 withheld person is not named at all."""
    person = disclosure.person_of(order, user)
    if not person.shown:
        return str(person.notice)
    return disclosure.mask_name(person.customer_name or person.caller_name)


def countdown_text(clock, now):
    """"剩余 12分" / "超时 1小时5分" / "暂停中": the server's first rendering; the page then ticks."""
    if clock.paused_since:
        return _("暂停中")
    seconds = int((clock.due_at - now).total_seconds())
    rest = abs(seconds)
    days, hours, minutes = rest // 86400, rest % 86400 // 3600, rest % 3600 // 60
    text = (f"{days}" + _("天") if days else "") + (f"{hours}" + _("小时") if days or hours else "")
    text += f"{minutes}" + _("分")
    return (_("超时") if seconds < 0 else _("剩余")) + " " + text


@login_required
def queue(request):
    user = request.user
    if user.has_role(RoleCode.REPAIR_CREW) and not any(user.has_role(r) for r, _t, _d in ROLE_QUEUES):
        return redirect("console:crew:list")
    role, title, defaults = queue_for(user)
    # The form sends "f=1": from then on an unticked box means "off", not "the role's default".
    if request.GET.get("f"):
        defaults = {"scope": defaults["scope"]}
    try:
        filters = QueueFilters.from_params(request.GET, **defaults)
        page = order_queue(user=user, filters=filters, cursor=request.GET.get("cursor") or None)
    except ValidationError as error:
        filters = QueueFilters(**defaults)
        return _render(request, {"title": title, "filters": filters, "rows": [], "errors": _errors(error),
                                 "role": role}, status=400)
    context = {"title": title, "filters": filters, "rows": page.rows, "role": role,
               "next_url": _url(filters, cursor=page.next_cursor) if page.next_cursor else None}
    if role == RoleCode.SHIFT_LEADER and not request.htmx:
        context.update(leader_items(user))
    return _render(request, context)


def _errors(error):
    return [f"{name}: {'；'.join(messages_)}" for name, messages_ in error.message_dict.items()] if hasattr(
        error, "error_dict") else error.messages


def _url(filters, **extra):
    params = {"f": "1", **filters.to_params(), **{k: v for k, v in extra.items() if v}}
    return reverse("console:queues:queue") + "?" + urlencode(params)


def _render(request, context, status=200):
    user, filters = request.user, context["filters"]
    now = timezone.now()
    disclosure.attach_accusations(context["rows"])
    for row in context["rows"]:
        row.masked_customer = _listed_person(row, user)
        clock = row.next_clock
        row.breached = bool(clock and not clock.paused_since and clock.due_at < now)
        row.sla_text = countdown_text(clock, now) if clock else ""
    context.update({
        "now": now,
        "sort_links": [(key, label, _url(filters, sort=key), key == filters.sort)
                       for key, label in SORT_LABELS.items()],
        "scope_label": SCOPE_LABELS[filters.scope],
        "can_assign": user.has_role(*ASSIGNING_ROLES),
        "can_remind": user.has_role(*REMINDING_ROLES),
        "here": request.get_full_path(),  # also what the table polls: the filters and page stay
        "poll_seconds": settings.GRIDDESK_QUEUE_POLL_SECONDS,
    })
    context["assignees"] = _assignees(user) if context["can_assign"] and context["rows"] else []
    orgs = _visible_orgs(user) if context["assignees"] or not request.htmx else []
    labels = pickers.org_labels(orgs)
    for person in context["assignees"]:  # two 张伟 told apart by number and unit (desk item 3)
        person.picker_label = pickers.staff_label(person, labels.get(person.org_id, ""))
    if request.htmx:
        return render(request, "console/queues/_table.html", context, status=status)
    context.update({
        "order_types": OrderType.choices,
        "states": [(OPEN, _("未归档（全部在办）")), *pickers.state_choices()],  # each state once
        "categories": pickers.category_tree(include_reporting=True),
        "orgs": [(org.code, labels[org.pk]) for org in orgs],
    })
    return render(request, "console/queues/queue.html", context, status=status)


def _visible_orgs(user):
    """The units of the user's scope, for the unit filter and the assignees' labels (one query)."""
    return list(Org.objects.filter(orgs_visible_q(user)).order_by("path").only("id", "code", "name", "parent_id",
                                                                                  "path")[:500])


def _assignees(user):
    return list(Staff.objects.filter(orgs_visible_q(user, "org__path"), is_active=True).select_related(
        "org").order_by("org__path", "username")[:300])


def leader_items(user):
    """The shift leader's own items (值长队列): open reminders addressed to the leader or to an org
    in the leader's subtree (transfers C-11, repeat calls A-4), and unhandled harassment reports
    (C-10) when the API app records call outcomes.
    """
    reminders = (
        Reminder.objects.filter(done_at__isnull=True, kind=ReminderKind.REMIND)
        .filter(orgs_visible_q(user, "to_org__path") | Q(to_user=user))
        .select_related("order", "from_user").order_by("-created_at")[:50]
    )
    return {"reminders": list(reminders), "harassment": harassment_reports(user)}


def harassment_reports(user):
    """Unhandled harassment reports (C-10) of the leader's subtree (api.selectors.harassment_queue)."""
    from griddesk.api.selectors import harassment_queue

    return harassment_queue(user=user, pending=True, limit=50)


@login_required
@require_POST
def harassment_handle(request, pk):
    """A shift leader marks a harassment report handled, with a note (rule C-10)."""
    from griddesk.api.models import CallOutcome
    from griddesk.api.services import call_outcome_handle

    outcome = CallOutcome.objects.filter(orgs_visible_q(request.user, "org__path"), pk=pk).first()
    if outcome is None:
        raise Http404(_("找不到来电结果记录，或不在您的管辖范围内。"))
    try:
        call_outcome_handle(outcome=outcome, actor=request.user, note=request.POST.get("note", "").strip())
    except (ValidationError, PermissionDenied) as error:
        for text in (error.messages if isinstance(error, ValidationError) else [str(error)]):
            messages.error(request, text)
    else:
        messages.success(request, _("已处理骚扰来电记录 %s。") % outcome.caller_phone)
    return redirect("console:queues:queue")


@login_required
@require_POST
def reminder_done_view(request, pk):
    """The recipient or a shift leader closes a reminder / transfer (办结), rule K-6."""
    from griddesk.orders.models import Reminder
    from griddesk.orders.services import ConcurrentUpdate, reminder_done
    from griddesk.orders.workflows import TransitionRefused

    reminder = Reminder.objects.select_related("order__org", "order__handling_org").filter(pk=pk).first()
    if reminder is None or not order_readable(reminder.order, request.user):
        raise Http404(_("找不到该催办，或不在您的管辖范围内。"))
    try:
        reminder_done(reminder=reminder, actor=request.user, note=request.POST.get("note", "").strip())
    except (PermissionDenied, TransitionRefused, ConcurrentUpdate) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已办结工单 %s 的催办。") % reminder.order.number)
    return redirect("console:queues:queue")


@login_required
@require_POST
def bulk(request):
    """Bulk assign (指派) or remind (催办) the ticked orders; reports each success and failure."""
    back = request.POST.get("next") or reverse("console:queues:queue")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("console:queues:queue")
    action = request.POST.get("action")
    try:
        orders, result = orders_for_bulk(numbers=request.POST.getlist("numbers"), user=request.user)
        if action == "assign":
            done = orders_assign_bulk(orders=orders, assignee=_assignee(request), actor=request.user)
        elif action == "remind":
            done = orders_remind_bulk(orders=orders, actor=request.user,
                                      reason=request.POST.get("reason", ""))
        else:
            raise ValidationError({"action": _("请选择批量操作：指派或催办。")})
    except (ValidationError, PermissionDenied) as error:
        for text in (error.messages if isinstance(error, ValidationError) else [str(error)]):
            messages.error(request, text)
        return redirect(back)
    result.succeeded += done.succeeded
    result.failed += done.failed
    label = _("指派") if action == "assign" else _("催办")
    if result.succeeded:
        messages.success(request, _("%(action)s成功 %(n)d 张：%(numbers)s") % {
            "action": label, "n": len(result.succeeded), "numbers": "、".join(result.succeeded)})
    for number, reason in result.failed:
        messages.error(request, _("%(action)s失败 %(number)s：%(reason)s") % {
            "action": label, "number": number, "reason": reason})
    return redirect(back)


def _assignee(request):
    raw = request.POST.get("assignee", "").strip()
    if not raw.isdigit():
        raise ValidationError({"assignee": _("请选择处理人。")})
    found = Staff.objects.select_related("org").filter(pk=int(raw)).first()
    if found is None:
        raise ValidationError({"assignee": _("找不到处理人。")})
    return found
