"""Console pages of the analytics app (服务分析, mounted under /console/analytics/): thin views.

Each page parses its filters (org code inside the user's scope, month or from/to), calls the
selectors, renders tables with their SVG charts; `?export=xlsx` gives the page's tables as one
workbook, `?export=csv&table=NAME` one table as CSV. Bad filters are a message on the page (400),
an org outside the scope is refused (403); never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from griddesk.analytics import hotspots, selectors
from griddesk.analytics.charts import bar_chart
from griddesk.analytics.drilldown import orders_behind
from griddesk.analytics.models import Rectification
from griddesk.analytics.periods import period_from_params, scope_for
from griddesk.analytics.report import monthly_report_html
from griddesk.analytics.services import rectification_create, rectification_done, rectification_verify
from griddesk.console.pickers import category_tree, org_choices, staff_label
from griddesk.grid.models import Device
from griddesk.orders.models import Category, CategoryScheme, WorkOrder
from griddesk.orgs.models import Org, RoleCode, Staff
from griddesk.orgs.selectors import orgs_visible_q
from griddesk.spreadsheets import CSV_TYPE, XLSX_TYPE
from griddesk.tables import prepare, table_csv, table_xlsx

DASHBOARD_ROLES = (RoleCode.MANAGER, RoleCode.SUPERVISOR, RoleCode.SHIFT_LEADER)


def _error_text(error):
    if hasattr(error, "message_dict"):
        return "；".join(f"{field}: {'；'.join(msgs)}" for field, msgs in error.message_dict.items())
    return "；".join(error.messages)


def _context(request):
    """(scope, period) from the request; raises PermissionDenied or ValidationError."""
    if not request.user.has_role(*DASHBOARD_ROLES):
        raise PermissionDenied(_("服务分析仅对值长、督办和管理人员开放"))
    return scope_for(request.user, (request.GET.get("org") or "").strip()), period_from_params(request.GET)


def _filters(scope, period):
    return {"org": scope.org.code, **period.params()}


def _links(tables, base):
    """Each linked cell gets its drill-down URL (the page's org and period plus the cell's filters)."""
    url = reverse("console:analytics:orders")
    for table in tables:
        prepare(table)
        table.svg = bar_chart(table)
        for row in table.rows:
            for cell in row:
                if cell.link is not None:
                    params = {**base, **{k: v for k, v in cell.link.items() if k != "org" or v}}
                    cell.url = f"{url}?{urlencode(params)}"
    return tables


def _page(request, template, title, build, extra=None):
    try:
        scope, period = _context(request)
    except ValidationError as error:
        return render(request, "analytics/error.html", {"message": _error_text(error)}, status=400)
    tables = build(scope, period)
    export = request.GET.get("export")
    if export == "xlsx":
        response = HttpResponse(table_xlsx(tables), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{template}-{scope.org.code}-{period.label}.xlsx"'
        return response
    if export == "csv":
        table = next((t for t in tables if t.name == request.GET.get("table")), None)
        if table is None:
            return render(request, "analytics/error.html", {"message": _("没有名为 %s 的统计表") % (
                request.GET.get("table") or "")}, status=400)
        response = HttpResponse(table_csv(table), content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{table.name}-{scope.org.code}-{period.label}.csv"'
        return response
    base = _filters(scope, period)
    context = {"title": title, "tables": _links(tables, base), "scope": scope, "period": period,
               "filters": base, "query": urlencode(base), "page": template,
               "orgs": org_choices(request.user, units_only=True)}
    context.update(extra(scope, period) if extra else {})
    return render(request, f"analytics/{template}.html", context)


@login_required
def service_levels(request):
    """Manager's dashboard: SLA compliance, repair times, complaint handling (C-12), A-4, K-5."""
    return _page(request, "service", _("服务时限与质量"), lambda s, p: [
        selectors.sla_compliance(s, p), selectors.sla_by_org(s, p), selectors.repair_times(s, p),
        selectors.complaint_handling(s, p),
        selectors.satisfaction(s, p), selectors.repeat_contacts(s, p), selectors.transfers(s, p)])


@login_required
def hotline(request):
    """Hotline service level (C-4) and hall counters (H-5)."""
    return _page(request, "hotline", _("热线与营业厅服务水平"), lambda s, p: [
        *selectors.hotline(s, p), selectors.halls(s, p)])


def _complaint_tables(scope, period):
    table, _spots = hotspots.hot_spots_table(scope, period)
    return [table, selectors.complaints_trend(scope, period),
            selectors.complaints_by_category(scope, period), selectors.complaints_by_cause(scope, period),
            selectors.complaints_by_org(scope, period), selectors.complaints_by_transformer(scope, period),
            selectors.complaints_by_street(scope, period)]


@login_required
def complaints(request):
    """Supervisor's dashboard: complaint analysis (A-1, A-2) by class, cause, unit, place, time; hot spots."""
    return _page(request, "complaints", _("投诉分析"), _complaint_tables)


@login_required
def orders(request):
    """The orders behind a number: numbers, types, classes, units, states; never the person (K-7, K-9)."""
    try:
        scope, period = _context(request)
        params = {k: v for k, v in request.GET.items() if k not in ("org_scope",)}
        total, rows = orders_behind(request.user, scope, period, params)
    except ValidationError as error:
        return render(request, "analytics/error.html", {"message": _error_text(error)}, status=400)
    return render(request, "analytics/orders.html", {"total": total, "rows": rows, "scope": scope,
                                                     "period": period, "params": params})


COMPLAINT_SCHEMES = (CategoryScheme.COMPLAINT, CategoryScheme.COMPLAINT_2014)


def _rectification_extra(request):
    def extra(scope, period):
        staff = Staff.objects.filter(orgs_visible_q(request.user, "org__path"), is_active=True).order_by(
            "username").select_related("org").only("username", "first_name", "last_name", "agent_no", "org__code")[:300]
        units = dict(org_choices(request.user))
        # two 李惠 told apart by number and unit; the 2014 classes marked as such (console.pickers)
        owners = [(person.pk, staff_label(person, units.get(person.org.code, ""))) for person in staff]
        categories = [(option.pk, option.label) for option in category_tree(include_reporting=True)
                      if option.depth == 0 and option.category.scheme in COMPLAINT_SCHEMES]
        return {"items": selectors.rectifications(scope), "staff": owners, "categories": categories,
                "can_rectify": request.user.has_role(RoleCode.SUPERVISOR, RoleCode.MANAGER),
                "prefill": {k: request.GET.get(k, "") for k in ("title", "category", "transformer", "street",
                                                                 "source")}}
    return extra


@login_required
def rectifications(request):
    """Rectification items (rule A-3): list, create (from a hot spot's prefilled link), done, verify."""
    return _page(request, "rectifications", _("整改措施"),
                 lambda s, p: [selectors.rectifications_table(s, p)], extra=_rectification_extra(request))


def _optional(model, value, **lookup):
    if not value:
        return None
    try:
        return model.objects.get(pk=int(value), **lookup)
    except (ValueError, model.DoesNotExist):
        raise ValidationError(_("选择的对象不存在：%s") % value) from None


@login_required
@require_POST
def rectification_new(request):
    post = request.POST
    back = reverse("console:analytics:rectifications")
    try:
        org = Org.objects.filter(code=(post.get("org") or "").strip()).first()
        owner = _optional(Staff, post.get("owner"))
        numbers = [n for n in (post.get("complaints") or "").replace("，", ",").replace(" ", ",").split(",") if n]
        found = list(WorkOrder.objects.filter(number__in=numbers).select_related("org"))
        if len(found) != len(set(numbers)):
            missing = sorted(set(numbers) - {o.number for o in found})
            raise ValidationError({"complaints": _("工单不存在：%s") % "、".join(missing)})
        item = rectification_create(
            title=post.get("title"), org=org, owner=owner, measures=post.get("measures"), actor=request.user,
            category=_optional(Category, post.get("category")), transformer=_optional(Device, post.get("transformer"),
                                                                                      kind="transformer"),
            street=post.get("street", ""), working_days=post.get("working_days") or None, complaints=found,
            source=post.get("source", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(request, _("已创建整改措施 %(number)s，期限 %(due)s") % {
        "number": item.number, "due": item.due_at.strftime("%Y-%m-%d")})
    return redirect(back)


def _item(request, pk):
    item = get_object_or_404(Rectification.objects.select_related("org"), pk=pk)
    if not request.user.is_superuser and not (request.user.org_id and item.org.path.startswith(
            request.user.scope_path)):
        raise Http404
    return item


@login_required
@require_POST
def rectification_step(request, pk, step):
    item = _item(request, pk)
    try:
        if step == "done":
            rectification_done(item=item, actor=request.user, note=request.POST.get("note"))
        elif step == "verify":
            rectification_verify(item=item, actor=request.user, verification=request.POST.get("verification"))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("整改措施 %s 已更新") % item.number)
    return redirect(reverse("console:analytics:rectifications"))


@login_required
def report(request):
    """The monthly compliance report as a printable page (one click; print from the browser)."""
    try:
        scope, period = _context(request)
    except ValidationError as error:
        return render(request, "analytics/error.html", {"message": _error_text(error)}, status=400)
    return HttpResponse(monthly_report_html(scope, period, request=request))
