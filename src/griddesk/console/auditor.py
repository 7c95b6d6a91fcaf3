"""The auditor screen (审计查阅, rule K-8; docs/audit.md): an order's or a staff member's audit history
with its chains' status and an audited export, and "verify the whole audit" as a background task.

For the auditor role and supervisors granted "可查阅审计历史"; anyone else gets 403. Thin views:
reads are `console.trail`, writes `audit.auditing`.
"""

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.audit import auditing
from griddesk.audit.models import VerifyRun
from griddesk.audit.services import stream_of
from griddesk.console import trail as trails

HTMX_STOP_POLLING = 286


def _auditor(request):
    auditing.audit_require(request.user)


@login_required
def home(request):
    """Look up an order (number) or a staff member (user name or 工号); the whole-audit verify runs."""
    _auditor(request)
    kind, query = request.GET.get("kind", "order"), (request.GET.get("q") or "").strip()[:150]
    if query:
        if kind == "user":
            staff = trails.staff_for_audit(user=request.user, query=query)
            if staff is not None:
                return redirect("console:audit:user", username=staff.username)
            messages.error(request, _("没有找到用户名或工号为 %s 的人员，或其不在您的管辖范围内。") % query)
        else:
            if trails.order_for_audit(user=request.user, number=query) is not None:
                return redirect("console:audit:order", number=query)
            messages.error(request, _("没有找到工单 %s，或您无权查阅。") % query)
    return render(request, "console/audit/home.html", {
        "kind": kind, "query": query, "runs": auditing.verify_runs(), "active": auditing.verify_run_active(),
    })


def _audited_order(request, number):
    """The order an auditor asks for, or 404: one place for who may open an order's history."""
    _auditor(request)
    order = trails.order_for_audit(user=request.user, number=number)
    if order is None:
        raise Http404(_("没有找到工单 %s，或您无权查阅。") % number)
    return order


def _audited_staff(request, username):
    """The staff member whose history an auditor asks for, in the auditor's scope, or 404."""
    _auditor(request)
    staff = trails.staff_for_audit(user=request.user, query=username, exact_username=True)
    if staff is None:
        raise Http404(_("没有找到该人员，或其不在您的管辖范围内。"))
    return staff


@login_required
def order_history(request, number):
    order = _audited_order(request, number)
    trail = trails.order_trail(order=order, user=request.user)
    return render(request, "console/audit/trail.html", {
        "trail": trail, "title": _("工单 %s 的审计历史") % order.number,
        "export_url": reverse("console:audit:order_export", args=[order.number]),
    })


@login_required
def user_history(request, username):
    staff = _audited_staff(request, username)
    trail = trails.user_trail(staff=staff, user=request.user)
    return render(request, "console/audit/trail.html", {
        "trail": trail, "title": _("%s 的操作历史") % staff,
        "export_url": reverse("console:audit:user_export", args=[staff.username]),
    })


@login_required
@require_POST
def order_export(request, number):
    """What the order's history page shows, as CSV or JSON; the export is itself audited."""
    order = _audited_order(request, number)
    trail = trails.order_trail(order=order, user=request.user)
    return _export(request, trail, stream=stream_of(order), back=reverse("console:audit:order", args=[number]))


@login_required
@require_POST
def user_export(request, username):
    staff = _audited_staff(request, username)
    trail = trails.user_trail(staff=staff, user=request.user)
    return _export(request, trail, stream=stream_of(staff), back=reverse("console:audit:user", args=[username]))


def _export(request, trail, *, stream, back):
    fmt = request.POST.get("format", "")
    try:
        auditing.trail_exported(actor=request.user, stream=stream, subject=trail.subject, fmt=fmt,
                                events=len(trail.rows))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(back)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"audit-{_safe_name(trail.subject)}-{stamp}.{fmt}"
    if fmt == "json":
        response = HttpResponse(json.dumps(trails.trail_json(trail, exported_by=request.user), ensure_ascii=False,
                                           indent=1), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # Excel opens UTF-8 CSV with a BOM correctly
        writer = csv.writer(response)
        for row in trails.trail_csv_rows(trail):
            writer.writerow([_csv_safe(value) for value in row])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _safe_name(text):
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in text)[:60] or "trail"


def _csv_safe(value):
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
@require_POST
def verify_start(request):
    _auditor(request)
    try:
        auditing.verify_run_start(actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("已在后台开始完整校验审计历史，本页显示进度。"))
    return redirect("console:audit:home")


def verify_progress(request, pk):
    """One run's progress (htmx polls it while it runs; 286 stops the polling once it is done or the
    session ended)."""
    if not request.user.is_authenticated or not auditing.may_audit(request.user):
        return HttpResponse(status=HTMX_STOP_POLLING)
    run = get_object_or_404(VerifyRun.objects.select_related("started_by"), pk=pk)
    response = render(request, "console/audit/_run.html", {"run": run, "poll": not run.done})
    if run.done and request.htmx:
        response["HX-Refresh"] = "true"  # the page shows the result and the runs' table, up to date
    return response
