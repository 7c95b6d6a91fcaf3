"""Phone-sized pages for repair crews (抢修班组移动端): the crew's open repairs and each order's next step.

Steps (rules R-1, R-2): 接单 accept, 到达 arrive (stops the R-2 arrival clock), 勘查 survey
(report required), 修复 repaired, 送电 power restored; each records its time, now by
default or as entered (not in the future, not before the previous step). Paid work on
customer-owned installations (rules C-8, P-1..P-4): quote lines, the customer's consent,
the invoice number. Every change goes through orders.services with the version the page
was rendered from, so two crew phones cannot silently overwrite each other.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from griddesk.console.queues import countdown_text
from griddesk.orders import services
from griddesk.orders.disclosure import order_readable
from griddesk.orders.models import FaultSide, OrderState, OrderType, PaidService, PayMethod, SlaClock, WorkOrder
from griddesk.orders.queries import QueueFilters, attach_next_clocks, order_queue
from griddesk.orders.services import ConcurrentUpdate
from griddesk.orders.workflows import TransitionRefused, available_transitions
from griddesk.orgs.selectors import orgs_visible_q
from griddesk.outages import services as outage_services
from griddesk.outages.selectors import crew_outages

# The crew's steps in order, with the big button's label and its hint.
STEPS = [
    ("crew_accept", gettext_lazy("接单"), gettext_lazy("确认接受派工")),
    ("arrive", gettext_lazy("到达"), gettext_lazy("到达现场，停止到达时限计时（R-2）")),
    ("survey", gettext_lazy("勘查"), gettext_lazy("汇报现场勘查情况")),
    ("repair", gettext_lazy("修复"), gettext_lazy("故障已修复")),
    ("restore", gettext_lazy("送电"), gettext_lazy("已恢复送电")),
]
STEP_NAMES = [name for name, _l, _h in STEPS]
QUOTE_ROWS = 3
CONSENT_METHODS = [gettext_lazy("现场签字"), gettext_lazy("电话录音确认"), gettext_lazy("短信确认")]


def parse_local_datetime(value, label):
    """A datetime-local form value ("2026-11-27T18:05") in the site's time zone; ValidationError names it."""
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(_("%(label)s格式不正确：%(value)s") % {"label": label, "value": value}) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
def crew_list(request):
    """Open repairs dispatched to the user's crews, soonest R-2 deadline first."""
    filters = QueueFilters(scope="crew", order_type=OrderType.REPAIR, state="open", sort="due_at")
    try:
        page = order_queue(user=request.user, filters=filters, cursor=request.GET.get("cursor") or None,
                           limit=30)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("console:crew:list")
    now = timezone.now()
    for row in page.rows:
        _decorate(row, now)
    to_quote = (WorkOrder.objects.filter(orgs_visible_q(request.user, "org__path"), order_type=OrderType.REPAIR,
                                         fault_side=FaultSide.CUSTOMER_INTERNAL, crew__isnull=True,
                                         state__in=(OrderState.ACCEPTED, OrderState.QUOTED))
                .select_related("customer").order_by("accepted_at")[:20])
    return render(request, "console/crew/list.html", {
        "rows": page.rows, "next_cursor": page.next_cursor, "to_quote": list(to_quote),
        "crews": list(request.user.crews.all()),
        "outages": crew_outages(user=request.user),  # outages dispatched to the crew, to confirm on site
        "poll_seconds": settings.GRIDDESK_INBOX_POLL_SECONDS,  # new tasks appear without a reload
    })


def _decorate(order, now):
    clock = order.next_clock
    order.sla_text = countdown_text(clock, now) if clock else ""
    order.breached = bool(clock and not clock.paused_since and clock.due_at < now)


def _order_for(user, number):
    """The repair order if the user may work on it (its crew, or its org in the user's subtree); else 404."""
    order = (WorkOrder.objects.select_related("customer", "org", "handling_org", "crew", "owner")
             .filter(number=number, order_type=OrderType.REPAIR).first())
    if order is None or not order_readable(order, user):
        raise Http404(_("找不到该抢修工单，或不在您的班组。"))
    return order


@login_required
def crew_order(request, number):
    order = _order_for(request.user, number)
    now = timezone.now()
    attach_next_clocks([order])
    _decorate(order, now)
    allowed = {t.action for t in available_transitions(order, request.user)}
    steps = [(name, label, hint) for name, label, hint in STEPS if name in allowed]
    paid = PaidService.objects.filter(order=order).first()
    return render(request, "console/crew/order.html", {
        "order": order, "steps": steps, "clocks": SlaClock.objects.filter(order=order).order_by("started_at"),
        "paid": paid, "quote_lines": list(order.quote_lines.all()),
        "can_quote": "quote" in allowed, "can_consent": "consent" in allowed,
        "can_pay": "pay" in allowed, "can_invoice": "invoice" in allowed, "pay_methods": PayMethod.choices,
        "quote_rows": range(QUOTE_ROWS), "consent_methods": CONSENT_METHODS,
        "now_local": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
    })


@login_required
@require_POST
def crew_act(request, number):
    """One action from the order page: a crew step, a quote, the consent, the payment or the invoice number."""
    order = _order_for(request.user, number)
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        if version is None:
            raise ValidationError(_("页面缺少版本号，请刷新后重试。"))
        done = _apply(request, order, action, version)
    except ConcurrentUpdate as error:
        messages.error(request, str(error))
    except (TransitionRefused, PermissionDenied) as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("console:crew:order", number=order.number)


def _apply(request, order, action, version):
    post, user = request.POST, request.user
    if action in STEP_NAMES:
        at = _step_time(post.get("at", ""), order)
        services.order_crew_step(order=order, actor=user, step=action, note=post.get("note", "").strip(),
                                 at=at, expected_version=version)
        label = dict((n, lab) for n, lab, _h in STEPS)[action]
        return _("已记录“%(step)s”：%(at)s") % {
            "step": label, "at": timezone.localtime(at or timezone.now()).strftime("%H:%M")}
    if action == "quote":
        lines = [{"item": post.get(f"item_{i}", ""), "material": post.get(f"material_{i}", ""),
                  "quantity": post.get(f"quantity_{i}", ""), "unit_price": post.get(f"unit_price_{i}", "")}
                 for i in range(QUOTE_ROWS)]
        lines = [line for line in lines if any(str(v).strip() for v in line.values())]
        services.order_quote(order=order, actor=user, lines=lines, expected_version=version)
        return _("报价已保存（规则 P-3），请客户确认。")
    if action == "consent":
        services.order_consent(order=order, actor=user, consent_by=post.get("consent_by", "").strip(),
                               method=post.get("method", "").strip(), expected_version=version)
        return _("已记录客户确认（规则 P-3），可以派工施工。")
    if action == "pay":
        services.order_pay(order=order, actor=user, method=post.get("method", "").strip(),
                           reference=post.get("reference", "").strip(), expected_version=version)
        return _("已登记收费（规则 P-3），请开具发票。")
    if action == "invoice":
        services.order_invoice(order=order, actor=user, invoice_no=post.get("invoice_no", "").strip(),
                               expected_version=version)
        return _("发票号已记录。")
    raise ValidationError(_("未知的操作：%s") % action)


def _step_time(raw, order):
    """The entered time, or None for now; never before the order's last change (the previous step)."""
    if not raw.strip():
        return None
    at = parse_local_datetime(raw, _("时间"))
    if at < order.updated_at - timedelta(minutes=1):
        raise ValidationError(_("时间不能早于上一环节（%s）。")
                              % timezone.localtime(order.updated_at).strftime("%m-%d %H:%M"))
    return at


@login_required
@require_POST
def crew_outage_confirm(request, code):
    """The crew on site confirms the outage it was dispatched to (outages.services.outage_crew_confirm)."""
    outage = next((o for o in crew_outages(user=request.user) if o.code == code), None)
    if outage is None:
        raise Http404(_("找不到该停电事件，或它没有派给您的班组。"))
    try:
        outage_services.outage_crew_confirm(outage=outage, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "；".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, _("已确认现场停电：%(device)s（%(code)s）。") % {
            "device": outage.device.name, "code": outage.code})
    return redirect("console:crew:list")
