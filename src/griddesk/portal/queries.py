"""The views of the public queries that open with a one-time code (portal.codes): business progress
(业务进度, rule C-2) and bills (电费, rules B-1, B-2); and the satisfaction link (rule C-12).

Thin: the codes, reads and the visit are in portal.codes, portal.progress, billing.selectors and
orders.visits. Existing and unknown numbers get the same pages, status codes and timing."""

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from griddesk.abuse.services import client_ip
from griddesk.billing import selectors as billing
from griddesk.orders import visits
from griddesk.portal import codes, progress
from griddesk.portal.forms import CodeForm, NumberForm, SatisfactionForm
from griddesk.portal.models import CodePurpose

LABELS = {CodePurpose.PROGRESS: gettext_lazy("工单编号"), CodePurpose.BILLS: gettext_lazy("户号")}
PAGES = {CodePurpose.PROGRESS: ("portal:progress", "portal:progress_order"),
         CodePurpose.BILLS: ("portal:bills", "portal:bills_account")}


def _query(request, purpose, template):
    """The two steps of a coded query: "send code" (same answer for every number), then the code."""
    label = LABELS[purpose]
    context = {"label": label, "sent": False, "status": 200, "minutes": settings.GRIDDESK_PORTAL_CODE_MINUTES}
    number_form = NumberForm(request.POST or None, label=label, initial={"number": request.GET.get("number", "")})
    code_form = None
    if request.method == "POST" and request.POST.get("step") == "code":
        code_form = CodeForm(request.POST, label=label)
        if code_form.is_valid():
            number = codes.normalised(code_form.cleaned_data["number"])
            try:
                right = codes.code_check(purpose=purpose, subject=number, code=code_form.cleaned_data["code"],
                                         ip=client_ip(request) or "unknown")
            except codes.CodeRefused as refused:
                context.update(refused=str(refused), status=429)
            else:
                if right:
                    codes.grant(request.session, purpose, number)
                    return redirect(PAGES[purpose][1], number)
                code_form.add_error("code", _("验证码不正确或已失效，请重新获取。"))
        context["sent"] = True
    elif request.method == "POST":
        started = time.monotonic()
        if number_form.is_valid():
            number = codes.normalised(number_form.cleaned_data["number"])
            try:
                codes.code_request(purpose=purpose, subject=number, ip=client_ip(request) or "unknown")
            except codes.CodeRefused as refused:
                context.update(refused=str(refused), status=429)
            else:
                context["sent"] = True
                code_form = CodeForm(label=label, initial={"number": number})
            codes.answer_no_sooner(started)
    context.update(number_form=number_form, code_form=code_form)
    return render(request, template, context, status=context.pop("status"))


@require_http_methods(["GET", "POST"])
def progress_query(request):
    """业务进度查询 (rule C-2): order number, code to the phone on the order, then its progress."""
    return _query(request, CodePurpose.PROGRESS, "portal/progress_query.html")


@require_http_methods(["GET"])
def progress_order(request, number):
    """An order's progress, for a browser session that entered its code (any other: back to the form,
    the same for an order that does not exist)."""
    shown = progress.progress_of(number) if codes.granted(request.session, CodePurpose.PROGRESS, number) else None
    if shown is None:
        return redirect(reverse("portal:progress") + "?" + urlencode({"number": number}))
    return render(request, "portal/progress.html", {"progress": shown})


@require_http_methods(["GET", "POST"])
def bills_query(request):
    """电费查询 (rules B-1, B-2): account number, code to the phone on the account, then its bills."""
    return _query(request, CodePurpose.BILLS, "portal/bills_query.html")


@require_http_methods(["GET"])
def bills_account(request, number):
    customer = (billing.account_of(codes.normalised(number))
                if codes.granted(request.session, CodePurpose.BILLS, number) else None)
    if customer is None:
        return redirect(reverse("portal:bills") + "?" + urlencode({"number": number}))
    bills = billing.bills_of(customer)
    return render(request, "portal/bills.html", {
        "account_no": customer.account_no, "bills": bills, "bars": billing.consumption_bars(bills),
        "chart_width": max(len(bills), 1) * (billing.BAR_WIDTH + billing.BAR_GAP),
        "chart_height": billing.CHART_HEIGHT, "bar_width": billing.BAR_WIDTH,
        "summary": billing.bills_summary(bills), "channels": billing.pay_channels(),
    })


@require_http_methods(["GET", "POST"])
def satisfaction(request, token):
    """The one-tap return-visit form of the SMS link (rule C-12); one answer per order."""
    try:
        order = visits.visit_order(token)
        if not visits.visit_answerable(order):
            raise visits.VisitLinkInvalid(_("该工单已评价过，感谢您的反馈。"))
    except visits.VisitLinkInvalid as invalid:
        return render(request, "portal/satisfaction.html", {"closed": str(invalid)}, status=400)
    form = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visits.visit_answer(token=token, satisfaction=data["satisfaction"], reasons=data["reasons"],
                                note=data["note"])
        except visits.VisitLinkInvalid as invalid:
            return render(request, "portal/satisfaction.html", {"closed": str(invalid)}, status=400)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "portal/satisfaction.html", {"thanks": True, "number": order.number})
    return render(request, "portal/satisfaction.html", {"form": form, "number": order.number},
                  status=400 if form.errors else 200)
